"""Factories for the shop network (shops and memberships live in tests/factories.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from shops.models import District, ShopClosure, SlotCapacity
from tests.factories import ShopFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def future_weekday(weekday: int = 2, *, weeks: int = 1):
    """A date of the given weekday (0 = Monday) at least a week ahead."""
    today = timezone.localdate()
    return today + timedelta(days=7 * weeks + (weekday - today.weekday()) % 7)


def at(day, hhmm: str) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tzinfo=SHANGHAI)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "330106"
    name_zh = "西湖区"
    name_en = "Xihu District"
    city_code = "330100"
    city_zh = "杭州市"
    province_zh = "浙江省"
    lat = 30.2431
    lng = 120.1507


class ShopClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopClosure

    shop = factory.SubFactory(ShopFactory)
    date = factory.LazyFunction(future_weekday)
    is_open = False
    reason = "盘点"


class SlotCapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlotCapacity

    shop = factory.SubFactory(ShopFactory)
    starts_at = factory.LazyFunction(lambda: at(future_weekday(), "09:30"))
    capacity = factory.LazyAttribute(lambda o: o.shop.bays)
    booked = 0
