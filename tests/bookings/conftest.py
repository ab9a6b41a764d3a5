"""Fixtures for orders: a car, a shop that offers an oil change for it, an owner, a free slot."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import User
from bookings import services
from parts.models import Part, ServiceItemPart
from shops.models import ShopService
from tests.factories import ShopFactory, UserFactory
from tests.parts.factories import VariantFactory, fitting, item_needing
from tests.shops.factories import at, future_weekday


@dataclass
class Job:
    owner: User
    vehicle: object
    shop: object
    item: object
    filter_part: Part
    slot: object

    def book(self, **kw):
        fields = {
            "owner": self.owner,
            "vehicle": self.vehicle,
            "shop": self.shop,
            "starts_at": self.slot,
            "service_items": [self.item.code],
        }
        fields.update(kw)
        return services.booking_create(**fields)


@pytest.fixture
def job(db) -> Job:
    """Oil filter change: one filter at ¥58.00 list price, 0.5 h labour at the shop's ¥150.00/h."""
    variant = VariantFactory(cylinders=4, oil_capacity_l=Decimal("4.2"))
    item = item_needing("oil_filter", Part.Category.OIL_FILTER, rule=ServiceItemPart.Rule.FIXED, hours="0.5")
    part = fitting(
        variant, category=Part.Category.OIL_FILTER, list_price_amount=Decimal("58.00"), sku="MANN-W610/3"
    )
    shop = ShopFactory(bays=3, labour_rate_amount=Decimal("150.00"))
    ShopService.objects.create(shop=shop, service_item=item)
    owner = UserFactory(role=User.Role.OWNER)
    vehicle = services.vehicle_add(owner=owner, variant=variant, plate="浙A12345")
    return Job(
        owner=owner,
        vehicle=vehicle,
        shop=shop,
        item=item,
        filter_part=part,
        slot=at(future_weekday(2), "10:30"),
    )
