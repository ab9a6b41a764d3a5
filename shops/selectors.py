"""Reads for shops: memberships, opening hours on a day, free capacity per slot, price books."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from common.errors import NotFound
from common.money import quantize_fen
from parts.quoting import PriceBook
from shops.holidays import DayKind, day_kind
from shops.models import District, Membership, Shop, ShopClosure, ShopPartPrice, ShopService, SlotCapacity
from shops.places import haversine_km


def membership_list_for_user(user) -> QuerySet[Membership]:
    """The shops a staff member works at, with their role at each."""
    return Membership.objects.filter(user=user).select_related("shop").order_by("shop__name")


def shop_get_for_manager(*, user, shop_id: int) -> Shop:
    """A shop the user manages; anything else (another shop, a mere technician) is 404."""
    if not user.is_authenticated:
        raise NotFound()
    shop = (
        Shop.objects.filter(id=shop_id, memberships__user=user, memberships__role=Membership.Role.MANAGER)
        .select_related("district")
        .first()
    )
    if shop is None:
        raise NotFound()
    return shop


def shop_get_for_staff(*, user, shop_id: int) -> tuple[Shop, Membership]:
    """A shop the user works at, with their membership; anything else is 404."""
    if not user.is_authenticated:
        raise NotFound()
    membership = Membership.objects.filter(shop_id=shop_id, user=user).select_related("shop").first()
    if membership is None:
        raise NotFound()
    return membership.shop, membership


def shop_list_public() -> QuerySet[Shop]:
    """Shops an owner may see and book: active ones."""
    return Shop.objects.filter(status=Shop.Status.ACTIVE).select_related("district")


def shop_get_public(*, shop_id: int | None = None, slug: str | None = None) -> Shop:
    """One active shop; applied or suspended shops answer 404 like missing ones."""
    qs = shop_list_public()
    shop = qs.filter(id=shop_id).first() if shop_id is not None else qs.filter(slug=slug).first()
    if shop is None:
        raise NotFound()
    return shop


def district_list(*, city_code: str | None = None) -> QuerySet[District]:
    qs = District.objects.all()
    if city_code:
        qs = qs.filter(city_code=city_code)
    return qs.order_by("code")


# --- hours and slots -------------------------------------------------------------------------


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _regular_workday_hours(shop: Shop) -> tuple[time, time] | None:
    for weekday in range(5):
        hours = shop.hours_for_weekday(weekday)
        if hours:
            return hours
    return None


def opening_hours_on(shop: Shop, day: date, closure: ShopClosure | None) -> tuple[time, time] | None:
    """When the shop is open on ``day``, or None when it is closed.

    The shop's own exception for the date wins; then, for shops that follow the public calendar,
    statutory holidays close and swapped working days (调休) open with the regular weekday hours;
    otherwise the weekly hours of that weekday.
    """
    if closure is not None:
        if not closure.is_open:
            return None
        if closure.opens and closure.closes:
            return closure.opens, closure.closes
        return shop.hours_for_weekday(day.weekday()) or _regular_workday_hours(shop)
    if shop.observes_public_holidays:
        kind = day_kind(day)
        if kind is DayKind.PUBLIC_HOLIDAY:
            return None
        if kind is DayKind.SWAPPED_WORKDAY:
            return shop.hours_for_weekday(day.weekday()) or _regular_workday_hours(shop)
    return shop.hours_for_weekday(day.weekday())


@dataclass(frozen=True)
class Slot:
    """One bookable slot of a shop, with its capacity and the places already taken."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def slot_starts_on(shop: Shop, day: date, closure: ShopClosure | None) -> list[datetime]:
    """Slot start times of a shop on a day: every ``slot_minutes`` from opening until the last
    slot that ends by closing time (aware, in the platform's time zone)."""
    hours = opening_hours_on(shop, day, closure)
    if hours is None:
        return []
    tz = local_tz()
    opens = datetime.combine(day, hours[0], tzinfo=tz)
    closes = datetime.combine(day, hours[1], tzinfo=tz)
    step = timedelta(minutes=shop.slot_minutes)
    starts = []
    current = opens
    while current + step <= closes:
        starts.append(current)
        current += step
    return starts


def closures_on(shops: Sequence[Shop], day: date) -> dict[int, ShopClosure]:
    """The shops' own exceptions for one date, in one query."""
    rows = ShopClosure.objects.filter(shop_id__in=[s.id for s in shops], date=day)
    return {row.shop_id: row for row in rows}


def slots_for_shops(
    shops: Sequence[Shop],
    day: date,
    *,
    closures: dict[int, ShopClosure] | None = None,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """THE free-capacity function: every future slot of each shop on ``day`` with its places.

    Set-based: one query for the day's closures (skipped when the caller passes them) and one
    for the day's ``SlotCapacity`` rows of all the shops, whatever their number. A slot without a
    row has the shop's bays free. Booking (``slot_take``), the slots API, the shop page and
    matching all read capacity through here.
    """
    if not shops:
        return {}
    now = now or timezone.now()
    if closures is None:
        closures = closures_on(shops, day)
    tz = local_tz()
    day_start = datetime.combine(day, time.min, tzinfo=tz)
    rows = SlotCapacity.objects.filter(
        shop_id__in=[s.id for s in shops],
        starts_at__gte=day_start,
        starts_at__lt=day_start + timedelta(days=1),
    ).values_list("shop_id", "starts_at", "capacity", "booked")
    taken = {(shop_id, starts_at): (capacity, booked) for shop_id, starts_at, capacity, booked in rows}
    result: dict[int, list[Slot]] = {}
    for shop in shops:
        step = timedelta(minutes=shop.slot_minutes)
        slots = []
        for starts_at in slot_starts_on(shop, day, closures.get(shop.id)):
            if starts_at <= now:
                continue
            capacity, booked = taken.get((shop.id, starts_at), (shop.bays, 0))
            slots.append(
                Slot(starts_at=starts_at, ends_at=starts_at + step, capacity=capacity, booked=booked)
            )
        result[shop.id] = slots
    return result


def free_slots_for_shop(shop: Shop, day: date, *, now: datetime | None = None) -> list[Slot]:
    """The slots of one shop on one day that still have a free place."""
    return [slot for slot in slots_for_shops([shop], day, now=now)[shop.id] if slot.free > 0]


def next_free_slots(shop: Shop, *, after: datetime, days: int = 7, limit: int = 3) -> list[Slot]:
    """The first free slots of a shop after a moment, looking ahead ``days`` days."""
    found: list[Slot] = []
    day = timezone.localtime(after, local_tz()).date()
    for offset in range(days):
        for slot in slots_for_shops([shop], day + timedelta(days=offset), now=after)[shop.id]:
            if slot.free > 0:
                found.append(slot)
                if len(found) >= limit:
                    return found
    return found


def week_hours_display(shop: Shop) -> Iterable[tuple[int, tuple[time, time] | None]]:
    """(weekday, hours or None) for Monday to Sunday."""
    return [(weekday, shop.hours_for_weekday(weekday)) for weekday in range(7)]


# --- distance ---------------------------------------------------------------------------------

KM_PER_DEGREE_LAT = 111.195  # great circle on a sphere of radius 6371.0088 km


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) enclosing a circle of ``radius_km`` (GCJ-02 degrees)."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(lat)), 0.01)
    dlng = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def shop_queryset_near(
    *, lat: float, lng: float, radius_km: float, day: date | None = None
) -> QuerySet[Shop]:
    """Active shops in the bounding box of a circle, nearest first (approximately); slice it.

    The box is a range on the indexed (lat, lng) of active shops (partial index
    ``shops_shop_active_latlng``), so the database never scans the whole network; the exact
    great-circle distance and each shop's service radius are checked by the caller on the few rows
    returned. With ``day``, each shop carries its own exception for that date (``day_closure_*``
    annotations, read by :func:`closures_from_annotations`) in the same query.
    """
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_km)
    cos_lat = math.cos(math.radians(lat))
    approx = (F("lat") - Value(lat)) * (F("lat") - Value(lat)) + (F("lng") - Value(lng)) * (
        F("lng") - Value(lng)
    ) * Value(cos_lat * cos_lat)
    qs = Shop.objects.filter(
        status=Shop.Status.ACTIVE, lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng
    ).annotate(approx_d2=ExpressionWrapper(approx, output_field=FloatField()))
    if day is not None:
        qs = qs.annotate(
            day_closure=FilteredRelation("closures", condition=Q(closures__date=day)),
            day_closure_id=F("day_closure__id"),
            day_closure_is_open=F("day_closure__is_open"),
            day_closure_opens=F("day_closure__opens"),
            day_closure_closes=F("day_closure__closes"),
        )
    return qs.select_related("district").order_by("approx_d2", "id")


def closures_from_annotations(shops: Sequence[Shop], day: date) -> dict[int, ShopClosure]:
    """The day's closures carried by shops from :func:`shop_queryset_near` (no query)."""
    found = {}
    for shop in shops:
        if getattr(shop, "day_closure_id", None) is not None:
            found[shop.id] = ShopClosure(
                id=shop.day_closure_id,
                shop_id=shop.id,
                date=day,
                is_open=shop.day_closure_is_open,
                opens=shop.day_closure_opens,
                closes=shop.day_closure_closes,
            )
    return found


def shop_list_near(
    *, lat: float, lng: float, radius_km: float, day: date | None = None, limit: int = 200
) -> list[tuple[Shop, float]]:
    """(shop, distance km) of active shops within ``radius_km`` and their own service radius."""
    result = []
    for shop in shop_queryset_near(lat=lat, lng=lng, radius_km=radius_km, day=day)[:limit]:
        distance = haversine_km(lat, lng, shop.lat, shop.lng)
        if distance <= radius_km and distance <= shop.service_radius_km:
            result.append((shop, distance))
    result.sort(key=lambda pair: pair[1])
    return result


# --- price books ------------------------------------------------------------------------------


def shop_pricebooks(shops: Sequence[Shop]) -> dict[int, PriceBook]:
    """Price books of many shops in two queries: offered services with fixed prices, part prices."""
    ids = [shop.id for shop in shops]
    fixed: dict[int, dict[str, Decimal]] = {shop_id: {} for shop_id in ids}
    for shop_id, code, amount in ShopService.objects.filter(
        shop_id__in=ids, fixed_price_amount__isnull=False
    ).values_list("shop_id", "service_item__code", "fixed_price_amount"):
        fixed[shop_id][code] = amount
    parts: dict[int, dict[int, Decimal]] = {shop_id: {} for shop_id in ids}
    for shop_id, part_id, amount in ShopPartPrice.objects.filter(shop_id__in=ids).values_list(
        "shop_id", "part_id", "unit_price_amount"
    ):
        parts[shop_id][part_id] = amount
    return {
        shop.id: PriceBook(
            labour_rate=shop.labour_rate_amount, part_prices=parts[shop.id], fixed_prices=fixed[shop.id]
        )
        for shop in shops
    }


def shop_queryset_offering(
    qs: QuerySet[Shop], *, codes: Sequence[str], part_ids: Sequence[int]
) -> QuerySet[Shop]:
    """Shops that offer every one of ``codes``, carrying their price book for this job.

    Adds no query: each wanted item is an ``EXISTS`` on the (shop, service item) unique index and
    each fixed price or part price a correlated subquery, evaluated only on the rows the outer
    query keeps (the bounding box of a search). Read back with :func:`pricebook_from_annotations`.
    """
    offers = [ShopService.objects.filter(shop=OuterRef("pk"), service_item__code=code) for code in codes]
    annotations = {
        f"fixed_price_{index}": Subquery(offered.values("fixed_price_amount")[:1])
        for index, offered in enumerate(offers)
    }
    for index, part_id in enumerate(part_ids):
        price = ShopPartPrice.objects.filter(shop=OuterRef("pk"), part_id=part_id)
        annotations[f"part_price_{index}"] = Subquery(price.values("unit_price_amount")[:1])
    # One filter() and one annotate(): each call clones the query, which costs more than the SQL.
    return qs.filter(*[Exists(offered) for offered in offers]).annotate(**annotations)


def pricebook_from_annotations(shop: Shop, *, codes: Sequence[str], part_ids: Sequence[int]) -> PriceBook:
    """The price book carried by a shop from :func:`shop_queryset_offering` (no query)."""
    fixed = {}
    for index, code in enumerate(codes):
        amount = getattr(shop, f"fixed_price_{index}")
        if amount is not None:
            fixed[code] = amount
    part_prices = {}
    for index, part_id in enumerate(part_ids):
        amount = getattr(shop, f"part_price_{index}")
        if amount is not None:
            part_prices[part_id] = amount
    return PriceBook(labour_rate=shop.labour_rate_amount, part_prices=part_prices, fixed_prices=fixed)


def shop_services_for_profile(shop: Shop) -> list[dict]:
    """The service items a shop offers with the labour price it charges for each (one query)."""
    rows = ShopService.objects.filter(shop=shop).select_related("service_item").order_by("service_item__sort")
    services = []
    for row in rows:
        item = row.service_item
        fixed = row.fixed_price_amount
        labour = fixed if fixed is not None else quantize_fen(item.labour_hours * shop.labour_rate_amount)
        services.append(
            {
                "code": item.code,
                "name_en": item.name_en,
                "name_zh": item.name_zh,
                "labour_hours": item.labour_hours,
                "labour_amount": quantize_fen(labour),
                "is_fixed": fixed is not None,
            }
        )
    return services


def district_point(code: str) -> tuple[float, float] | None:
    """A district's representative point (GCJ-02), cached: districts are static reference data."""
    key = f"shops:district-point:{code}"
    point = cache.get(key)
    if point is None:
        row = District.objects.filter(code=code).values_list("lat", "lng").first()
        if row is None:
            return None
        point = (row[0], row[1])
        cache.set(key, point, 60 * 60 * 24)
    return point
