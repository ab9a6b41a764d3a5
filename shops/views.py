"""Shop staff pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from shops.selectors import membership_list_for_user


@login_required
def console(request):
    """The staff console's front page: the shops this person works at and their role there."""
    if not request.user.is_shop_staff:
        raise PermissionDenied
    return render(request, "shops/console.html", {"memberships": membership_list_for_user(request.user)})
