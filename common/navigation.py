"""The navigation per role. Apps add their entries here as their pages land.

An entry is shown when the visitor has one of its roles. ``anonymous`` is a visitor who is not
logged in; the other roles are ``accounts.models.User.Role`` values.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    roles: frozenset[str]


ALL = frozenset({"anonymous", "owner", "shop_staff", "platform_admin"})

ENTRIES: list[NavEntry] = [
    NavEntry("home", _("Home"), ALL),
    NavEntry("parts:picker", _("Find your car"), ALL),
    NavEntry("parts:parts", _("Parts"), ALL),
    NavEntry("bookings:search", _("Find a shop"), ALL),
    NavEntry("orders:garage", _("My garage"), frozenset({"owner"})),
    NavEntry("orders:orders", _("My orders"), frozenset({"owner"})),
    NavEntry("shops:console", _("Shop console"), frozenset({"shop_staff"})),
    NavEntry("console:bookings", _("Bookings"), frozenset({"shop_staff"})),
    NavEntry("counter:redeem", _("Redeem a voucher"), frozenset({"shop_staff"})),
    NavEntry("shops:manage", _("My shop's settings"), frozenset({"shop_staff"})),
    NavEntry("settlement:reconciliation-latest", _("Reconciliation"), frozenset({"platform_admin"})),
    NavEntry("settlement:runs", _("Settlement"), frozenset({"platform_admin"})),
    NavEntry("admin:index", _("Platform admin"), frozenset({"platform_admin"})),
    NavEntry("accounts:profile", _("My account"), frozenset({"owner", "shop_staff", "platform_admin"})),
]


def role_of(user) -> str:
    if not user.is_authenticated:
        return "anonymous"
    return user.role


def nav_items_for(user, current_path: str = "") -> list[dict]:
    role = role_of(user)
    items = []
    for entry in ENTRIES:
        if role not in entry.roles:
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"url": url, "label": entry.label, "active": active})
    return items
