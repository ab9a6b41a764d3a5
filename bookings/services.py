"""Writes for bookings: the garage, placing a booking, every change of its state, the service log.

All state changes go through ``booking_transition`` (one table, one gate, one event row per
change). Money moves in ``payments``, which calls these services inside its own transactions;
capacity moves through ``shops.services.slot_take``/``slot_release`` in the same transaction as
the booking's state (decision 0004).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, CharField, F, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from bookings.models import (
    AdditionalWork,
    AdditionalWorkLine,
    Booking,
    BookingEvent,
    BookingLine,
    HealthRecord,
    PartUsed,
    Review,
    ServiceStep,
    ServiceVisit,
    Vehicle,
)
from common.errors import Conflict, DomainError, NotFound
from common.money import quantize_fen
from parts import quoting
from parts.models import Package, Part, Variant
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
    lines = BookingLine.objects.bulk_create(
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
    event = BookingEvent.objects.create(
        booking=booking, to_status=S.AWAITING_PAYMENT, actor=owner, reason=gettext_noop("booked")
    )
    # The caller gets the order as written, lines and history included, as prefetch_related
    # would leave them: no second read of what was just inserted.
    booking._prefetched_objects_cache = {
        "lines": _as_prefetched(booking.lines, lines),
        "events": _as_prefetched(booking.events, [event]),
    }
    return booking


def _as_prefetched(manager, rows):
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    return queryset


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


# --- the service log (shop staff) ------------------------------------------------------------


class OdometerLower(Conflict):
    default_message = _("This reading is lower than the car's last one. Check it, then confirm it.")
    code = "odometer_lower"


class NotRedeemed(Conflict):
    default_message = _("Redeem the owner's voucher before checking the car in.")
    code = "not_redeemed"


def _is_redeemed(booking: Booking) -> bool:
    # payments writes the redemption rows; bookings only reads them through the relation
    return booking.redemptions.filter(undone_at__isnull=True).exists()


@transaction.atomic
def booking_check_in(
    *,
    booking_id: int,
    staff,
    odometer_km: int,
    fault_description: str = "",
    confirm_lower: bool = False,
    now: datetime | None = None,
) -> Booking:
    """The car is dropped off: record the time and odometer; the car's odometer follows.

    The voucher must be redeemed first. A reading below the car's last one raises
    ``OdometerLower`` unless the staff member confirms it (a replaced cluster, a typo in the past).
    """
    booking = booking_lock(booking_id)
    if booking.status != S.PAID:
        raise InvalidTransition(booking.status, S.CHECKED_IN)
    if not _is_redeemed(booking):
        raise NotRedeemed()
    vehicle = Vehicle.objects.select_for_update().get(pk=booking.vehicle_id)
    if odometer_km < vehicle.odometer_km and not confirm_lower:
        raise OdometerLower(extra={"last_odometer_km": vehicle.odometer_km})
    ServiceVisit.objects.create(
        booking=booking,
        checked_in_at=now or timezone.now(),
        checked_in_by=staff,
        odometer_km=odometer_km,
        fault_description=fault_description,
    )
    vehicle.odometer_km = odometer_km
    vehicle.save(update_fields=["odometer_km", "updated_at"])
    return booking_transition(booking, to=S.CHECKED_IN, actor=staff, reason="checked in")


@transaction.atomic
def service_step_add(
    *,
    booking_id: int,
    technician,
    description: str,
    result: str = ServiceStep.Result.DONE,
    note: str = "",
    additional_work_id: int | None = None,
    photo=None,
) -> ServiceStep:
    """Log one step of the work; the first step puts the order in service.

    A step may belong to an extra the owner approved (never to one still waiting: 409); its
    optional photo is re-encoded and shown to the owner.
    """
    from bookings import extras, photos  # extras builds on this module

    booking = booking_lock(booking_id)
    if booking.status not in (S.CHECKED_IN, S.IN_SERVICE):
        raise Conflict(_("Steps can be logged only while the car is at the shop."), code="not_in_service")
    if result not in ServiceStep.Result.values:
        raise DomainError(_("Choose a result for this step."), code="invalid_result")
    extra = extras.additional_work_for_logging(booking=booking, additional_work_id=additional_work_id)
    if booking.status == S.CHECKED_IN:
        booking_transition(booking, to=S.IN_SERVICE, actor=technician, reason="work started")
    step = ServiceStep.objects.create(
        booking=booking,
        description=description.strip(),
        technician=technician,
        result=result,
        note=note,
        additional_work=extra,
    )
    if photo is not None:
        photos.photo_store(upload=photo, booking=booking, uploaded_by=technician, step=step)
    return step


@transaction.atomic
def part_used_add(
    *,
    booking_id: int,
    staff,
    code: str,
    quantity,
    name: str = "",
    additional_work_id: int | None = None,
) -> PartUsed:
    """Record a part actually fitted (it may differ from the booked lines).

    A catalogue code takes the catalogue's names; another code needs a name. A part of an extra
    is accepted only once the owner approved that extra.
    """
    from bookings import extras  # extras builds on this module

    booking = booking_lock(booking_id)
    if booking.status not in (S.CHECKED_IN, S.IN_SERVICE):
        raise Conflict(_("Parts can be recorded only while the car is at the shop."), code="not_in_service")
    extra = extras.additional_work_for_logging(booking=booking, additional_work_id=additional_work_id)
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Enter the part's code."), code="code_required")
    part = Part.objects.filter(sku=code).first()
    name = (name or "").strip()
    if part is None and not name:
        raise DomainError(
            _("This code is not in the catalogue: enter the part's name too."), code="name_required"
        )
    return PartUsed.objects.create(
        booking=booking,
        additional_work=extra,
        part=part,
        code=code[:60],
        name_en=part.name_en if part else name[:200],
        name_zh=part.name_zh if part else name[:200],
        quantity=extras._quantity(quantity),
        recorded_by=staff,
    )


@transaction.atomic
def booking_complete(*, booking_id: int, staff, now: datetime | None = None) -> HealthRecord:
    """The work is done: the order is completed and the car's health-record entry is written.

    The entry carries the 13 fields of JT/T 1132 (shop, VIN, plate, drop-off date and mileage,
    settlement date, settlement-list number, fault description, repair items, labour hours, and
    each part's name, code and quantity), copied here so later edits elsewhere never change it.
    Repair items and labour include the paid extras; the parts are those recorded as actually
    used, else the priced part lines. An approved extra not yet paid refuses completion (409);
    one still waiting for the owner expires.
    """
    from bookings import extras  # extras builds on this module

    now = now or timezone.now()
    booking = booking_lock(booking_id)
    if booking.status not in (S.CHECKED_IN, S.IN_SERVICE):
        raise InvalidTransition(booking.status, S.COMPLETED)
    extras.additional_work_close_for_completion(booking=booking, staff=staff)
    visit = ServiceVisit.objects.select_for_update().get(booking=booking)
    visit.completed_at, visit.completed_by = now, staff
    visit.save(update_fields=["completed_at", "completed_by"])
    booking_transition(booking, to=S.COMPLETED, actor=staff, reason="work completed")
    # What was done: the booked lines and the lines of every extra the owner approved and paid.
    lines = list(booking.lines.all()) + list(
        AdditionalWorkLine.objects.filter(
            additional_work__booking=booking, additional_work__status=AdditionalWork.Status.PAID
        ).order_by("additional_work_id", "position")
    )
    vehicle = booking.vehicle
    steps = [step.description for step in booking.steps.all()]
    labour = [line for line in lines if line.kind == BookingLine.Kind.LABOUR]
    # Parts actually fitted, as the technicians recorded them; without a record, the priced ones.
    used = [
        {"name_en": row.name_en, "name_zh": row.name_zh, "code": row.code, "quantity": str(row.quantity)}
        for row in booking.parts_used.all()
    ]
    return HealthRecord.objects.create(
        vehicle=vehicle,
        booking=booking,
        shop=booking.shop,
        shop_name=booking.shop.name,
        vin=vehicle.vin,
        plate=vehicle.plate,
        drop_off_date=timezone.localtime(visit.checked_in_at).date(),
        drop_off_mileage_km=visit.odometer_km,
        settlement_date=timezone.localtime(now).date(),
        settlement_number=f"JS{booking.number[2:]}",
        fault_description=visit.fault_description,
        repair_items=[{"en": line.name_en, "zh": line.name_zh} for line in labour]
        + [{"en": text, "zh": text} for text in steps],
        labour_hours=sum((line.quantity for line in labour), Decimal("0")),
        parts=used
        or [
            {
                "name_en": line.name_en,
                "name_zh": line.name_zh,
                "code": line.sku,
                "quantity": str(line.quantity),
            }
            for line in lines
            if line.kind == BookingLine.Kind.PART
        ],
    )


# --- reviews ---------------------------------------------------------------------------------


def _score(value) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError(_("Rate each point from 1 to 5 stars."), code="invalid_score")
    return score


@transaction.atomic
def review_create(
    *, booking_id: int, owner, quality: int, timeliness: int, attitude: int, transparency: int, text: str = ""
) -> Review:
    """The owner rates a completed order once; the shop's rating becomes the mean of its reviews."""
    booking = booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    if booking.status != S.COMPLETED:
        raise Conflict(_("You can review an order once the work is completed."), code="not_completed")
    if Review.objects.filter(booking=booking).exists():
        raise Conflict(_("You have already reviewed this order."), code="already_reviewed")
    review = Review.objects.create(
        booking=booking,
        shop_id=booking.shop_id,
        owner=owner,
        quality=_score(quality),
        timeliness=_score(timeliness),
        attitude=_score(attitude),
        transparency=_score(transparency),
        text=text.strip(),
    )
    shop_rating_refresh(shop_id=booking.shop_id)
    return review


def shop_rating_refresh(*, shop_id: int) -> None:
    """Shop.rating = the mean of every review's four scores, to two places (locks the shop row)."""
    Shop.objects.select_for_update().filter(pk=shop_id).first()
    means = Review.objects.filter(shop_id=shop_id).aggregate(
        q=Avg("quality"), t=Avg("timeliness"), a=Avg("attitude"), p=Avg("transparency")
    )
    if means["q"] is None:
        return
    rating = (
        Decimal(str(means["q"]))
        + Decimal(str(means["t"]))
        + Decimal(str(means["a"]))
        + Decimal(str(means["p"]))
    ) / 4
    Shop.objects.filter(pk=shop_id).update(rating=rating.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@transaction.atomic
def review_reply(*, review_id: int, shop_id: int, manager, text: str) -> Review:
    """The shop's manager answers a review once."""
    review = Review.objects.select_for_update().filter(pk=review_id, shop_id=shop_id).first()
    if review is None:
        raise NotFound()
    if review.replied_at is not None:
        raise Conflict(_("This review already has the shop's reply."), code="already_replied")
    if not text.strip():
        raise DomainError(_("Write a reply first."), code="empty_reply")
    review.reply, review.replied_at, review.replied_by = text.strip(), timezone.now(), manager
    review.save(update_fields=["reply", "replied_at", "replied_by"])
    return review
