"""Demo orders for `make run`: the demo owner's garage and a booking waiting for payment."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from bookings import services
from bookings.models import Booking, Vehicle
from common.errors import DomainError
from parts import quoting
from parts.models import Package, Variant
from shops import selectors as shop_selectors
from shops.models import Shop

CARS = [
    # plate, variant slug, nickname, odometer
    ("浙AK8D62", "toyota-corolla-1-2t-pioneer-2019", "小卡", 58_200),
    ("浙AD12345", "tesla-model-3-ev-highland-rwd-2023", "", 21_500),
]
DEMO_SHOP = "baoshun-quick-shangcheng"  # the shop the demo `manager` runs (shops.demo)


def demo_package_for(variant: Variant, shop: Shop) -> Package | None:
    """The first standard package the shop can do completely for this car."""
    for package in Package.objects.order_by("sort", "code"):
        try:
            resolution = quoting.resolve(variant=variant, package=package)
            services.booking_quote(shop=shop, resolution=resolution)
        except DomainError:
            continue
        return package
    return None


def demo_next_slot(shop: Shop, *, days_ahead: int):
    after = timezone.now() + timedelta(days=days_ahead)
    slots = shop_selectors.next_free_slots(shop, after=after, days=14, limit=1)
    return slots[0].starts_at if slots else None


def load() -> list[str]:
    owner = User.objects.get(username="owner")
    for plate, slug, nickname, odometer in CARS:
        variant = Variant.objects.filter(slug=slug).first()
        if variant is None or Vehicle.objects.filter(owner=owner, plate=plate, is_active=True).exists():
            continue
        services.vehicle_add(
            owner=owner, variant=variant, plate=plate, nickname=nickname, odometer_km=odometer
        )
    car = (
        Vehicle.objects.filter(owner=owner, plate=CARS[0][0], is_active=True)
        .select_related("variant")
        .first()
    )
    shop = Shop.objects.filter(slug=DEMO_SHOP).first()
    if car is None or shop is None:
        return ["orders: skipped (no demo car or shop)"]
    open_orders = Booking.objects.filter(
        owner=owner, status=Booking.Status.AWAITING_PAYMENT, pay_by__gt=timezone.now()
    )
    if not open_orders.exists():
        package, starts_at = demo_package_for(car.variant, shop), demo_next_slot(shop, days_ahead=3)
        if package and starts_at:
            services.booking_create(owner=owner, vehicle=car, shop=shop, starts_at=starts_at, package=package)
    garage = Vehicle.objects.filter(owner=owner, is_active=True).count()
    return [f"orders: owner has {garage} cars and {Booking.objects.filter(owner=owner).count()} orders"]
