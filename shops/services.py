"""Writes for the shop network: applications, status, settings, hours, closures, staff, capacity."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.errors import Conflict, DomainError, NotFound
from common.money import quantize_fen
from parts.models import Part, ServiceItem
from shops import places
from shops.models import District, Membership, Shop, ShopClosure, ShopPartPrice, ShopService, SlotCapacity
from shops.selectors import local_tz, next_free_slots, slot_starts_on


class SlotFull(Conflict):
    """Every place of the slot is taken."""

    default_message = _("This time slot is fully booked. Please pick another time.")
    code = "slot_full"


class SlotUnavailable(DomainError):
    """The time is not a slot of the shop (closed, outside the hours, in the past, off the grid)."""

    default_message = _("The shop does not take bookings at this time.")
    code = "slot_unavailable"


class InvalidShopTransition(Conflict):
    default_message = _("The shop cannot move to this status from its current one.")
    code = "invalid_transition"


# --- status ---------------------------------------------------------------------------------

ALLOWED_STATUS = {
    Shop.Status.APPLIED: {Shop.Status.ACTIVE},
    Shop.Status.ACTIVE: {Shop.Status.SUSPENDED},
    Shop.Status.SUSPENDED: {Shop.Status.ACTIVE},
}


def shop_transition(*, shop: Shop, to: str) -> Shop:
    """Move a shop along applied → active ⇄ suspended (platform admins only, in the admin)."""
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if to not in ALLOWED_STATUS.get(locked.status, set()):
            raise InvalidShopTransition()
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
    shop.status = to
    return shop


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=False)[:60] or "shop"
    slug, n = base, 1
    while Shop.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def shop_apply(
    *,
    user: User,
    name: str,
    name_en: str = "",
    kind: str,
    phone: str,
    address: str,
    district: District | None,
    lat: float | None = None,
    lng: float | None = None,
) -> Shop:
    """A merchant applies to join the platform: the shop waits for an admin; they manage it.

    The account becomes a shop-staff account. Without coordinates the shop sits at its district's
    representative point until its manager moves it.
    """
    if user.is_platform_admin:
        raise DomainError(_("Platform admins cannot apply for a shop."))
    if lat is None and district is not None:
        lat, lng = district.lat, district.lng
    shop = Shop.objects.create(
        name=name,
        name_en=name_en,
        slug=_unique_slug(name_en or name),
        kind=kind,
        phone=phone,
        address=address,
        district=district,
        lat=lat,
        lng=lng,
        status=Shop.Status.APPLIED,
    )
    Membership.objects.create(shop=shop, user=user, role=Membership.Role.MANAGER)
    if user.role != User.Role.SHOP_STAFF:
        user.role = User.Role.SHOP_STAFF
        user.save(update_fields=["role"])
    return shop


# --- settings by the manager ----------------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "name_en",
    "phone",
    "address",
    "district",
    "lat",
    "lng",
    "service_radius_km",
    "labour_rate_amount",
    "payout_account_name",
    "payout_bank",
    "payout_account_number",
)


@transaction.atomic
def shop_update_profile(*, shop: Shop, **fields) -> Shop:
    """Change the shop's contact details, place, service area, labour rate and payout account."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if "labour_rate_amount" in fields:
        fields["labour_rate_amount"] = quantize_fen(fields["labour_rate_amount"])
    for field, value in fields.items():
        setattr(shop, field, value)
    shop.save(update_fields=[*fields, "updated_at"])
    return shop


@transaction.atomic
def shop_set_capacity(*, shop: Shop, bays: int, slot_minutes: int) -> Shop:
    """Change bays and slot length; future slot rows get the new capacity (never below booked)."""
    shop.bays = bays
    shop.slot_minutes = slot_minutes
    shop.save(update_fields=["bays", "slot_minutes", "updated_at"])
    SlotCapacity.objects.filter(shop=shop, starts_at__gte=timezone.now()).update(
        capacity=Greatest(F("booked"), bays)
    )
    return shop


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


@transaction.atomic
def shop_set_hours(
    *, shop: Shop, weekly: list[tuple[time, time] | None], observes_public_holidays: bool
) -> Shop:
    """Set the opening hours of each weekday (Monday first; None = closed)."""
    if len(weekly) != 7:
        raise DomainError(_("Give the hours of all seven weekdays."))
    for hours in weekly:
        if hours is not None and hours[1] <= hours[0]:
            raise DomainError(_("Closing time must be after opening time."))
    shop.weekly_hours = [None if h is None else [_hhmm(h[0]), _hhmm(h[1])] for h in weekly]
    shop.observes_public_holidays = observes_public_holidays
    shop.save(update_fields=["weekly_hours", "observes_public_holidays", "updated_at"])
    return shop


@transaction.atomic
def closure_set(
    *,
    shop: Shop,
    day: date,
    is_open: bool,
    opens: time | None = None,
    closes: time | None = None,
    reason: str = "",
) -> ShopClosure:
    """Record (or replace) the shop's exception for one date: closed, or specially open."""
    if (opens is None) != (closes is None) or (opens and closes and closes <= opens):
        raise DomainError(_("Give both opening and closing time, closing after opening."))
    if not is_open:
        opens = closes = None
    closure, _created = ShopClosure.objects.update_or_create(
        shop=shop, date=day, defaults={"is_open": is_open, "opens": opens, "closes": closes, "reason": reason}
    )
    return closure


@transaction.atomic
def closure_delete(*, shop: Shop, closure_id: int) -> None:
    deleted, _rows = ShopClosure.objects.filter(shop=shop, id=closure_id).delete()
    if not deleted:
        raise NotFound()


# --- staff ----------------------------------------------------------------------------------


@transaction.atomic
def membership_add(*, shop: Shop, username: str, role: str) -> Membership:
    """Add a shop-staff account to the shop (or change its role there)."""
    user = User.objects.filter(username=username, role=User.Role.SHOP_STAFF).first()
    if user is None:
        raise DomainError(_("No shop-staff account has this username."), code="unknown_user")
    membership, _created = Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, shop: Shop, membership_id: int) -> None:
    """Remove a staff member; the last manager of a shop stays."""
    membership = Membership.objects.select_for_update().filter(shop=shop, id=membership_id).first()
    if membership is None:
        raise NotFound()
    if (
        membership.role == Membership.Role.MANAGER
        and Membership.objects.filter(shop=shop, role=Membership.Role.MANAGER).count() == 1
    ):
        raise Conflict(_("A shop keeps at least one manager."))
    membership.delete()


# --- capacity (decision 0004) ---------------------------------------------------------------


def _next_free(shop: Shop, starts_at: datetime) -> list[str]:
    return [slot.starts_at.isoformat() for slot in next_free_slots(shop, after=starts_at)]


def _take_place(shop: Shop, starts_at: datetime) -> SlotCapacity | None:
    """The guarded statement of decision 0004, returning the row it changed (one round trip)."""
    table = SlotCapacity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET booked = booked + 1 "  # noqa: S608 - the table name is ours
            "WHERE shop_id = %s AND starts_at = %s AND booked < capacity RETURNING id, capacity, booked",
            [shop.pk, connection.ops.adapt_datetimefield_value(starts_at)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return SlotCapacity(id=row[0], shop=shop, starts_at=starts_at, capacity=row[1], booked=row[2])


_READ = object()


def slot_check(*, shop: Shop, starts_at: datetime, closure: ShopClosure | None = _READ) -> None:  # type: ignore[assignment]
    """Raise ``SlotUnavailable`` unless ``starts_at`` is a future slot of the shop's hours that day
    (its closures and holidays included). One query, the shop's closure row for that date, unless
    the caller read it already and passes it (``None``: no exception that day)."""
    if timezone.is_naive(starts_at):
        raise SlotUnavailable()
    if not shop.is_active:
        raise SlotUnavailable(_("This shop is not taking bookings."))
    local = timezone.localtime(starts_at, local_tz())
    if closure is _READ:
        closure = ShopClosure.objects.filter(shop=shop, date=local.date()).first()
    if starts_at <= timezone.now() or local not in slot_starts_on(shop, local.date(), closure):
        raise SlotUnavailable()


def slot_full(*, shop: Shop, starts_at: datetime) -> SlotFull:
    """The 409 for a slot with no place left, carrying the next free slots."""
    return SlotFull(extra={"next_free_slots": _next_free(shop, starts_at)})


def slot_take(*, shop: Shop, starts_at: datetime, checked: bool = False) -> SlotCapacity:
    """Take one place of a shop's slot. Call inside the booking's ``transaction.atomic``.

    The slot must exist in the shop's hours and closures and lie in the future. One guarded
    statement ``UPDATE … SET booked = booked + 1 WHERE … AND booked < capacity RETURNING …`` takes
    the place; when it changes nothing, the slot's capacity row is created on first use (with this
    place taken) under the unique constraint, or the slot is full. Raises ``SlotFull`` (409, with
    the next free slots) when nothing was left.
    """
    if not checked:  # the caller ran ``slot_check`` already
        slot_check(shop=shop, starts_at=starts_at)
    row = _take_place(shop, starts_at)
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return SlotCapacity.objects.create(shop=shop, starts_at=starts_at, capacity=shop.bays, booked=1)
    except IntegrityError:  # the row exists (full, or another booking created it first)
        row = _take_place(shop, starts_at)
        if row is not None:
            return row
    raise slot_full(shop=shop, starts_at=starts_at)


def slot_release(*, shop: Shop, starts_at: datetime) -> SlotCapacity | None:
    """Give a place back (cancel, expiry): the mirror update, never below zero.

    Call in the same transaction as the booking's status change.
    """
    row = SlotCapacity.objects.filter(shop=shop, starts_at=starts_at).first()
    if row is None:
        return None
    SlotCapacity.objects.filter(id=row.id, booked__gt=0).update(booked=F("booked") - 1)
    row.refresh_from_db(fields=["booked", "capacity"])
    return row


# --- places ---------------------------------------------------------------------------------


@transaction.atomic
def district_sync(*, city_code: str = places.HANGZHOU) -> list[District]:
    """Store a city's districts from the data packages (names, representative point); idempotent."""
    stored = []
    for d in places.districts(city_code):
        district, _created = District.objects.update_or_create(
            code=d.code,
            defaults={
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "city_code": d.city_code,
                "city_zh": d.city_zh,
                "province_zh": d.province_zh,
                "lat": round(d.lat, 6),
                "lng": round(d.lng, 6),
            },
        )
        stored.append(district)
    return stored


# --- services and prices ----------------------------------------------------------------------


@transaction.atomic
def shop_set_services(*, shop: Shop, offers: dict[str, Decimal | None]) -> list[ShopService]:
    """Set which service items the shop offers ({code: fixed labour price or None}); others go."""
    items = {item.code: item for item in ServiceItem.objects.filter(code__in=list(offers))}
    unknown = sorted(set(offers) - set(items))
    if unknown:
        raise DomainError(_("Unknown service item: %(codes)s.") % {"codes": ", ".join(unknown)})
    ShopService.objects.filter(shop=shop).exclude(service_item__code__in=list(offers)).delete()
    kept = []
    for code, fixed in offers.items():
        row, _created = ShopService.objects.update_or_create(
            shop=shop,
            service_item=items[code],
            defaults={"fixed_price_amount": quantize_fen(fixed) if fixed is not None else None},
        )
        kept.append(row)
    return kept


@transaction.atomic
def part_price_set(*, shop: Shop, sku: str, unit_price_amount: Decimal) -> ShopPartPrice:
    """The shop's own price for a catalogue part, found by SKU."""
    part = Part.objects.filter(sku=sku.strip()).first()
    if part is None:
        raise DomainError(_("No catalogue part has this SKU."), code="unknown_part")
    row, _created = ShopPartPrice.objects.update_or_create(
        shop=shop, part=part, defaults={"unit_price_amount": quantize_fen(unit_price_amount)}
    )
    return row


@transaction.atomic
def part_price_delete(*, shop: Shop, override_id: int) -> None:
    deleted, _rows = ShopPartPrice.objects.filter(shop=shop, id=override_id).delete()
    if not deleted:
        raise NotFound()
