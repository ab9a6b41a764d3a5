"""Matching (撮合): a car, a job and a place → the shops nearby that do it, priced, with free times.

A selector-like module: reads only. The job is resolved ONCE for the exact variant by the quote
engine (``parts.quoting.resolve``, cached for a minute), then priced per candidate shop with that
shop's price book, which arrives with the shop row itself. The SQL cost of a match is constant,
whatever the number of shops: the quote engine's queries (none on a cache hit), one query for the
candidate shops (a bounding box on the indexed coordinates of active shops, with each shop's
offer, prices and closure for the day) and one for the day's slot capacity
(``shops.selectors.slots_for_shops``).
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
from parts.quoting import Quote, Resolution, resolve_cached
from shops.models import Shop
from shops.places import bd09_to_gcj02, haversine_km, wgs84_to_gcj02
from shops.selectors import (
    Slot,
    closures_from_annotations,
    opening_hours_on,
    pricebook_from_annotations,
    shop_candidates,
    slots_for_shops,
)

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


@dataclass(frozen=True)
class ShopMatch:
    shop: Shop
    distance_km: float
    quote: Quote
    slots: tuple[Slot, ...]  # the day's slots that still have a free place
    score: float = 0.0

    @property
    def next_free_slots(self) -> tuple[Slot, ...]:
        return self.slots[:3]

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


def _score(matches: list[ShopMatch], radius_km: float) -> list[ShopMatch]:
    if not matches:
        return matches
    cheapest = min(m.quote.total_amount for m in matches)
    scored = []
    for m in matches:
        total = m.quote.total_amount
        price = cheapest / total if total > 0 else Decimal(1)
        distance = Decimal(str(max(0.0, 1 - m.distance_km / radius_km)))
        rating = (m.shop.rating if m.shop.rating is not None else NEUTRAL_RATING) / 5
        score = WEIGHTS["price"] * price + WEIGHTS["distance"] * distance + WEIGHTS["rating"] * rating
        scored.append(
            ShopMatch(
                shop=m.shop, distance_km=m.distance_km, quote=m.quote, slots=m.slots, score=float(score)
            )
        )
    return scored


SORT_KEYS = {
    "best": lambda m: (-m.score, m.distance_km),
    "distance": lambda m: (m.distance_km, m.quote.total_amount),
    "price": lambda m: (m.quote.total_amount, m.distance_km),
    "rating": lambda m: (-(m.shop.rating or 0), m.distance_km),
}


def dispatch_pick(matches: Sequence[ShopMatch]) -> ShopMatch | None:
    """ "Any nearby shop" (就近派单): among shops with a free place that day, the highest dispatch
    priority wins, then the best score, then the nearest."""
    available = [m for m in matches if m.slots]
    if not available:
        return None
    return max(available, key=lambda m: (m.shop.dispatch_priority, m.score, -m.distance_km))


def match(
    *,
    variant: Variant,
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
    shops with a free place that day. Sorted by ``sort`` (best, distance, price, rating).
    """
    if sort not in SORTS:
        raise DomainError(_("Unknown sort order."), code="invalid_sort")
    resolution = resolve_cached(variant=variant, service_items=service_items, package=package, tier=tier)
    radius = float(settings.MATCH_MAX_DISTANCE_KM)
    if max_distance_km is not None:
        radius = min(radius, float(max_distance_km))
    codes = list(resolution.service_item_codes)
    part_ids = list(dict.fromkeys(part.part_id for part in resolution.parts))

    candidates = shop_candidates(
        lat=lat, lng=lng, radius_km=radius, day=day, codes=codes, part_ids=part_ids, limit=MAX_CANDIDATES
    )
    shops: list[tuple[Shop, float]] = []
    for shop in candidates:
        distance = haversine_km(lat, lng, shop.lat, shop.lng)
        if distance <= radius and distance <= shop.service_radius_km:
            shops.append((shop, distance))

    closures = closures_from_annotations([shop for shop, _d in shops], day)
    open_shops = [(shop, d) for shop, d in shops if opening_hours_on(shop, day, closures.get(shop.id))]
    slots = slots_for_shops(
        [shop for shop, _d in open_shops], day, closures=closures, now=now or timezone.now()
    )

    matches = []
    quotes: dict[tuple, Quote] = {}  # shops with the same prices share one quote
    for shop, distance in open_shops:
        book = pricebook_from_annotations(shop, codes=codes, part_ids=part_ids)
        key = (
            book.labour_rate,
            tuple(sorted(book.fixed_prices.items())),
            tuple(sorted(book.part_prices.items())),
        )
        quote = quotes.get(key)
        if quote is None:
            quote = quotes[key] = resolution.price(book)
        if max_price is not None and quote.total_amount > max_price:
            continue
        free = tuple(slot for slot in slots[shop.id] if slot.free > 0)
        if open_on_day and not free:
            continue
        matches.append(ShopMatch(shop=shop, distance_km=distance, quote=quote, slots=free))

    matches = _score(matches, radius)
    dispatch = dispatch_pick(matches)
    matches.sort(key=SORT_KEYS[sort])
    return MatchResult(
        resolution=resolution,
        lat=lat,
        lng=lng,
        day=day,
        sort=sort,
        matches=matches[:limit],
        dispatch=dispatch,
    )
