"""Template context shared by every page: the navigation for the visitor's role."""

from common.navigation import nav_items_for


def navigation(request):
    return {"nav_items": nav_items_for(request.user, request.path)}
