"""Reads for shops: memberships, opening hours on a day, free capacity per slot, price books."""

import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    QuerySet,
)
from django.utils import timezone

from common.errors import NotFound
from common.money import quantize_fen
from common.sql import in_list
from parts.models import ServiceItem
from parts.quoting import CHANGES_SEQUENCE, PriceBook
from shops.holidays import DayKind, day_kind
from shops.models import (
    COORDINATE_SYSTEM,
    District,
    Membership,
    Shop,
    ShopClosure,
    ShopPartPrice,
    ShopService,
    SlotCapacity,
)


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


@lru_cache(maxsize=1)
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


class Slot(NamedTuple):
    """One bookable slot of a shop, with its capacity and the places already taken (immutable)."""

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
    grid = _slot_grid_for(shop, day, closure)
    return [starts_at for starts_at, _ends_at in grid] if grid else []


def _slot_grid_for(
    shop: Shop, day: date, closure: ShopClosure | None
) -> tuple[tuple[datetime, datetime], ...]:
    hours = opening_hours_on(shop, day, closure)
    if hours is None:
        return ()
    return _slot_grid(day, hours[0], hours[1], shop.slot_minutes)


@lru_cache(maxsize=4096)
def _slot_grid(day: date, opens: time, closes: time, minutes: int) -> tuple[tuple[datetime, datetime], ...]:
    """(start, end) of each slot for one day's hours; shared by every shop with the same hours and
    slot length, so a match over many shops builds each grid once."""
    tz = local_tz()
    current = datetime.combine(day, opens, tzinfo=tz)
    end = datetime.combine(day, closes, tzinfo=tz)
    step = timedelta(minutes=minutes)
    grid = []
    while current + step <= end:
        grid.append((current, current + step))
        current += step
    return tuple(grid)


def closures_on(shops: Sequence[Shop], day: date) -> dict[int, ShopClosure]:
    """The shops' own exceptions for one date, in one query."""
    rows = ShopClosure.objects.filter(shop_id__in=[s.id for s in shops], date=day)
    return {row.shop_id: row for row in rows}


class DaySlots:
    """The slots of many shops on one day and their booked places, read in ONE query.

    Counting a shop's free slots needs no per-slot object (``free_count``), so matching can rank
    a hundred shops and build slot lists (``all``, ``free``) only for the page it returns. Grids
    come from the shared ``_slot_grid`` cache; a slot without a ``SlotCapacity`` row has the
    shop's bays free.
    """

    def __init__(
        self,
        shops: Sequence[Shop],
        day: date,
        *,
        closures: dict[int, ShopClosure] | None = None,
        booked: dict[int, dict[datetime, tuple[int, int]]] | None = None,
        now: datetime | None = None,
    ):
        """``closures`` and ``booked`` (shop id → slot start → (capacity, booked)) when the caller
        read them already (:func:`shop_candidates` does); otherwise one query each."""
        self.day = day
        self.now = now or timezone.now()
        self.closures = closures if closures is not None else closures_on(shops, day) if shops else {}
        # per grid (by identity; the grid is kept so that its id stays its own): the index of its
        # first slot after `now`, and slot start → index
        self._first_future: dict[int, tuple[tuple, int]] = {}
        self._by_shop: dict[int, tuple[tuple, int]] = {}  # shop id -> (its grid, first future index)
        self._positions: dict[int, dict[datetime, int]] = {}
        self._empty: dict[tuple[int, int], tuple[Slot, ...]] = {}  # (id(grid), bays) -> slots
        self._first: dict[tuple[int, int, int], tuple[Slot, ...]] = {}  # (id(grid), bays, n) -> slots
        taken: dict[int, dict[datetime, tuple[int, int]]] = booked if booked is not None else {}
        if shops and booked is None:
            day_start = datetime.combine(day, time.min, tzinfo=local_tz())
            rows = SlotCapacity.objects.filter(
                shop_id__in=[s.id for s in shops],
                starts_at__gte=day_start,
                starts_at__lt=day_start + timedelta(days=1),
            ).values_list("shop_id", "starts_at", "capacity", "booked")
            for shop_id, starts_at, capacity, booked in rows:
                taken.setdefault(shop_id, {})[starts_at] = (capacity, booked)
        self._taken = taken

    def _future_grid(self, shop: Shop) -> tuple[tuple[tuple[datetime, datetime], ...], int]:
        known = self._by_shop.get(shop.id)
        if known is not None:
            return known
        grid = _slot_grid_for(shop, self.day, self.closures.get(shop.id))
        known = self._first_future.get(id(grid))
        if known is None:
            now = self.now
            start = next((index for index, (starts_at, _e) in enumerate(grid) if starts_at > now), len(grid))
            known = self._first_future[id(grid)] = (grid, start)
        self._by_shop[shop.id] = known  # free_count, then free or all: the day's hours read once
        return known

    def _unbooked(self, grid: tuple, start: int, bays: int) -> tuple[Slot, ...]:
        """The slots of a grid with nothing booked: shared by the shops with that grid and bays."""
        key = (id(grid), bays)
        found = self._empty.get(key)
        if found is None:
            found = self._empty[key] = tuple(
                Slot(starts_at, ends_at, bays, 0) for starts_at, ends_at in grid[start:]
            )
        return found

    def all(self, shop: Shop) -> list[Slot]:
        """Every slot of the shop that day still ahead of ``now``, with its capacity and places."""
        grid, start = self._future_grid(shop)
        booked_here = self._taken.get(shop.id)
        bays = shop.bays
        if not booked_here:
            return list(self._unbooked(grid, start, bays))
        slots = []
        for starts_at, ends_at in grid[start:]:
            capacity, booked = booked_here.get(starts_at, (bays, 0))
            slots.append(Slot(starts_at, ends_at, capacity, booked))
        return slots

    def free(self, shop: Shop) -> tuple[Slot, ...]:
        """The shop's slots ahead of ``now`` that still have a free place."""
        if not self._taken.get(shop.id) and shop.bays > 0:
            return self._unbooked(*self._future_grid(shop), shop.bays)
        return tuple(slot for slot in self.all(shop) if slot.free > 0)

    def first_free(self, shop: Shop, n: int) -> tuple[Slot, ...]:
        """The first ``n`` slots that ``free`` would answer, building no others."""
        booked_here = self._taken.get(shop.id)
        bays = shop.bays
        grid, start = self._future_grid(shop)
        if not booked_here and bays > 0:  # shared by the shops with that grid and bays, as in `free`
            key = (id(grid), bays, n)
            found = self._first.get(key)
            if found is None:
                whole = self._empty.get(key[:2])
                found = self._first[key] = (
                    whole[:n]
                    if whole is not None
                    else tuple(
                        Slot(starts_at, ends_at, bays, 0) for starts_at, ends_at in grid[start : start + n]
                    )
                )
            return found
        found = []
        for starts_at, ends_at in grid[start:]:
            capacity, booked = booked_here.get(starts_at, (bays, 0)) if booked_here else (bays, 0)
            if capacity > booked:
                found.append(Slot(starts_at, ends_at, capacity, booked))
                if len(found) == n:
                    break
        return tuple(found)

    def free_count(self, shop: Shop) -> int:
        """How many slots ``free`` would answer, without building them."""
        grid, start = self._future_grid(shop)
        has_bays = shop.bays > 0
        count = len(grid) - start if has_bays else 0
        booked_here = self._taken.get(shop.id)
        if booked_here:
            positions = self._positions.get(id(grid))
            if positions is None:
                positions = self._positions[id(grid)] = {s: i for i, (s, _e) in enumerate(grid)}
            for starts_at, (capacity, booked) in booked_here.items():
                index = positions.get(starts_at)
                if index is not None and index >= start:
                    count += (capacity > booked) - has_bays
        return count


def slots_for_shops(
    shops: Sequence[Shop],
    day: date,
    *,
    closures: dict[int, ShopClosure] | None = None,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """THE free-capacity function: every future slot of each shop on ``day`` with its places.

    Set-based: one query for the day's closures (skipped when the caller passes them) and one
    for the day's ``SlotCapacity`` rows of all the shops, whatever their number (``DaySlots``). A
    slot without a row has the shop's bays free. Booking (``slot_take``), the slots API, the shop
    page and matching all read capacity through here or ``DaySlots``.
    """
    if not shops:
        return {}
    day_slots = DaySlots(shops, day, closures=closures, now=now)
    return {shop.id: day_slots.all(shop) for shop in shops}


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


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))  # SQLite hands numbers back as int or float


def _time(value) -> time | None:
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


class ShopCandidate:
    """A shop from :func:`shop_candidates`, with what a match needs of it for one day and job.

    Matching ranks up to a hundred candidates on a few numbers and returns a page of them, so a
    candidate carries those numbers and its hours as plain attributes (``opening_hours_on`` and
    :class:`DaySlots` take it like a ``Shop``) and builds its ``Shop`` model instance, with the
    district, only when asked (``.shop``): for the shops a match returns.
    """

    __slots__ = (
        *("id", "lat", "lng", "service_radius_km", "bays", "slot_minutes", "weekly_hours"),
        *("observes_public_holidays", "rating", "dispatch_priority", "labour_rate_amount"),
        *("closure", "pricebook", "booked", "_values", "_district", "_districts", "_shop"),
    )

    hours_for_weekday = Shop.hours_for_weekday  # reads only ``weekly_hours``

    closure: ShopClosure | None  # its own exception for the day
    pricebook: PriceBook  # its labour rate and, for this job only, fixed labour and part prices
    booked: dict[datetime, tuple[int, int]]  # the day's SlotCapacity rows: start → (capacity, booked)

    def display(self) -> tuple[dict, str | None]:
        """What a quote's body shows of the shop (``bookings.api.views``), straight from the row:
        the same values as its ``Shop`` would give, without building one. Also its rating as text."""
        values = self._values
        converted = _display_converters(connection.vendor)
        if converted:  # the backend hands some back raw (SQLite: decimals)
            values = list(values)
            for index, column, funcs in converted:
                for func in funcs:
                    values[index] = func(values[index], column, connection)
        (id_, slug, name, name_en, kind, phone, address, lat, lng, priority, rating) = _display_values(values)
        district = self._district
        body = {
            "id": id_,
            "slug": slug,
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "phone": phone,
            "address": address,
            "district": {
                "code": district[0],
                "name_zh": district[1],
                "name_en": district[2],
                "city_zh": district[4],
            }
            if district[0] is not None
            else None,
            "location": {"lat": lat, "lng": lng, "system": COORDINATE_SYSTEM},
            "dispatch_priority": priority,
        }
        return body, (str(rating) if rating is not None else None)

    @property
    def shop(self) -> Shop:
        """The ``Shop`` (only the columns a match reads; the rest deferred), with its district."""
        shop = self._shop
        if shop is None:
            values = list(self._values)
            for index, column, funcs in _shop_converters(connection.vendor):
                for func in funcs:
                    values[index] = func(values[index], column, connection)
            shop = self._shop = Shop.from_db(connection.alias, CANDIDATE_SHOP_FIELDS, values)
            district = self._district
            if district[0] is None:
                shop.district = None
            else:  # shops of one district share its (read-only) row
                found = self._districts.get(district[0])
                if found is None:
                    found = self._districts[district[0]] = District(
                        **dict(zip(_DISTRICT_COLUMNS, district, strict=True))
                    )
                shop.district = found
        return shop


@lru_cache(maxsize=256)
def _weekly_hours(text: str):
    """The weekly hours of a candidate, parsed once per distinct value (shops share a few)."""
    return json.loads(text)


def _agg(expression: str) -> str:
    """Comma-joined values of a subquery's rows (NULL when none), on PostgreSQL and SQLite."""
    if connection.vendor == "postgresql":
        return f"string_agg({expression}, ',')"
    return f"group_concat({expression}, ',')"


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


#: The shop's columns a match reads and shows; the rest (agreement, payout account, timestamps) stay
#: deferred on the candidates (Django loads a deferred field on first access).
CANDIDATE_SHOP_FIELDS = frozenset(
    {
        "id",
        "name",
        "name_en",
        "slug",
        "status",
        "kind",
        "brand_focus",
        "phone",
        "address",
        "district_id",
        "lat",
        "lng",
        "service_radius_km",
        "bays",
        "slot_minutes",
        "weekly_hours",
        "observes_public_holidays",
        "labour_rate_amount",
        "rating",
        "dispatch_priority",
    }
)


@lru_cache(maxsize=1)
def _candidate_fields() -> tuple:
    """The candidate columns in the model's order (``Model.from_db`` takes them so)."""
    return tuple(f for f in Shop._meta.concrete_fields if f.attname in CANDIDATE_SHOP_FIELDS)


_DISTRICT_COLUMNS = ("code", "name_zh", "name_en", "city_code", "city_zh", "province_zh", "lat", "lng")
_CLOSURE_COLUMNS = ("id", "is_open", "opens", "closes")


def shop_candidates_sql(
    *,
    lat: float,
    lng: float,
    radius_km: float,
    day: date,
    codes: Sequence[str] = (),
    part_ids: Sequence[int] = (),
    limit: int = 100,
) -> tuple[str, list]:
    """The one SQL statement behind :func:`shop_candidates` (the bench EXPLAINs it): its text
    (built once per database and list lengths, :func:`_candidates_text`) and its parameters."""
    summary = connection.vendor == "postgresql"  # the shop row's offer summary (shops 0004)
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_km)
    approx_params = [lat, lat, lng, lng, math.cos(math.radians(lat)) ** 2]
    codes = list(codes)
    # one array parameter on PostgreSQL: the text is the same for every job, so it is prepared
    code_params = in_list(connection, codes, "text")[1]
    part_params = in_list(connection, part_ids, "bigint")[1]
    day_start = datetime.combine(day, time.min, tzinfo=local_tz())
    adapt = connection.ops.adapt_datetimefield_value
    sql = _candidates_text(connection.vendor, len(codes), len(part_params))
    params = [
        # the columns: approx_d2, (fixed prices), part prices, booked places
        *approx_params,
        *([] if summary else code_params),
        *part_params,
        adapt(day_start),
        adapt(day_start + timedelta(days=1)),
        # the join: the closure of the day
        connection.ops.adapt_datefield_value(day),
        # the conditions
        min_lat,
        max_lat,
        min_lng,
        max_lng,
        *approx_params,
        1.02 / KM_PER_DEGREE_LAT**2,
        # the offer: the summary holds every code, or the shop's rows count them
        *(code_params if summary else [*code_params, len(set(codes))]),
        limit,
    ]
    return sql, params


@lru_cache(maxsize=64)
def _candidates_text(vendor: str, n_codes: int, n_parts: int) -> str:
    """The candidate statement's text: one per database (and, outside PostgreSQL, list lengths)."""
    qn = connection.ops.quote_name
    shop_table, district_table = qn(Shop._meta.db_table), qn(District._meta.db_table)
    closure_table, service_table = qn(ShopClosure._meta.db_table), qn(ShopService._meta.db_table)
    price_table, item_table = qn(ShopPartPrice._meta.db_table), qn(ServiceItem._meta.db_table)
    capacity_table = qn(SlotCapacity._meta.db_table)
    approx = "((s.lat - %s) * (s.lat - %s) + (s.lng - %s) * (s.lng - %s) * %s)"
    in_codes = in_list(connection, range(n_codes), "text")[0]
    in_parts = in_list(connection, range(n_parts), "bigint")[0]
    fixed_agg = _agg("si.code || '=' || ss.fixed_price_amount")
    price_agg = _agg("pp.part_id || '=' || pp.unit_price_amount")
    booked_agg = _agg(_epoch("sc.starts_at") + " || '=' || sc.capacity || '=' || sc.booked")

    # The job's items: the shop must offer every one, and its fixed labour prices for them
    # ("code=amount,…"). On PostgreSQL both come from the shop row's summary of its offer, which
    # triggers keep (shops migration 0004): ``offered_codes @> codes`` and ``fixed_prices`` (every
    # fixed price of the shop: the caller keeps the job's). Elsewhere two correlated subqueries read
    # the shop's rows (one row per shop and item: the unique index).
    offer = (
        f"FROM {service_table} ss INNER JOIN {item_table} si ON si.id = ss.service_item_id "  # noqa: S608
        f"WHERE ss.shop_id = s.id AND si.code {in_codes}"
    )
    summary = vendor == "postgresql"
    # most shops have no part price of their own: the shop row's summary says so on PostgreSQL,
    # elsewhere one probe of its index entries, before one probe per part
    has_prices = (
        "s.has_part_prices" if summary else f"EXISTS (SELECT 1 FROM {price_table} pe WHERE pe.shop_id = s.id)"  # noqa: S608
    )
    own_prices = (
        f"(SELECT {price_agg} FROM {price_table} pp WHERE pp.shop_id = s.id AND pp.part_id {in_parts})"  # noqa: S608
    )
    columns = [f"s.{qn(field.column)}" for field in _candidate_fields()]
    columns += [f"d.{qn(name)}" for name in _DISTRICT_COLUMNS]
    columns += [f"c.{qn(name)}" for name in _CLOSURE_COLUMNS]
    columns += [
        f"{approx} AS approx_d2",
        # the shop's fixed labour prices for the job's items: "code=amount,…"
        "s.fixed_prices"
        if summary
        else f"(SELECT {fixed_agg} {offer} AND ss.fixed_price_amount IS NOT NULL)",
        # its own prices of the job's parts: "part_id=amount,…"
        f"CASE WHEN {has_prices} THEN {own_prices} END",
        # the day's booked places: "epoch=capacity=booked,…"
        f"(SELECT {booked_agg} FROM {capacity_table} sc "  # noqa: S608
        "WHERE sc.shop_id = s.id AND sc.starts_at >= %s AND sc.starts_at < %s)",
    ]
    if summary:  # where the catalogue's change sequence stands (parts.quoting.CHANGES_SEQUENCE)
        columns.append(f"(SELECT last_value FROM {CHANGES_SEQUENCE})")  # noqa: S608 - a constant
    joins = [
        f"LEFT OUTER JOIN {district_table} d ON d.code = s.district_id",
        f"LEFT OUTER JOIN {closure_table} c ON c.shop_id = s.id AND c.date = %s",
    ]
    where = [
        # a literal, not a parameter: a prepared (generic) plan can then use the partial index
        f"s.status = '{Shop.Status.ACTIVE.value}'",
        "s.lat >= %s",
        "s.lat <= %s",
        "s.lng >= %s",
        "s.lng <= %s",
        # the shop's own service area reaches the point (equirectangular, 2% slack; the caller
        # checks the exact great-circle distance on the few rows left)
        f"{approx} <= s.service_radius_km * s.service_radius_km * %s",
        # it offers every item of the job
        "s.offered_codes @> %s::text[]" if summary else f"(SELECT COUNT(*) {offer}) = %s",
    ]
    return (
        f"SELECT {', '.join(columns)} FROM {shop_table} s {' '.join(joins)} "  # noqa: S608 - names from _meta; values are params
        f"WHERE {' AND '.join(where)} ORDER BY approx_d2, s.id LIMIT %s"
    )


@lru_cache(maxsize=8)
def _shop_converters(vendor: str) -> tuple[tuple[int, tuple], ...]:
    """(column index, converters) of the candidate columns that the backend hands back raw (JSON, …)."""
    found = []
    for index, field in enumerate(_candidate_fields()):
        column = field.get_col(Shop._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, tuple(converters)))
    return tuple(found)


#: The columns a quote's body shows of a shop, in the order ``ShopCandidate.display`` takes them.
_DISPLAY_COLUMNS = (
    *("id", "slug", "name", "name_en", "kind", "phone", "address", "lat", "lng"),
    *("dispatch_priority", "rating"),
)


@lru_cache(maxsize=1)
def _display_positions() -> tuple[int, ...]:
    names = [field.attname for field in _candidate_fields()]
    return tuple(names.index(name) for name in _DISPLAY_COLUMNS)


@lru_cache(maxsize=1)
def _display_getter() -> itemgetter:
    return itemgetter(*_display_positions())


def _display_values(values) -> tuple:
    return _display_getter()(values)


@lru_cache(maxsize=8)
def _display_converters(vendor: str) -> tuple:
    """The converters ``.shop`` would run on the displayed columns (none on PostgreSQL)."""
    shown = set(_display_positions())
    return tuple(entry for entry in _shop_converters(vendor) if entry[0] in shown)


def _pairs(text: str | None) -> list[list[str]]:
    return [item.split("=") for item in text.split(",")] if text else []


class Candidates(list):
    """:func:`shop_candidates`'s list, with where the catalogue's change sequence stood when the
    statement ran (PostgreSQL, when a row came back; else None)."""

    catalogue_changes: int | None = None


def shop_candidates(
    *,
    lat: float,
    lng: float,
    radius_km: float,
    day: date,
    codes: Sequence[str] = (),
    part_ids: Sequence[int] = (),
    limit: int = 100,
) -> Candidates:
    """Active shops near a point that offer every one of ``codes``, nearest first: ONE query.

    The point's bounding box is a range on the indexed (lat, lng) of active shops (partial index
    ``shops_shop_active_latlng``), so the database never scans the whole network; it also drops
    shops whose own service radius does not reach the point. Each shop arrives with its district,
    its own exception for ``day``, its price book for this job (fixed labour prices of ``codes``,
    its own prices of ``part_ids``) and the day's booked places (for :class:`DaySlots`): one
    aggregate subquery each, on the unique indexes, evaluated only for the rows returned.

    Hand-written SQL because building the equivalent queryset costs more than running it.
    """
    sql, params = shop_candidates_sql(
        lat=lat, lng=lng, radius_km=radius_km, day=day, codes=codes, part_ids=part_ids, limit=limit
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n_shop = len(_candidate_fields())
    n_district = n_shop + len(_DISTRICT_COLUMNS)
    n_closure = n_district + len(_CLOSURE_COLUMNS)
    numbers = itemgetter(*_candidate_positions())
    districts: dict[str, District] = {}
    wanted = set(codes)
    found = Candidates()
    for row in rows:
        candidate = ShopCandidate()
        (
            candidate.id,
            candidate.lat,
            candidate.lng,
            candidate.service_radius_km,
            candidate.bays,
            candidate.slot_minutes,
            weekly_hours,
            candidate.observes_public_holidays,
            rating,
            candidate.dispatch_priority,
            labour_rate,
        ) = numbers(row)
        if isinstance(weekly_hours, str):  # JSON text (the field's converter would parse it)
            weekly_hours = _weekly_hours(weekly_hours)
        candidate.weekly_hours = weekly_hours
        candidate.observes_public_holidays = bool(candidate.observes_public_holidays)
        candidate.rating = _decimal(rating)
        candidate.labour_rate_amount = labour_rate = _decimal(labour_rate)
        candidate._values = row[:n_shop]
        candidate._district = row[n_shop:n_district]
        candidate._districts = districts
        candidate._shop = None
        closure_id, is_open, opens, closes = row[n_district:n_closure]
        candidate.closure = (
            ShopClosure(
                id=closure_id,
                shop_id=candidate.id,
                date=day,
                is_open=bool(is_open),
                opens=_time(opens),
                closes=_time(closes),
            )
            if closure_id is not None
            else None
        )
        _approx, fixed, prices, booked = row[n_closure : n_closure + 4]
        if len(row) > n_closure + 4:
            found.catalogue_changes = row[n_closure + 4]
        candidate.pricebook = PriceBook(
            labour_rate=labour_rate,
            part_prices={int(part_id): Decimal(amount) for part_id, amount in _pairs(prices)}
            if prices
            else {},
            # the shop's fixed prices of the job's items (PostgreSQL's summary holds all of them)
            fixed_prices={code: Decimal(amount) for code, amount in _pairs(fixed) if code in wanted}
            if fixed
            else {},
        )
        candidate.booked = (
            {
                datetime.fromtimestamp(int(epoch), UTC): (int(capacity), int(places))
                for epoch, capacity, places in _pairs(booked)
            }
            if booked
            else {}
        )
        found.append(candidate)
    return found


#: The attributes a candidate carries before (and without) its ``Shop``, in this order.
_CANDIDATE_NUMBERS = (
    "id",
    "lat",
    "lng",
    "service_radius_km",
    "bays",
    "slot_minutes",
    "weekly_hours",
    "observes_public_holidays",
    "rating",
    "dispatch_priority",
    "labour_rate_amount",
)


@lru_cache(maxsize=1)
def _candidate_positions() -> tuple[int, ...]:
    """Where each of ``_CANDIDATE_NUMBERS`` is in a candidate row."""
    names = [field.attname for field in _candidate_fields()]
    return tuple(names.index(name) for name in _CANDIDATE_NUMBERS)


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
