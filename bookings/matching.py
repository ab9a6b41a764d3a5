"""Matching (撮合): a car, a job and a place → the shops nearby that do it, priced, with free times.

A selector-like module: reads only. The job is resolved ONCE for the exact variant by the quote
engine (``parts.quoting.resolve_cached``: cached until the catalogue changes), then priced per
candidate shop with that shop's price book, which arrives with the shop row itself. The SQL cost
of a match is constant, whatever the number of shops: the quote engine's queries (none on a cache
hit), one query for the candidate shops (a bounding box on the indexed coordinates of active shops,
with each shop's offer, prices and closure for the day) and one for the day's slot capacity
(``shops.selectors.DaySlots``).

The lean path (decision 0007): up to ``MAX_CANDIDATES`` shops are ranked on their totals alone
(``parts.quoting.Tariff``: the same sums as ``Resolution.price``, without lines) and their count of
free slots; the full quote with its lines and the slot list are built only for the shops returned
(the page, and the dispatch pick).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from parts.models import Package, Variant
from parts.quoting import (
    PriceBook,
    Quote,
    Resolution,
    Tariff,
    Totals,
    catalogue_changes_read,
    catalogue_version,
    catalogue_version_known,
    catalogue_version_seen,
    resolve_cached,
)
from shops.models import Shop
from shops.places import bd09_to_gcj02, haversine_km, wgs84_to_gcj02
from shops.selectors import DaySlots, ShopCandidate, Slot, opening_hours_on, shop_candidates

SORTS = ("best", "distance", "price", "rating")
COORDINATE_SYSTEMS = ("gcj02", "wgs84", "bd09")
#: The most shops a match prices; the nearest in the bounding box win.
MAX_CANDIDATES = 100
#: How much price, distance and rating weigh in the "best" score.
WEIGHTS = {"price": Decimal("0.45"), "distance": Decimal("0.35"), "rating": Decimal("0.20")}
NEUTRAL_RATING = Decimal("3.5")  # for shops without reviews yet


class InvalidLocation(DomainError):
    default_message = _("The location is not a valid point.")
    code = "invalid_location"


def to_gcj02(lat: float, lng: float, system: str) -> tuple[float, float]:
    """Convert a client's point to the stored system (GCJ-02) at the edge."""
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidLocation()
    if system == "wgs84":
        return wgs84_to_gcj02(lat, lng)
    if system == "bd09":
        return bd09_to_gcj02(lat, lng)
    if system != "gcj02":
        raise InvalidLocation(_("Unknown coordinate system."))
    return lat, lng


class ShopMatch:
    """A shop a match returns: its quote, distance and score, and (built when first read) its
    ``Shop`` and its free slots that day. The quote API reads the shop's displayed values from
    the candidate row (``candidate.display()``) and the slots' count and first three only, so it
    builds neither a ``Shop`` nor the day's list of slots."""

    __slots__ = ("candidate", "distance_km", "quote", "score", "_day_slots", "_slots", "_free_count")

    def __init__(
        self,
        candidate: ShopCandidate,
        distance_km: float,
        quote: Quote,
        day_slots: DaySlots,
        score: float = 0.0,
        free_count: int | None = None,
    ):
        self.candidate = candidate
        self.distance_km = distance_km
        self.quote = quote
        self.score = score
        self._day_slots = day_slots
        self._slots: tuple[Slot, ...] | None = None
        self._free_count = free_count  # when ranking counted it already

    @property
    def shop(self) -> Shop:
        return self.candidate.shop

    @property
    def slots(self) -> tuple[Slot, ...]:
        """The day's slots that still have a free place."""
        if self._slots is None:
            self._slots = self._day_slots.free(self.candidate)
        return self._slots

    @property
    def free_slot_count(self) -> int:
        """``len(self.slots)``, counted without building them."""
        if self._slots is not None:
            return len(self._slots)
        if self._free_count is None:
            self._free_count = self._day_slots.free_count(self.candidate)
        return self._free_count

    @property
    def next_free_slots(self) -> tuple[Slot, ...]:
        """``self.slots[:3]``, building only those."""
        if self._slots is not None:
            return self._slots[:3]
        return self._day_slots.first_free(self.candidate, 3)

    @property
    def rating(self) -> Decimal | None:
        return self.shop.rating


@dataclass(frozen=True)
class MatchResult:
    resolution: Resolution
    lat: float
    lng: float
    day: date
    sort: str
    matches: list[ShopMatch] = field(default_factory=list)
    dispatch: ShopMatch | None = None  # "any nearby shop": the platform's pick
    # the catalogue's version when the shops were read (PostgreSQL: parts.quoting.catalogue_version_seen)
    catalogue_version: int | None = None


class _Ranked:
    """A candidate shop while matching: its totals, before any quote lines, slot objects or
    ``Shop`` instance (those are built only for the shops returned). Its count of free slots is
    worked out when first asked (``open_on_day``, or "any nearby shop" looking down its list)."""

    __slots__ = ("shop", "distance_km", "book", "totals", "score", "_day_slots", "_free_count")

    def __init__(self, shop: ShopCandidate, distance_km: float, book: PriceBook, totals: Totals, day_slots):
        self.shop = shop  # the candidate: its numbers, its hours, and .shop for the model instance
        self.distance_km = distance_km
        self.book = book
        self.totals = totals
        self.score = 0.0
        self._day_slots = day_slots
        self._free_count: int | None = None

    @property
    def free_count(self) -> int:
        if self._free_count is None:
            self._free_count = self._day_slots.free_count(self.shop)
        return self._free_count


def _score(ranked: list[_Ranked], radius_km: float) -> None:
    """The "best" score: price (cheapest / this total) 45 %, distance 35 %, rating 20 %."""
    if not ranked:
        return
    cheapest = min(r.totals.total_amount for r in ranked)
    w_price, w_distance, w_rating = WEIGHTS["price"], WEIGHTS["distance"], WEIGHTS["rating"]
    for r in ranked:
        total = r.totals.total_amount
        price = cheapest / total if total > 0 else Decimal(1)
        distance = Decimal(str(max(0.0, 1 - r.distance_km / radius_km)))
        rating = (r.shop.rating if r.shop.rating is not None else NEUTRAL_RATING) / 5
        r.score = float(w_price * price + w_distance * distance + w_rating * rating)


SORT_KEYS = {
    "best": lambda r: (-r.score, r.distance_km),
    "distance": lambda r: (r.distance_km, r.totals.total_amount),
    "price": lambda r: (r.totals.total_amount, r.distance_km),
    "rating": lambda r: (-(r.shop.rating or 0), r.distance_km),
}


def dispatch_pick(ranked: Sequence[_Ranked]) -> _Ranked | None:
    """ "Any nearby shop" (就近派单): among shops with a free place that day, the highest dispatch
    priority wins, then the best score, then the nearest."""
    # the first with a free place down the order of preference: the one max() would pick among the
    # available (a stable sort keeps equals in their order), counting free places only that far
    preferred = sorted(
        ranked, key=lambda r: (r.shop.dispatch_priority, r.score, -r.distance_km), reverse=True
    )
    return next((r for r in preferred if r.free_count), None)


def match(
    *,
    variant: Variant | None = None,
    variant_id: int | None = None,
    resolution: Resolution | None = None,
    service_items: Sequence[str] = (),
    package: Package | str | None = None,
    tier: str | None = None,
    lat: float,
    lng: float,
    day: date,
    sort: str = "best",
    max_distance_km: float | None = None,
    max_price: Decimal | None = None,
    open_on_day: bool = False,
    limit: int = 20,
    now: datetime | None = None,
) -> MatchResult:
    """Active shops within range that do the whole job, each priced, with its free slots that day.

    ``lat``/``lng`` are GCJ-02. A shop is a candidate when it is active, within ``max_distance_km``
    (at most ``settings.MATCH_MAX_DISTANCE_KM``) and within its own service radius, offers every
    service item of the job, and is open on ``day`` (its hours, the public calendar and its own
    closures). ``max_price`` keeps shops whose total is at most that; ``open_on_day`` keeps only
    shops with a free place that day. Sorted by ``sort`` (best, distance, price, rating). Give the
    job as ``variant`` (or ``variant_id``) + ``service_items``/``package``/``tier``, or as its
    ``resolution`` when the caller resolved it already (``parts.quoting.resolve_cached``).

    A job given by its parts is resolved under the catalogue version this process last saw beside
    the catalogue's change sequence (PostgreSQL; no cache round trip), which the candidate
    statement checks: when the catalogue changed since, the job is resolved again under the new
    version and matched once more (decision 0007). ``UnknownVariant`` for a ``variant_id`` that
    is not in the catalogue.
    """
    where = {
        "lat": lat,
        "lng": lng,
        "day": day,
        "sort": sort,
        "max_distance_km": max_distance_km,
        "max_price": max_price,
        "open_on_day": open_on_day,
        "limit": limit,
        "now": now,
    }
    if resolution is not None:
        return _match(resolution, **where)

    def job(version: int) -> Resolution:
        return resolve_cached(
            variant=variant,
            variant_id=variant_id,
            service_items=service_items,
            package=package,
            tier=tier,
            version=version,
        )

    version = catalogue_version_known()
    if version is None:
        version = catalogue_version()
    result = _match(job(version), **where)
    if result.catalogue_version is not None and result.catalogue_version != version:
        result = _match(job(result.catalogue_version), **where)
    return result


def _match(
    resolution: Resolution,
    *,
    lat: float,
    lng: float,
    day: date,
    sort: str,
    max_distance_km: float | None,
    max_price: Decimal | None,
    open_on_day: bool,
    limit: int,
    now: datetime | None,
) -> MatchResult:
    """``match`` of a resolved job (one candidate statement)."""
    if sort not in SORTS:
        raise DomainError(_("Unknown sort order."), code="invalid_sort")
    radius = float(settings.MATCH_MAX_DISTANCE_KM)
    if max_distance_km is not None:
        radius = min(radius, float(max_distance_km))
    codes = list(resolution.service_item_codes)
    part_ids = list(dict.fromkeys(part.part_id for part in resolution.parts))

    candidates = shop_candidates(
        lat=lat, lng=lng, radius_km=radius, day=day, codes=codes, part_ids=part_ids, limit=MAX_CANDIDATES
    )
    changes = candidates.catalogue_changes
    if changes is None and not candidates:
        changes = catalogue_changes_read()  # no row to carry it (None outside PostgreSQL)
    catalogue_version = catalogue_version_seen(changes) if changes is not None else None
    # Rank every candidate on its totals (Tariff: the quote's sums without its lines) and its
    # count of free slots; full quotes and slot lists are built for the returned page only.
    nearby: list[tuple[ShopCandidate, float]] = []
    for candidate in candidates:
        distance = haversine_km(lat, lng, candidate.lat, candidate.lng)
        within = distance <= radius and distance <= candidate.service_radius_km
        if within and opening_hours_on(candidate, day, candidate.closure):
            nearby.append((candidate, distance))
    day_slots = DaySlots(
        [c for c, _d in nearby],
        day,
        closures={c.id: c.closure for c, _d in nearby if c.closure is not None},
        booked={c.id: c.booked for c, _d in nearby if c.booked},
        now=now or timezone.now(),
    )
    tariff = Tariff.of(resolution)  # kept with a cached resolution: its sums and lines too
    ranked: list[_Ranked] = []
    for candidate, distance in nearby:
        totals = tariff.totals(candidate.pricebook)
        if max_price is not None and totals.total_amount > max_price:
            continue
        r = _Ranked(candidate, distance, candidate.pricebook, totals, day_slots)
        if open_on_day and not r.free_count:
            continue
        ranked.append(r)

    _score(ranked, radius)
    picked = dispatch_pick(ranked)
    ranked.sort(key=SORT_KEYS[sort])

    quotes: dict[tuple, Quote] = {}  # shops with the same prices share one quote
    built: dict[int, ShopMatch] = {}

    def full(r: _Ranked) -> ShopMatch:
        found = built.get(r.shop.id)
        if found is None:
            book = r.book
            key = (
                book.labour_rate,
                tuple(sorted(book.fixed_prices.items())),
                tuple(sorted(book.part_prices.items())),
            )
            quote = quotes.get(key)
            if quote is None:
                quote = quotes[key] = tariff.quote(book)  # == resolution.price(book)
            found = built[r.shop.id] = ShopMatch(
                r.shop, r.distance_km, quote, day_slots, score=r.score, free_count=r._free_count
            )
        return found

    matches = [full(r) for r in ranked[:limit]]
    dispatch = full(picked) if picked is not None else None
    return MatchResult(
        resolution=resolution,
        lat=lat,
        lng=lng,
        day=day,
        sort=sort,
        matches=matches,
        dispatch=dispatch,
        catalogue_version=catalogue_version,
    )
