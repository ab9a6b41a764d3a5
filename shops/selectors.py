"""Reads for shops."""

from django.db.models import QuerySet

from shops.models import Membership


def membership_list_for_user(user) -> QuerySet[Membership]:
    """The shops a staff member works at, with their role at each."""
    return Membership.objects.filter(user=user).select_related("shop").order_by("shop__name")
