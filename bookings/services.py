"""Writes for bookings: the garage, placing a booking, every change of its state, the service log.

All state changes go through ``booking_transition`` (one table, one gate, one event row per
change). Money moves in ``payments``, which calls these services inside its own transactions;
capacity moves through ``shops.services.slot_take``/``slot_release`` in the same transaction as
the booking's state (decision 0004).
"""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from bookings.models import (
    AdditionalWork,
    AdditionalWorkLine,
    Booking,
    BookingEvent,
    BookingLine,
    Complaint,
    HealthRecord,
    PartUsed,
    Review,
    ServiceStep,
    ServiceVisit,
    Vehicle,
)
from common.errors import Conflict, DomainError, NotFound, PermissionDenied
from common.money import quantize_fen
from common.sql import placeholders
from parts import quoting
from parts.models import Package, Part, ServiceItem, Variant
from parts.vin import vin_validate
from shops import services as shop_services
from shops.models import Shop, ShopClosure, ShopPartPrice, ShopService
from shops.selectors import local_tz

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
    quote, _closure_id = _price_at_shop(shop, resolution, day=None)
    return quote


def _price_at_shop(shop: Shop, resolution: quoting.Resolution, day) -> tuple[quoting.Quote, int | None]:
    """``booking_quote`` and, when ``day`` is given, the id of the shop's closure row for that day
    (None: no exception that day), all in one hand-written statement: the booking's hot path."""
    if not shop.is_active:
        raise NotFound()
    codes = list(resolution.service_item_codes)
    part_ids = [part.part_id for part in resolution.parts]
    sql = (
        "SELECT 'item', si.code, ss.fixed_price_amount "  # noqa: S608 - our table names, values bound
        f"FROM {ShopService._meta.db_table} ss JOIN {ServiceItem._meta.db_table} si "
        f"ON si.id = ss.service_item_id WHERE ss.shop_id = %s AND si.code IN ({placeholders(codes)}) "
        "UNION ALL SELECT 'part', CAST(pp.part_id AS VARCHAR(20)), pp.unit_price_amount "
        f"FROM {ShopPartPrice._meta.db_table} pp "
        f"WHERE pp.shop_id = %s AND pp.part_id IN ({placeholders(part_ids)})"
    )
    params = [shop.pk, *codes, shop.pk, *part_ids]
    if day is not None:
        sql += (
            " UNION ALL SELECT 'closure', CAST(c.id AS VARCHAR(20)), NULL "  # noqa: S608 - as above
            f"FROM {ShopClosure._meta.db_table} c WHERE c.shop_id = %s AND c.date = %s"
        )
        params += [shop.pk, day]
    fixed, parts, offered_codes, closure_id = {}, {}, set(), None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, key, price in rows:
        if kind == "item":
            offered_codes.add(key)
            if price is not None:
                fixed[key] = quantize_fen(price)
        elif kind == "part":
            parts[int(key)] = quantize_fen(price)
        else:
            closure_id = int(key)
    if offered_codes != set(codes):
        raise QuoteIncomplete(_("This shop does not offer every service you chose."))
    quote = resolution.price(
        quoting.PriceBook(labour_rate=shop.labour_rate_amount, part_prices=parts, fixed_prices=fixed)
    )
    if not quote.is_complete:
        raise QuoteIncomplete()
    return quote, closure_id


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
    has no place left, ``SlotUnavailable`` when the time is not one of the shop's slots,
    ``QuoteIncomplete`` when a line has no fitting part or the shop does not offer an item.

    The reads come first and take no locks. On PostgreSQL the writes (take the place, the order,
    its lines, its first event) are ONE statement, atomic by itself (decision 0004); elsewhere
    they run through the ORM in one transaction.
    """
    if vehicle.owner_id != owner.pk or not vehicle.is_active:
        raise NotFound()
    if starts_at <= timezone.now():
        raise SlotInPast()
    resolution = quoting.resolve_cached(
        variant_id=vehicle.variant_id, service_items=service_items, package=package
    )
    day = timezone.localtime(starts_at, local_tz()).date() if timezone.is_aware(starts_at) else None
    quote, closure_id = _price_at_shop(shop, resolution, day)
    closure = ShopClosure.objects.get(pk=closure_id) if closure_id else None  # rare: a holiday, a special day
    shop_services.slot_check(shop=shop, starts_at=starts_at, closure=closure)
    now = timezone.now()
    booking = Booking(
        owner=owner,
        vehicle=vehicle,
        variant_id=vehicle.variant_id,
        shop=shop,
        package=package,
        service_item_codes=list(resolution.service_item_codes),
        starts_at=starts_at,
        status=S.AWAITING_PAYMENT,
        parts_amount=quote.parts_amount,
        labour_amount=quote.labour_amount,
        total_amount=quote.total_amount,
        currency=quote.currency,
        pay_by=now + timedelta(minutes=settings.BOOKING_PAY_WITHIN_MINUTES),
        created_at=now,
        updated_at=now,
    )
    lines = BookingLine.frozen(quote.lines, booking=booking)
    event = BookingEvent(
        booking=booking,
        from_status="",
        to_status=S.AWAITING_PAYMENT,
        actor=owner,
        reason=gettext_noop("booked"),
        created_at=now,
    )
    if connection.vendor == "postgresql":
        _write_in_one_statement(booking, lines, event)
    else:
        with transaction.atomic():
            shop_services.slot_take(shop=shop, starts_at=starts_at, checked=True)
            booking.save(force_insert=True)
            for line in lines:
                line.booking = booking
            BookingLine.objects.bulk_create(lines)
            event.booking = booking
            event.save(force_insert=True)
    # The caller gets the order as written, lines and history included, as prefetch_related
    # would leave them: no second read of what was just inserted.
    booking._prefetched_objects_cache = {
        "lines": _as_prefetched(booking.lines, lines),
        "events": _as_prefetched(booking.events, [event]),
    }
    return booking


# Take one place of the slot (creating its capacity row on first use) and, only if a place was
# taken, insert the order, its lines and its first event: one statement, so one round trip and
# atomic without a transaction block. ``ON CONFLICT … DO UPDATE … WHERE booked < capacity`` locks
# the slot's row and re-checks the guard on its latest version: under any number of concurrent
# bookings a place is taken at most ``capacity`` times (decision 0004). No row back: the slot is full.
_BOOK_SQL = """
WITH take AS (
    INSERT INTO shops_slotcapacity (shop_id, starts_at, capacity, booked)
    VALUES (%(shop)s, %(starts_at)s, %(bays)s, 1)
    ON CONFLICT (shop_id, starts_at) DO UPDATE SET booked = shops_slotcapacity.booked + 1
        WHERE shops_slotcapacity.booked < shops_slotcapacity.capacity
    RETURNING id
), booking AS (
    INSERT INTO bookings_booking (owner_id, vehicle_id, variant_id, shop_id, package_id,
        service_item_codes, starts_at, status, parts_amount, labour_amount, total_amount, currency,
        pay_by, created_at, updated_at)
    SELECT %(owner)s, %(vehicle)s, %(variant)s, %(shop)s, %(package)s, %(codes)s::jsonb,
        %(starts_at)s, %(status)s, %(parts)s, %(labour)s, %(total)s, %(currency)s, %(pay_by)s,
        %(now)s, %(now)s
    FROM take
    RETURNING id
), line AS (
    INSERT INTO bookings_bookingline (booking_id, kind, service_item_code, sku, name_en, name_zh,
        quantity, unit_price_amount, amount, position)
    SELECT booking.id, l.kind, l.code, l.sku, l.name_en, l.name_zh, l.quantity, l.unit_price,
        l.amount, l.position
    FROM booking, unnest(%(kind)s::varchar[], %(code)s::varchar[], %(sku)s::varchar[],
        %(name_en)s::varchar[], %(name_zh)s::varchar[], %(quantity)s::numeric[],
        %(unit_price)s::numeric[], %(amount)s::numeric[], %(position)s::smallint[])
        AS l(kind, code, sku, name_en, name_zh, quantity, unit_price, amount, position)
    RETURNING id, position
), event AS (
    INSERT INTO bookings_bookingevent (booking_id, from_status, to_status, actor_id, reason, created_at)
    SELECT booking.id, '', %(status)s, %(owner)s, %(reason)s, %(now)s FROM booking
    RETURNING id
)
SELECT booking.id, (SELECT id FROM event),
    (SELECT array_agg(id ORDER BY position) FROM line)
FROM booking
"""


def _write_in_one_statement(booking: Booking, lines: list[BookingLine], event: BookingEvent) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "shop": booking.shop_id,
        "starts_at": adapt(booking.starts_at),
        "bays": booking.shop.bays,
        "owner": booking.owner_id,
        "vehicle": booking.vehicle_id,
        "variant": booking.variant_id,
        "package": booking.package_id,
        "codes": json.dumps(booking.service_item_codes),
        "status": booking.status,
        "parts": booking.parts_amount,
        "labour": booking.labour_amount,
        "total": booking.total_amount,
        "currency": booking.currency,
        "pay_by": adapt(booking.pay_by),
        "now": adapt(booking.created_at),
        "reason": event.reason,
        "kind": [line.kind for line in lines],
        "code": [line.service_item_code for line in lines],
        "sku": [line.sku for line in lines],
        "name_en": [line.name_en for line in lines],
        "name_zh": [line.name_zh for line in lines],
        "quantity": [line.quantity for line in lines],
        "unit_price": [line.unit_price_amount for line in lines],
        "amount": [line.amount for line in lines],
        "position": [line.position for line in lines],
    }
    with connection.cursor() as cursor:
        cursor.execute(_BOOK_SQL, params)
        row = cursor.fetchone()
    if row is None:
        raise shop_services.slot_full(shop=booking.shop, starts_at=booking.starts_at)
    booking.pk, event.pk = row[0], row[1]
    booking._state.adding = event._state.adding = False
    event.booking = booking
    for line, line_id in zip(lines, row[2] or [], strict=True):
        line.pk, line.booking_id = line_id, booking.pk
        line._state.adding = False


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
    return booking_transition(booking, to=S.CHECKED_IN, actor=staff, reason=gettext_noop("checked in"))


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
        booking_transition(booking, to=S.IN_SERVICE, actor=technician, reason=gettext_noop("work started"))
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
    booking_transition(booking, to=S.COMPLETED, actor=staff, reason=gettext_noop("work completed"))
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


# --- complaints --------------------------------------------------------------------------------

COMPLAINABLE = (S.PAID, S.CHECKED_IN, S.IN_SERVICE, S.COMPLETED, S.NO_SHOW)


@transaction.atomic
def complaint_create(*, booking_id: int, owner, category: str, text: str) -> Complaint:
    """The owner complains about one of their orders once it is paid (not unpaid, cancelled,
    refunded or expired ones); it waits for a platform admin."""
    booking = booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    if booking.status not in COMPLAINABLE:
        raise Conflict(
            _("You can complain about an order once it is paid, and not about a cancelled or expired one."),
            code="not_complainable",
        )
    if category not in Complaint.Category.values:
        raise DomainError(_("Choose what went wrong."), code="invalid_category")
    text = text.strip()
    if not text:
        raise DomainError(_("Tell us what happened."), code="empty_text")
    if len(text) > Complaint.TEXT_MAX_LENGTH:
        raise DomainError(_("Please keep it under 1000 characters."), code="text_too_long")
    if Complaint.objects.filter(booking=booking).exists():
        raise Conflict(_("You have already complained about this order."), code="already_complained")
    return Complaint.objects.create(
        booking=booking, shop_id=booking.shop_id, owner=owner, category=category, text=text
    )


@transaction.atomic
def complaint_decide(*, complaint_id: int, resolve: bool, note: str, actor) -> Complaint:
    """A platform admin decides an open complaint once: resolved or rejected, with a note.
    A penalty, if any, is ``payments.settlement.services.complaint_resolve_with_penalty``, which
    calls this in its own transaction."""
    if not (actor.is_staff and (actor.is_superuser or actor.is_platform_admin)):
        raise PermissionDenied(_("Only a platform admin decides complaints."))
    complaint = (
        Complaint.objects.select_for_update()
        .select_related("booking", "shop")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFound()
    if not complaint.is_open:
        raise Conflict(_("This complaint has already been decided."), code="already_decided")
    note = note.strip()
    if not note:
        raise DomainError(_("Write a resolution note for the owner."), code="empty_note")
    complaint.status = Complaint.Status.RESOLVED if resolve else Complaint.Status.REJECTED
    complaint.resolution_note = note[:1000]
    complaint.decided_by, complaint.decided_at = actor, timezone.now()
    complaint.save(update_fields=["status", "resolution_note", "decided_by", "decided_at"])
    return complaint
