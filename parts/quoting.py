"""The quote engine: a variant + service items or a package → fitting parts + labour → a priced quote.

Two steps, so that matching can resolve once and price for many shops:

* ``resolve()`` reads the catalogue (a constant number of SQL queries, however many lines) and
  answers *what* the job needs for this exact car: concrete parts with quantities, labour hours,
  and a ``Gap`` for every wanted part that no catalogue part fits (reported, never dropped).
* ``Resolution.price()`` is pure arithmetic on that answer with a shop's ``PriceBook`` (or the
  platform default): no database query at all. Amounts are exact to the fen (half up, once per
  line, where the number is born); totals are sums of line amounts.

**Which part is chosen** for a wanted category, among the parts that fit the variant:

* with a tier (a package's tier, or ``tier=`` given): the parts of exactly that tier; when none
  fits, a part without a tier (a generic part such as DOT 4 brake fluid, good for every tier);
  when neither fits, a ``Gap`` with that tier. A part of *another* tier is never substituted.
* without a tier: any fitting part.
* among those, the cheapest line at list price (quantity × list price), then the SKU, so the
  choice is stable.

**What fits** is the ``Fitment`` table (one index: variant, category); tyres and wiper blades also
match their size (``Part.match_key``) to the axle or the side they are for.

**Quantities** (fluids are priced per pack): engine oil is the variant's oil capacity rounded up to
whole packs of the chosen SKU (4.2 L is 2 cans of 4 L or 5 bottles of 1 L, whichever line is
cheaper); other fluids, the service item's litres in whole packs; spark plugs, one per cylinder;
wiper blades, a pair (one blade of the driver's length and one of the passenger's, or two of one
SKU when both are the same length; one blade for a car with a single wiper); tyres, two per axle of
that axle's size (four of one size when front and rear match); anything else, the service item's
fixed quantity.

**What applies**: a service item is for ``all`` cars, ``ice`` (a combustion engine, hybrids
included) or ``ev``; asking for one the car cannot have raises ``ServiceNotApplicable``, and so does
asking for a job whose parts the car has no place for (rear pads on rear drum brakes). Inside a
package, such a job is not priced but listed in ``Resolution.skipped`` with its reason.
"""

import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, NotFound
from common.money import ZERO, quantize_fen
from parts.models import (
    Fitment,
    Package,
    PackageItem,
    Part,
    ServiceItem,
    ServiceItemPart,
    Tier,
    Variant,
    applies,
    is_chinese,
)

Rule = ServiceItemPart.Rule

# Categories that fit by an attribute of the variant (Part.match_key), not by fitment rows.
QUANTUM = Decimal("0.01")


class UnknownServiceItem(DomainError):
    default_message = _("Unknown service item.")
    code = "unknown_service_item"


class UnknownVariant(NotFound):
    """A variant id that is not in the catalogue (``resolve_cached`` given only the id)."""

    default_message = _("No such car model.")


class UnknownPackage(NotFound):
    default_message = _("Unknown maintenance package.")
    code = "unknown_package"


class ServiceNotApplicable(DomainError):
    default_message = _("This service cannot be done on this car.")
    code = "service_not_applicable"


class NothingToQuote(DomainError):
    default_message = _("Choose at least one service or a maintenance package.")
    code = "nothing_to_quote"


@dataclass(frozen=True)
class PriceBook:
    """A shop's prices. Parts fall back to list price; labour = hours x labour_rate unless fixed."""

    labour_rate: Decimal  # CNY per labour hour
    part_prices: Mapping[int, Decimal] = field(default_factory=dict)  # part_id -> unit price
    fixed_prices: Mapping[str, Decimal] = field(default_factory=dict)  # item code -> fixed labour amount


def default_pricebook() -> PriceBook:
    """The platform's list prices: catalogue part prices and ``settings.DEFAULT_LABOUR_RATE``."""
    return PriceBook(labour_rate=Decimal(settings.DEFAULT_LABOUR_RATE))


@dataclass(frozen=True)
class ResolvedPart:
    part_id: int
    sku: str
    name_en: str
    name_zh: str
    category: str
    quantity: Decimal
    list_price: Decimal
    service_item_code: str


@dataclass(frozen=True)
class ResolvedLabour:
    service_item_code: str
    name_en: str
    name_zh: str
    hours: Decimal


@dataclass(frozen=True)
class Gap:
    """A wanted part that no catalogue part fits (at this tier): shown, never dropped."""

    service_item_code: str
    category: str
    tier: str | None


@dataclass(frozen=True)
class Skipped:
    """A package's service item that this car does not need (rear pads on rear drum brakes)."""

    service_item_code: str
    name_en: str
    name_zh: str
    categories: tuple[str, ...]  # the part categories the car has no place for


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # "part" | "labour"
    service_item_code: str
    sku: str
    name_en: str
    name_zh: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # quantize_fen(quantity * unit_price)


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    parts_amount: Decimal
    labour_amount: Decimal
    total_amount: Decimal
    currency: str
    gaps: tuple[Gap, ...]

    @property
    def is_complete(self) -> bool:
        return not self.gaps


@dataclass(frozen=True)
class Resolution:
    """What one job needs for one exact variant, before any price."""

    variant_id: int
    service_item_codes: tuple[str, ...]
    parts: tuple[ResolvedPart, ...]
    labour: tuple[ResolvedLabour, ...]
    gaps: tuple[Gap, ...]
    tier: str | None = None  # the tier the parts were chosen for (None: any)
    skipped: tuple[Skipped, ...] = ()  # package items this car does not need; never priced

    def price(self, pricebook: PriceBook | None = None) -> Quote:
        """Price the resolution with a shop's price book (default: list prices). Pure: no query."""
        book = pricebook if pricebook is not None else default_pricebook()
        lines: list[QuoteLine] = []
        parts_amount = labour_amount = ZERO
        parts_by_item: dict[str, list[ResolvedPart]] = {}
        for part in self.parts:
            parts_by_item.setdefault(part.service_item_code, []).append(part)
        labour_by_item = {labour.service_item_code: labour for labour in self.labour}
        for code in self.service_item_codes:
            for part in parts_by_item.get(code, ()):
                unit_price = quantize_fen(book.part_prices.get(part.part_id, part.list_price))
                amount = quantize_fen(part.quantity * unit_price)
                parts_amount += amount
                lines.append(
                    QuoteLine(
                        "part", code, part.sku, part.name_en, part.name_zh, part.quantity, unit_price, amount
                    )
                )
            labour = labour_by_item.get(code)
            if labour is None:
                continue
            if code in book.fixed_prices:
                quantity, unit_price = Decimal("1"), quantize_fen(book.fixed_prices[code])
            else:
                quantity, unit_price = labour.hours, quantize_fen(book.labour_rate)
            amount = quantize_fen(quantity * unit_price)
            labour_amount += amount
            lines.append(
                QuoteLine("labour", code, "", labour.name_en, labour.name_zh, quantity, unit_price, amount)
            )
        return _quote_of(lines, parts_amount, labour_amount, self.gaps)


class Totals(NamedTuple):
    """A quote's three sums, without its lines."""

    parts_amount: Decimal
    labour_amount: Decimal
    total_amount: Decimal


def _quote_of(lines: list, parts_amount: Decimal, labour_amount: Decimal, gaps) -> "Quote":
    """The quote of priced lines (``Resolution.price`` and ``Tariff.quote`` end alike)."""
    return Quote(
        lines=tuple(lines),
        parts_amount=quantize_fen(parts_amount),
        labour_amount=quantize_fen(labour_amount),
        total_amount=quantize_fen(parts_amount + labour_amount),
        currency=settings.CURRENCY,
        gaps=gaps,
    )


class Tariff:
    """The totals of ONE resolution at MANY shops: exactly ``Resolution.price(book)``'s
    ``parts_amount``, ``labour_amount`` and ``total_amount``, without building its lines.

    Shops differ only in their labour rate, fixed labour prices and part price overrides; the
    job's parts and hours are the same for all of them. So the parts at list price are summed once,
    the labour is summed once per distinct rate, and a shop's total applies only its own overrides
    and fixed prices to those sums, line by line with the same rounding as ``price`` (each line
    ``quantize_fen(quantity × quantize_fen(unit price))``, half up). Matching sorts and filters 100
    candidate shops on these totals and builds full quotes for the page it returns.
    ``tests/parts/test_pricing_properties.py`` proves the equality over random price books.
    """

    def __init__(self, resolution: "Resolution"):
        parts_by_item: dict[str, list[ResolvedPart]] = {}
        for part in resolution.parts:
            parts_by_item.setdefault(part.service_item_code, []).append(part)
        labour_by_item = {labour.service_item_code: labour for labour in resolution.labour}
        part_terms: list[tuple[int, Decimal, Decimal]] = []  # (part id, quantity, amount at list price)
        labour_terms: list[tuple[str, Decimal]] = []  # (service item code, hours)
        at_list = ZERO
        for code in resolution.service_item_codes:  # the order and the lines of ``price``
            for part in parts_by_item.get(code, ()):
                amount = quantize_fen(part.quantity * quantize_fen(part.list_price))
                part_terms.append((part.part_id, part.quantity, amount))
                at_list += amount
            labour = labour_by_item.get(code)
            if labour is not None:
                labour_terms.append((code, labour.hours))
        self._parts_at_list = at_list
        self._part_terms = tuple(part_terms)
        self._labour_terms = tuple(labour_terms)
        self._labour_codes = frozenset(code for code, _hours in labour_terms)
        self._at_rate: dict[Decimal, tuple[Decimal, tuple[Decimal, ...]]] = {}
        self._plain: dict[Decimal, Totals] = {}  # rate -> the totals of a book with no own prices
        self._resolution = resolution
        self._parts_by_item = parts_by_item
        self._labour_by_item = labour_by_item
        self._list_lines: dict[int, QuoteLine] = {}  # id(part) -> its line at list price
        self._rate_lines: dict[tuple[str, Decimal], QuoteLine] = {}  # (code, rate) -> labour line

    @classmethod
    def of(cls, resolution: "Resolution") -> "Tariff":
        """The tariff of a resolution, kept while the process keeps the resolution (the same object
        for a cached job: ``resolve_cached``), so its sums per rate and its shared lines serve every
        later quote of that job."""
        found = _TARIFFS.get(id(resolution))
        if found is None or found._resolution is not resolution:
            if len(_TARIFFS) >= LOCAL_RESOLUTIONS_MAX:
                _TARIFFS.clear()
            found = _TARIFFS[id(resolution)] = cls(resolution)
        return found

    def _labour_at(self, rate: Decimal) -> tuple[Decimal, tuple[Decimal, ...]]:
        """(sum, each line's amount) of the labour at an hourly rate; computed once per rate."""
        found = self._at_rate.get(rate)
        if found is None:
            unit_price = quantize_fen(rate)
            amounts = tuple(quantize_fen(hours * unit_price) for _code, hours in self._labour_terms)
            found = self._at_rate[rate] = (sum(amounts, ZERO), amounts)
        return found

    def totals(self, book: PriceBook) -> Totals:
        if not book.part_prices and not book.fixed_prices:  # most shops: list prices, hourly labour
            found = self._plain.get(book.labour_rate)
            if found is None:
                found = self._plain[book.labour_rate] = self._totals(book)
            return found
        return self._totals(book)

    def _totals(self, book: PriceBook) -> Totals:
        parts_amount = self._parts_at_list
        if book.part_prices:
            for part_id, quantity, at_list in self._part_terms:
                if part_id in book.part_prices:
                    unit_price = quantize_fen(book.part_prices[part_id])
                    parts_amount += quantize_fen(quantity * unit_price) - at_list
        labour_amount, at_rate = self._labour_at(book.labour_rate)
        if book.fixed_prices and not self._labour_codes.isdisjoint(book.fixed_prices):
            for (code, _hours), amount in zip(self._labour_terms, at_rate, strict=True):
                if code in book.fixed_prices:  # a line of quantity 1 at the fixed price
                    labour_amount += quantize_fen(book.fixed_prices[code]) - amount
        return Totals(
            quantize_fen(parts_amount),
            quantize_fen(labour_amount),
            quantize_fen(parts_amount + labour_amount),
        )

    def quote(self, book: PriceBook) -> Quote:
        """Exactly ``Resolution.price(book)``; the lines that do not depend on the shop (a part at
        list price, labour at an hourly rate already seen) are built once and shared by the quotes
        (``QuoteLine`` is immutable). Matching builds a quote for each shop it returns."""
        lines: list[QuoteLine] = []
        parts_amount = labour_amount = ZERO
        part_prices, fixed_prices = book.part_prices, book.fixed_prices
        for code in self._resolution.service_item_codes:  # the order and the lines of ``price``
            for part in self._parts_by_item.get(code, ()):
                if part.part_id in part_prices:
                    unit_price = quantize_fen(part_prices[part.part_id])
                    amount = quantize_fen(part.quantity * unit_price)
                    line = QuoteLine(
                        "part", code, part.sku, part.name_en, part.name_zh, part.quantity, unit_price, amount
                    )
                else:
                    line = self._list_lines.get(id(part))
                    if line is None:
                        unit_price = quantize_fen(part.list_price)
                        amount = quantize_fen(part.quantity * unit_price)
                        line = self._list_lines[id(part)] = QuoteLine(
                            "part",
                            code,
                            part.sku,
                            part.name_en,
                            part.name_zh,
                            part.quantity,
                            unit_price,
                            amount,
                        )
                parts_amount += line.amount
                lines.append(line)
            labour = self._labour_by_item.get(code)
            if labour is None:
                continue
            if code in fixed_prices:
                unit_price = quantize_fen(fixed_prices[code])
                amount = quantize_fen(Decimal("1") * unit_price)
                line = QuoteLine(
                    "labour", code, "", labour.name_en, labour.name_zh, Decimal("1"), unit_price, amount
                )
            else:
                line = self._rate_lines.get((code, book.labour_rate))
                if line is None:
                    unit_price = quantize_fen(book.labour_rate)
                    line = self._rate_lines[(code, book.labour_rate)] = QuoteLine(
                        "labour",
                        code,
                        "",
                        labour.name_en,
                        labour.name_zh,
                        labour.hours,
                        unit_price,
                        quantize_fen(labour.hours * unit_price),
                    )
            labour_amount += line.amount
            lines.append(line)
        return _quote_of(lines, parts_amount, labour_amount, self._resolution.gaps)


#: Tariffs by id(resolution); each holds its resolution, so an id is never reused while listed.
_TARIFFS: dict[int, Tariff] = {}


@dataclass(frozen=True)
class _Candidate:
    part_id: int
    sku: str
    name_en: str
    name_zh: str
    category: str
    tier: str
    pack_size: Decimal
    list_price: Decimal
    match_key: str


@dataclass(frozen=True)
class _Slot:
    """One wanted part: a category, the attribute it must match (or None: fitment) and a quantity."""

    service_item_code: str
    category: str
    key: str | None
    quantity: Decimal
    by_capacity: Decimal | None = None  # engine oil: litres to cover, rounded up to whole packs


def _qty(value) -> Decimal:
    return Decimal(value).quantize(QUANTUM)


_CANDIDATE_FIELDS = (
    "id",
    "sku",
    "name_en",
    "name_zh",
    "category",
    "tier",
    "pack_size",
    "list_price_amount",
    "match_key",
)


def _load_items(package: Package | None, codes: Sequence[str]) -> list[dict]:
    """The service items with their needs, in one query: the package's (in its order), then ``codes``."""
    wanted = list(dict.fromkeys(codes))
    items_query = ServiceItem.objects.all()
    if package is not None:
        in_package = PackageItem.objects.filter(package=package, service_item=OuterRef("pk"))
        items_query = items_query.annotate(package_sort=Subquery(in_package.values("sort")[:1])).filter(
            Q(Exists(in_package)) | Q(code__in=wanted)
        )
    else:
        items_query = items_query.annotate(package_sort=Value(None, output_field=IntegerField())).filter(
            code__in=wanted
        )
    rows = items_query.order_by("code", "needs__id").values_list(
        "code",
        "name_en",
        "name_zh",
        "labour_hours",
        "applies_to",
        "package_sort",
        "needs__category",
        "needs__rule",
        "needs__quantity",
    )
    items: dict[str, dict] = {}
    for code, name_en, name_zh, hours, applies_to, package_sort, category, rule, quantity in rows:
        item = items.setdefault(
            code,
            {
                "code": code,
                "name_en": name_en,
                "name_zh": name_zh,
                "hours": hours,
                "applies_to": applies_to,
                "package_sort": package_sort,
                "needs": [],
            },
        )
        if category is not None:
            item["needs"].append((category, rule, quantity))
    missing = [code for code in wanted if code not in items]
    if missing:
        raise UnknownServiceItem(
            _("Unknown service item: %(codes)s.") % {"codes": ", ".join(missing)}, extra={"codes": missing}
        )
    from_package = sorted(
        (item for item in items.values() if item["package_sort"] is not None),
        key=lambda item: (item["package_sort"], item["code"]),
    )
    extra = [items[code] for code in wanted if items[code]["package_sort"] is None]
    return from_package + extra


def _slots(variant: Variant, item: dict) -> tuple[list[_Slot], list[Gap]]:
    code = item["code"]
    slots: list[_Slot] = []
    gaps: list[Gap] = []
    for category, rule, quantity in item["needs"]:
        if category in variant.absent_part_categories:
            gaps.append(Gap(code, category, None))  # in a job that otherwise applies: shown, not dropped
            continue
        if rule == Rule.OIL_CAPACITY:
            if not variant.oil_capacity_l or not variant.oil_grade:
                gaps.append(Gap(code, category, None))
                continue
            slots.append(_Slot(code, category, None, ZERO, by_capacity=variant.oil_capacity_l))
        elif rule == Rule.LITRES:
            slots.append(_Slot(code, category, None, ZERO, by_capacity=Decimal(quantity)))
        elif rule == Rule.CYLINDERS:
            if not variant.cylinders:
                gaps.append(Gap(code, category, None))
                continue
            slots.append(_Slot(code, category, None, _qty(variant.cylinders)))
        elif rule == Rule.WIPER_PAIR:
            lengths = [mm for mm in (variant.wiper_driver_mm, variant.wiper_passenger_mm) if mm]
            if not lengths:
                gaps.append(Gap(code, category, None))
                continue
            if len(lengths) == 2 and lengths[0] == lengths[1]:
                slots.append(_Slot(code, category, str(lengths[0]), _qty(2)))
            else:
                slots += [_Slot(code, category, str(length), _qty(1)) for length in lengths]
        elif rule == Rule.TYRE_SET:
            front, rear = variant.tyre_front, variant.tyre_rear or variant.tyre_front
            if not front:
                gaps.append(Gap(code, category, None))
                continue
            if front == rear:
                slots.append(_Slot(code, category, front, _qty(4)))
            else:
                slots += [_Slot(code, category, front, _qty(2)), _Slot(code, category, rear, _qty(2))]
        else:
            slots.append(_Slot(code, category, None, _qty(quantity)))
    return slots, gaps


def _slot_quantity(slot: _Slot, candidate: _Candidate) -> Decimal:
    if slot.by_capacity is None:
        return slot.quantity
    return _qty(math.ceil(slot.by_capacity / candidate.pack_size))


def _choose(slot: _Slot, candidates: list[_Candidate], tier: str | None) -> _Candidate | None:
    if tier:
        exact = [c for c in candidates if c.tier == tier]
        candidates = exact or [c for c in candidates if not c.tier]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (_slot_quantity(slot, c) * c.list_price, c.sku))


def _candidate_rows(variant_id: int, categories: list[str], tiers: list[str] | None) -> list[tuple]:
    """One query: the fitting parts' fields, found through the fitment index (variant, category).

    On PostgreSQL it is ``id = ANY(ARRAY(SELECT part_id FROM fitment …))``: an index-only scan on
    the fitment index, then primary-key probes into parts. A plain join makes the planner hash the
    whole parts table, and an ``IN (…)`` list of hundreds of ids costs more to bind and plan than
    to run (bench/catalogue_bench.py: 35 ms and 6 ms against 3 ms on 50,000 parts). Elsewhere
    (SQLite) the ORM's ``IN (subquery)`` is used.
    """
    if connection.vendor == "postgresql":
        columns = ", ".join(f'"{name}"' for name in _CANDIDATE_FIELDS)
        fitted = (
            f'SELECT "part_id" FROM "{Fitment._meta.db_table}" '  # noqa: S608 - our table names
            'WHERE "variant_id" = %s AND "category" = ANY(%s)'
        )
        sql = f'SELECT {columns} FROM "{Part._meta.db_table}" WHERE "id" = ANY(ARRAY({fitted}))'  # noqa: S608
        params: list = [variant_id, categories]
        if tiers is not None:
            sql += ' AND "tier" = ANY(%s)'
            params.append(tiers)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    fitted = Fitment.objects.filter(variant_id=variant_id, category__in=categories).values("part_id")
    parts = Part.objects.filter(pk__in=fitted)
    if tiers is not None:
        parts = parts.filter(tier__in=tiers)
    return list(parts.order_by().values_list(*_CANDIDATE_FIELDS))


def _candidates(variant_id: int, slots: list[_Slot], tier: str | None) -> dict[str, list[_Candidate]]:
    """The parts that fit the variant in the wanted categories and may serve the tier, by category."""
    categories = sorted({slot.category for slot in slots})
    by_category: dict[str, list[_Candidate]] = {}
    for row in _candidate_rows(variant_id, categories, [tier, ""] if tier else None):
        candidate = _Candidate(*row)
        by_category.setdefault(candidate.category, []).append(candidate)
    return by_category


def resolve(
    *,
    variant: Variant,
    service_items: Sequence[str] = (),
    package: Package | str | None = None,
    tier: str | None = None,
) -> Resolution:
    """The concrete parts, quantities and labour that the job needs for this exact variant.

    ``service_items`` are service item codes; ``package`` a ``Package`` (or its code), whose tier
    is used unless ``tier`` is given. Two SQL queries whatever the number of lines: the service
    items with their needs, and the fitting parts (one more when the package is given by code).
    Raises ``UnknownServiceItem``, ``UnknownPackage``, ``ServiceNotApplicable`` (a job this car
    cannot have, such as an oil change on an electric car) or ``NothingToQuote``.
    """
    if isinstance(package, str):
        package = Package.objects.filter(code=package).first()
        if package is None:
            raise UnknownPackage()
    if tier is not None and tier not in Tier.values:
        raise DomainError(_("Unknown tier."), code="unknown_tier")
    if package is not None and tier is None:
        tier = package.tier
    if package is None and not service_items:
        raise NothingToQuote()

    items = _load_items(package, service_items)
    if not items:
        raise NothingToQuote()
    absent = variant.absent_part_categories

    def lacks_place(item: dict) -> bool:
        return bool(item["needs"]) and all(need[0] in absent for need in item["needs"])

    not_applicable = [
        item
        for item in items
        if not applies(item["applies_to"], variant) or (lacks_place(item) and item["package_sort"] is None)
    ]
    if not_applicable:
        chinese = is_chinese()
        names = ("、" if chinese else ", ").join(
            item["name_zh"] if chinese else item["name_en"] for item in not_applicable
        )
        raise ServiceNotApplicable(
            _("This service cannot be done on this car: %(items)s.") % {"items": names},
            extra={"codes": [item["code"] for item in not_applicable]},
        )

    skipped = tuple(
        Skipped(
            item["code"], item["name_en"], item["name_zh"], tuple(category for category, *_ in item["needs"])
        )
        for item in items
        if lacks_place(item)
    )
    items = [item for item in items if not lacks_place(item)]

    slots: list[_Slot] = []
    gaps: list[Gap] = []
    for item in items:
        item_slots, item_gaps = _slots(variant, item)
        slots += item_slots
        gaps += item_gaps

    by_category = _candidates(variant.pk, slots, tier) if slots else {}

    parts: list[ResolvedPart] = []
    for slot in slots:
        pool = by_category.get(slot.category, [])
        if slot.key is not None:
            pool = [c for c in pool if c.match_key == slot.key]
        chosen = _choose(slot, pool, tier)
        if chosen is None:
            gaps.append(Gap(slot.service_item_code, slot.category, tier))
            continue
        parts.append(
            ResolvedPart(
                part_id=chosen.part_id,
                sku=chosen.sku,
                name_en=chosen.name_en,
                name_zh=chosen.name_zh,
                category=chosen.category,
                quantity=_slot_quantity(slot, chosen),
                list_price=chosen.list_price,
                service_item_code=slot.service_item_code,
            )
        )

    labour = tuple(
        ResolvedLabour(item["code"], item["name_en"], item["name_zh"], item["hours"]) for item in items
    )
    return Resolution(
        variant_id=variant.pk,
        service_item_codes=tuple(item["code"] for item in items),
        parts=tuple(parts),
        labour=labour,
        gaps=tuple(gaps),
        tier=tier,
        skipped=skipped,
    )


def quote_build(
    *,
    variant: Variant,
    service_items: Sequence[str] = (),
    package: Package | str | None = None,
    pricebook: PriceBook | None = None,
) -> Quote:
    """Resolve and price in one call: ``resolve(...).price(pricebook)``."""
    return resolve(variant=variant, service_items=service_items, package=package).price(pricebook)


# --- the resolution cache ----------------------------------------------------------------------

CATALOGUE_VERSION_KEY = "catalogue:version"


def catalogue_version() -> int:
    """The catalogue's current version: part of every cached resolution's key."""
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        cache.add(CATALOGUE_VERSION_KEY, time.time_ns(), None)
        version = cache.get(CATALOGUE_VERSION_KEY, 0)
    return version


#: On PostgreSQL, a sequence moved right after every new version (migration parts 0002). The quote's
#: candidate statement reads it: while it stays where this process last saw it, the version read
#: after that sighting is still the current one, and no cache round trip is needed (decision 0007).
CHANGES_SEQUENCE = "parts_catalogue_changes"

#: ``[sequence value, version]`` this process last saw, the version read after the value.
_seen: list[int] = []


def _new_catalogue_version() -> None:
    cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), None)
    if connection.vendor == "postgresql":  # after the version: see catalogue_version_seen
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{CHANGES_SEQUENCE}')")


def catalogue_changes_read() -> int | None:
    """Where the sequence stands now (one query; PostgreSQL), or None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {CHANGES_SEQUENCE}")  # noqa: S608 - a constant
        return cursor.fetchone()[0]


def catalogue_version_known() -> int | None:
    """The version this process last saw beside the sequence's value, or None (none seen yet, or
    not PostgreSQL): a quote resolves its job under it and checks it by ``catalogue_version_seen``."""
    return _seen[1] if _seen else None


def catalogue_version_seen(changes: int) -> int:
    """The current version, given the sequence value ``changes`` a statement has just read.

    While the sequence has not moved since this process last saw it, the version read after that
    sighting is current: a writer sets the version first and moves the sequence after, so a
    version set later moves the sequence past ``changes``. When it moved, the version is read
    anew, after the value, and kept with it.
    """
    if _seen and _seen[0] == changes:
        return _seen[1]
    version = catalogue_version()
    _seen[:] = [changes, version]
    return version


def catalogue_seen_forget() -> None:
    """Forget the sighting (tests, whose caches are emptied between them)."""
    _seen.clear()


def catalogue_changed() -> None:
    """Make every cached resolution unreachable: now, and again when the change commits.

    The second bump matters: a request that read the catalogue between the first bump and the
    commit may have cached the old rows under the new version. Catalogue models call this from
    their save/delete signals (``parts.apps``); bulk loads call it themselves.
    """
    _new_catalogue_version()
    transaction.on_commit(_new_catalogue_version)


#: Resolutions this process has read, by their cache key (which holds the catalogue version, so
#: an entry is never served for another catalogue): a hit skips the second round trip to the cache
#: and the unpickling. The version itself is still read from the shared cache on every call.
#: Resolutions are immutable; the bound only limits memory (emptied when full).
_LOCAL_RESOLUTIONS: dict[str, Resolution] = {}
LOCAL_RESOLUTIONS_MAX = 2048


def _remember(key: str, resolution: Resolution) -> None:
    if len(_LOCAL_RESOLUTIONS) >= LOCAL_RESOLUTIONS_MAX:
        _LOCAL_RESOLUTIONS.clear()
    _LOCAL_RESOLUTIONS[key] = resolution


def resolve_cached(
    *,
    variant: Variant | None = None,
    variant_id: int | None = None,
    service_items: Sequence[str] = (),
    package: Package | str | None = None,
    tier: str | None = None,
    version: int | None = None,
) -> Resolution:
    """``resolve``, cached until the catalogue changes (at most ``RESOLUTION_CACHE_SECONDS``; 0: off).

    What a job needs for one exact car depends only on the catalogue, and popular car + package
    pairs repeat all day. Every catalogue write bumps the version in the key (``catalogue_changed``),
    so a cached resolution is never older than the catalogue; the cache is shared by all processes
    when ``REDIS_URL`` is set (production) and per process otherwise (the embedded single process).
    Give the ``variant`` or only its id (then it is read on a cache miss only). ``version``: the
    catalogue version to key by when the caller knows it (``catalogue_version_known``, checked
    after the match by ``catalogue_version_seen``); by default it is read from the cache.
    """
    seconds = settings.RESOLUTION_CACHE_SECONDS
    if variant is not None:
        variant_id = variant.pk
    key = None
    if seconds:
        package_code = package.code if isinstance(package, Package) else package
        if version is None:
            version = catalogue_version()
        raw_key = json.dumps([version, variant_id, list(service_items), package_code, tier])
        key = "resolution:" + hashlib.sha256(raw_key.encode()).hexdigest()
        resolution = _LOCAL_RESOLUTIONS.get(key)
        if resolution is not None:
            return resolution
        resolution = cache.get(key)
        if resolution is not None:
            _remember(key, resolution)
            return resolution
    if variant is None:
        variant = Variant.objects.filter(pk=variant_id).first()
        if variant is None:
            raise UnknownVariant()
    resolution = resolve(variant=variant, service_items=service_items, package=package, tier=tier)
    if key is not None:
        cache.set(key, resolution, seconds)
        _remember(key, resolution)
    return resolution
