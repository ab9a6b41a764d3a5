"""Demo shop network for `make run` (grows with the shop-network issue)."""

from accounts.models import User
from shops.models import Membership, Shop


def load() -> list[str]:
    shop, _created = Shop.objects.get_or_create(
        slug="xihu-auto-care", defaults={"name": "西湖汽车养护中心", "status": Shop.Status.ACTIVE}
    )
    manager = User.objects.get(username="manager")
    Membership.objects.get_or_create(shop=shop, user=manager, defaults={"role": Membership.Role.MANAGER})
    return [f"shop: {shop.name} (manager: {manager.username})"]
