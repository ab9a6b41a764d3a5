"""Writes for bookings: the garage, placing a booking, and every change of a booking's state.

All state changes go through ``booking_transition`` (one table, one gate, one event row per
change). Money moves in ``payments``, which calls these services inside its own transactions;
capacity moves through ``shops.services.slot_take``/``slot_release`` in the same transaction as
the booking's state (decision 0004).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from bookings.models import Booking, BookingEvent, BookingLine, Vehicle
from common.errors import Conflict, DomainError, NotFound
from common.money import quantize_fen
from parts import quoting
from parts.models import Package, Variant
from parts.vin import vin_validate
from shops import services as shop_services
from shops.models import Shop, ShopPartPrice, ShopService

S = Booking.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.CHECKED_IN, S.REFUNDED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.IN_SERVICE, S.COMPLETED}),
    S.IN_SERVICE: frozenset({S.COMPLETED}),
    S.NO_SHOW: frozenset({S.REFUNDED}),
}
# States in which the booking holds one place of its slot's capacity.
HOLDS_CAPACITY = frozenset({S.AWAITING_PAYMENT, S.PAID, S.CHECKED_IN, S.IN_SERVICE})


class InvalidTransition(Conflict):
    default_message = _("This order cannot change to that state now.")
    code = "invalid_transition"

    def __init__(self, from_status: str, to_status: str):
        super().__init__(
            _("An order that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_status).label, "to": S(to_status).label},
            extra={"status": from_status},
        )


class QuoteIncomplete(DomainError):
    default_message = _("This shop cannot do every line of this service for your car.")
    code = "quote_incomplete"


class SlotInPast(DomainError):
    default_message = _("This time has already passed. Pick a later slot.")
    code = "slot_in_past"


# --- garage ----------------------------------------------------------------------------------


def vehicle_add(
    *, owner, variant: Variant, plate: str, vin: str = "", nickname: str = "", odometer_km: int = 0
):
    vehicle = Vehicle(
        owner=owner,
        variant=variant,
        plate=plate.upper(),
        vin=vin.upper(),
        nickname=nickname,
        odometer_km=odometer_km,
    )
    vehicle.full_clean(validate_constraints=False)
    if vehicle.vin:
        vehicle.vin = vin_validate(vehicle.vin)
    _unique_plate(owner=owner, plate=vehicle.plate)
    vehicle.save()
    return vehicle


def vehicle_update(*, vehicle: Vehicle, **fields) -> Vehicle:
    allowed = {"variant", "plate", "vin", "nickname", "odometer_km"}
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"vehicle field {name!r} cannot be changed here")
        setattr(vehicle, name, value.upper() if name in ("plate", "vin") else value)
    vehicle.full_clean(validate_constraints=False)
    if vehicle.vin:
        vehicle.vin = vin_validate(vehicle.vin)
    if "plate" in fields:
        _unique_plate(owner=vehicle.owner, plate=vehicle.plate, exclude_id=vehicle.pk)
    vehicle.save()
    return vehicle


def _unique_plate(*, owner, plate: str, exclude_id: int | None = None) -> None:
    others = Vehicle.objects.filter(owner=owner, plate=plate, is_active=True).exclude(pk=exclude_id)
    if others.exists():
        raise Conflict(_("A car with this plate is already in your garage."), code="plate_taken")


def vehicle_remove(*, vehicle: Vehicle) -> None:
    """Take a car out of the garage. Its past orders keep pointing at it, so it is hidden, not deleted."""
    if vehicle.bookings.filter(status__in=HOLDS_CAPACITY).exists():
        raise Conflict(_("This car has an open order. Cancel or finish it first."), code="vehicle_busy")
    vehicle.is_active = False
    vehicle.save(update_fields=["is_active", "updated_at"])


# --- state -----------------------------------------------------------------------------------


def booking_transition(booking: Booking, *, to: str, actor=None, reason: str = "") -> Booking:
    """The one gate for every state change. Call inside the caller's transaction, booking locked."""
    if to not in ALLOWED.get(booking.status, frozenset()):
        raise InvalidTransition(booking.status, to)
    BookingEvent.objects.create(
        booking=booking, from_status=booking.status, to_status=to, actor=actor, reason=reason
    )
    if booking.status in HOLDS_CAPACITY and to not in HOLDS_CAPACITY:
        shop_services.slot_release(shop=booking.shop, starts_at=booking.starts_at)
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])
    return booking


def booking_lock(booking_id: int) -> Booking:
    """Re-read a booking under a row lock (inside a transaction) before changing it."""
    booking = Booking.objects.select_for_update().select_related("shop").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking


# --- placing a booking -----------------------------------------------------------------------


def booking_quote(*, shop: Shop, resolution: quoting.Resolution) -> quoting.Quote:
    """Price a resolved job at one active shop that offers every item of it (one query).

    Raises ``NotFound`` for a shop that is not taking bookings and ``QuoteIncomplete`` when the
    shop lacks an item or a line has no fitting part.
    """
    if not shop.is_active:
        raise NotFound()
    codes = list(resolution.service_item_codes)
    offered = (
        ShopService.objects.filter(shop=shop, service_item__code__in=codes)
        .annotate(kind=Value("item"), key=F("service_item__code"), price=F("fixed_price_amount"))
        .values_list("kind", "key", "price")
    )
    part_prices = (
        ShopPartPrice.objects.filter(shop=shop, part_id__in=[part.part_id for part in resolution.parts])
        .annotate(kind=Value("part"), key=Cast("part_id", CharField()), price=F("unit_price_amount"))
        .values_list("kind", "key", "price")
    )
    fixed, parts, offered_codes = {}, {}, set()
    for kind, key, price in offered.union(part_prices, all=True):
        if kind == "item":
            offered_codes.add(key)
            if price is not None:
                fixed[key] = quantize_fen(price)
        else:
            parts[int(key)] = quantize_fen(price)
    if offered_codes != set(codes):
        raise QuoteIncomplete(_("This shop does not offer every service you chose."))
    quote = resolution.price(
        quoting.PriceBook(labour_rate=shop.labour_rate_amount, part_prices=parts, fixed_prices=fixed)
    )
    if not quote.is_complete:
        raise QuoteIncomplete()
    return quote


@transaction.atomic
def booking_create(
    *,
    owner,
    vehicle: Vehicle,
    shop: Shop,
    starts_at: datetime,
    service_items: Sequence[str] = (),
    package: Package | None = None,
) -> Booking:
    """Book a slot: price the work at this shop now, take one place of the slot, freeze the lines.

    The quote is recomputed here from the catalogue and the shop's prices; nothing the client
    sent about prices is used. Raises ``SlotFull`` (409, with the next free slots) when the slot
    has no place left, ``QuoteIncomplete`` when a line has no fitting part or the shop does not
    offer an item.
    """
    if vehicle.owner_id != owner.pk or not vehicle.is_active:
        raise NotFound()
    if starts_at <= timezone.now():
        raise SlotInPast()
    resolution = quoting.resolve(variant=vehicle.variant, service_items=service_items, package=package)
    quote = booking_quote(shop=shop, resolution=resolution)

    shop_services.slot_take(shop=shop, starts_at=starts_at)
    booking = Booking.objects.create(
        owner=owner,
        vehicle=vehicle,
        variant_id=vehicle.variant_id,
        shop=shop,
        package=package,
        service_item_codes=list(resolution.service_item_codes),
        starts_at=starts_at,
        parts_amount=quote.parts_amount,
        labour_amount=quote.labour_amount,
        total_amount=quote.total_amount,
        currency=quote.currency,
        pay_by=timezone.now() + timedelta(minutes=settings.BOOKING_PAY_WITHIN_MINUTES),
    )
    BookingLine.objects.bulk_create(
        BookingLine(
            booking=booking,
            kind=line.kind,
            service_item_code=line.service_item_code,
            sku=line.sku,
            name_en=line.name_en,
            name_zh=line.name_zh,
            quantity=line.quantity,
            unit_price_amount=line.unit_price,
            amount=line.amount,
            position=position,
        )
        for position, line in enumerate(quote.lines)
    )
    BookingEvent.objects.create(
        booking=booking, to_status=S.AWAITING_PAYMENT, actor=owner, reason=gettext_noop("booked")
    )
    return booking


@transaction.atomic
def booking_cancel_unpaid(*, booking_id: int, actor, reason: str = "") -> Booking:
    """Cancel an order that was never paid; its place in the slot is released."""
    booking = booking_lock(booking_id)
    return booking_transition(
        booking, to=S.CANCELLED, actor=actor, reason=reason or gettext_noop("cancelled by owner")
    )


def booking_expire_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """Expire unpaid bookings past their pay-by time and release their places; idempotent.

    Due rows are locked with SKIP LOCKED so two runs (or a run and a late payment) never
    fight over a row; a row that was paid meanwhile is no longer due and is left alone.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                Booking.objects.select_for_update(skip_locked=True)
                .select_related("shop")
                .filter(status=S.AWAITING_PAYMENT, pay_by__lte=now)
                .order_by("pay_by")[:batch]
            )
            for booking in due:
                booking_transition(booking, to=S.EXPIRED, reason=gettext_noop("not paid in time"))
        expired += len(due)
        if len(due) < batch:
            return expired
