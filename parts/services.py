"""Writes of the catalogue: load the versioned reference data (parts/data/*.csv) into the tables.

``catalogue_load`` is idempotent (run it twice, the second run changes nothing) and set-based:
rows are upserted with ``bulk_create(update_conflicts=True)`` on their natural keys (slug, SKU,
code), fitment rules are expanded in memory into (variant, part) rows, and only the difference
with what is stored is inserted or deleted.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from parts import quoting
from parts.models import (
    Brand,
    Fitment,
    Package,
    PackageItem,
    Part,
    ServiceItem,
    ServiceItemPart,
    Tier,
    Variant,
    VehicleModel,
)
from parts.text import pinyin_full, pinyin_initials

DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH = 2000
TIER_ORDER = [Tier.ECONOMY, Tier.STANDARD, Tier.PREMIUM]
FAMILY_ORDER = ["minor", "major", "brake", "seasonal", "ev_care"]

# service_items.csv "parts": category:rule[:quantity]
RULES = {
    "one": (ServiceItemPart.Rule.FIXED, Decimal("1")),
    "pair": (ServiceItemPart.Rule.WIPER_PAIR, Decimal("2")),
    "four": (ServiceItemPart.Rule.TYRE_SET, Decimal("4")),
    "cylinders": (ServiceItemPart.Rule.CYLINDERS, Decimal("1")),
    "oil_capacity": (ServiceItemPart.Rule.OIL_CAPACITY, Decimal("1")),
    "litres": (ServiceItemPart.Rule.LITRES, None),
}

# fitment.csv match_field → the variant attribute it matches (None: handled apart)
MATCH_FIELDS = {
    "engine_code": "engine_code",
    "model_slug": "model_slug",
    "variant_slug": "slug",
    "oil_grade": "oil_grade",
    "spark_plug_type": "spark_plug",
    "battery": "battery",
    "tyre_size": None,  # front or rear axle size
    "wiper_mm": None,  # driver's or passenger's blade length
    "all": None,  # every variant
}
SIZED_FIELDS = {"tyre_size", "wiper_mm"}  # the value is also the part's size (Part.match_key)


class CatalogueDataError(ValueError):
    """The data files cannot be read as a catalogue (an operator's error, shown by the command)."""


@dataclass(frozen=True)
class CatalogueLoadResult:
    brands: int
    models: int
    variants: int
    parts: int
    fitments: int
    fitments_added: int
    fitments_removed: int
    service_items: int
    packages: int


@dataclass(frozen=True)
class _VariantKey:
    id: int
    slug: str
    model_slug: str
    engine_code: str
    oil_grade: str
    spark_plug: str
    battery: str
    tyre_front: str
    tyre_rear: str
    wiper_driver_mm: int | None
    wiper_passenger_mm: int | None


def _rows(data_dir: Path, name: str) -> list[dict]:
    path = data_dir / name
    if not path.exists():
        raise CatalogueDataError(f"missing {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def _int(value: str) -> int | None:
    return int(value) if value else None


def _upsert(model, objects: list, key: str) -> dict[str, int]:
    """Insert or update on the natural key; answer {key: id}."""
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != key]
    model.objects.bulk_create(
        objects, batch_size=BATCH, update_conflicts=True, unique_fields=[key], update_fields=fields
    )
    keys = [getattr(o, key) for o in objects]
    return dict(model.objects.filter(**{f"{key}__in": keys}).values_list(key, "id"))


def _load_vehicles(rows: list[dict]) -> dict[str, int]:
    brands = {}
    models = {}
    for row in rows:
        brands[row["brand_slug"]] = Brand(
            slug=row["brand_slug"],
            name_en=row["brand_en"],
            name_zh=row["brand_zh"],
            country=row["brand_country"],
            initials=pinyin_initials(row["brand_zh"]),
            pinyin=pinyin_full(row["brand_zh"]),
        )
        models[row["model_slug"]] = row
    brand_ids = _upsert(Brand, list(brands.values()), "slug")
    model_ids = _upsert(
        VehicleModel,
        [
            VehicleModel(
                slug=slug,
                brand_id=brand_ids[row["brand_slug"]],
                name_en=row["model_en"],
                name_zh=row["model_zh"],
                body=row["body_type"] if row["body_type"] in VehicleModel.Body.values else "other",
                initials=pinyin_initials(row["model_zh"]),
                pinyin=pinyin_full(row["model_zh"]),
            )
            for slug, row in models.items()
        ],
        "slug",
    )
    variants = [
        Variant(
            slug=row["variant_slug"],
            model_id=model_ids[row["model_slug"]],
            name_en=row["variant_en"],
            name_zh=row["variant_zh"],
            year_from=int(row["year_from"]),
            year_to=_int(row["year_to"]),
            fuel=row["fuel"],
            engine_code=row["engine_code"],
            displacement_l=_dec(row["displacement_l"]),
            aspiration=row["aspiration"] or Variant.Aspiration.NATURAL,
            cylinders=int(row["cylinders"] or 0),
            transmission=row["transmission"],
            oil_capacity_l=_dec(row["oil_capacity_l"]),
            oil_grade=row["oil_grade"],
            oil_spec=row["oil_spec"],
            spark_plug=row["spark_plug_type"],
            tyre_front=row["tyre_front"],
            tyre_rear=row["tyre_rear"] or row["tyre_front"],
            wiper_driver_mm=_int(row["wiper_driver_mm"]),
            wiper_passenger_mm=_int(row["wiper_passenger_mm"]),
            battery=row["battery"],
            brake_front=row["brake_front"],
            brake_rear=row["brake_rear"],
        )
        for row in rows
    ]
    return _upsert(Variant, variants, "slug")


def _load_parts(part_rows: list[dict], fitment_rows: list[dict]) -> dict[str, int]:
    sizes: dict[str, str] = {}
    for row in fitment_rows:
        if row["match_field"] in SIZED_FIELDS:
            sizes.setdefault(row["sku"], row["match_value"])
    parts = [
        Part(
            sku=row["sku"],
            category=row["category"],
            maker_en=row["maker_en"],
            maker_zh=row["maker_zh"],
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            spec=row["spec"],
            unit=row["unit"],
            pack_size=Decimal(row["pack_size"] or "1"),
            list_price_amount=Decimal(row["list_price"]),
            tier=row["tier"],
            match_key=sizes.get(row["sku"], ""),
        )
        for row in part_rows
    ]
    unknown = {p.category for p in parts} - set(Part.Category.values)
    if unknown:
        raise CatalogueDataError(f"unknown part categories: {sorted(unknown)}")
    return _upsert(Part, parts, "sku")


def _load_fitment(rows: list[dict], part_ids: dict[str, int]) -> tuple[int, int, int]:
    variants = [
        _VariantKey(*row)
        for row in Variant.objects.values_list(
            "id",
            "slug",
            "model__slug",
            "engine_code",
            "oil_grade",
            "spark_plug",
            "battery",
            "tyre_front",
            "tyre_rear",
            "wiper_driver_mm",
            "wiper_passenger_mm",
        )
    ]
    index: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for field_name, attribute in MATCH_FIELDS.items():
        if attribute is None:
            continue
        for v in variants:
            index[field_name][getattr(v, attribute)].append(v.id)
    for v in variants:
        for size in {v.tyre_front, v.tyre_rear} - {""}:
            index["tyre_size"][size].append(v.id)
        for mm in {v.wiper_driver_mm, v.wiper_passenger_mm} - {None}:
            index["wiper_mm"][str(mm)].append(v.id)
    all_ids = [v.id for v in variants]
    categories = dict(Part.objects.filter(id__in=part_ids.values()).values_list("id", "category"))

    wanted: set[tuple[int, int]] = set()
    for row in rows:
        if row["match_field"] not in MATCH_FIELDS:
            raise CatalogueDataError(f"unknown fitment match_field {row['match_field']!r}")
        part_id = part_ids.get(row["sku"])
        if part_id is None:
            raise CatalogueDataError(f"fitment for unknown SKU {row['sku']!r}")
        ids = (
            all_ids if row["match_field"] == "all" else index[row["match_field"]].get(row["match_value"], [])
        )
        wanted.update((variant_id, part_id) for variant_id in ids)

    stored = set(Fitment.objects.filter(part_id__in=part_ids.values()).values_list("variant_id", "part_id"))
    missing = wanted - stored
    stale = stored - wanted
    Fitment.objects.bulk_create(
        [Fitment(variant_id=v, part_id=p, category=categories[p]) for v, p in sorted(missing)],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    stale_by_part: dict[int, list[int]] = defaultdict(list)
    for variant_id, part_id in stale:
        stale_by_part[part_id].append(variant_id)
    for part_id, variant_ids in stale_by_part.items():
        Fitment.objects.filter(part_id=part_id, variant_id__in=variant_ids).delete()
    return len(wanted), len(missing), len(stale)


def _load_services(rows: list[dict]) -> dict[str, int]:
    items = [
        ServiceItem(
            code=row["code"],
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            labour_hours=Decimal(row["labour_hours"]),
            applies_to=row["applies_to"] or ServiceItem.AppliesTo.ALL,
            sort=index,
        )
        for index, row in enumerate(rows)
    ]
    ids = _upsert(ServiceItem, items, "code")
    needs = []
    for row in rows:
        for spec in filter(None, row["parts"].split(";")):
            category, rule_name, *rest = spec.split(":")
            if rule_name not in RULES or category not in Part.Category.values:
                raise CatalogueDataError(f"service item {row['code']}: cannot read {spec!r}")
            rule, quantity = RULES[rule_name]
            if rule_name == "litres":
                quantity = Decimal(rest[0])
            needs.append(
                ServiceItemPart(
                    service_item_id=ids[row["code"]], category=category, rule=rule, quantity=quantity
                )
            )
    stored = set(
        ServiceItemPart.objects.filter(service_item_id__in=ids.values()).values_list(
            "service_item_id", "category", "rule", "quantity"
        )
    )
    if stored != {(n.service_item_id, n.category, n.rule, n.quantity) for n in needs}:
        ServiceItemPart.objects.filter(service_item_id__in=ids.values()).delete()
        ServiceItemPart.objects.bulk_create(needs)
    return ids


def _load_packages(rows: list[dict], item_ids: dict[str, int]) -> int:
    packages = []
    for row in rows:
        tier = row["tier"]
        family = row["code"].removesuffix(f"_{tier}")
        family_rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
        packages.append(
            Package(
                code=row["code"],
                tier=tier,
                family=family,
                name_en=row["name_en"],
                name_zh=row["name_zh"],
                description_en=row["description_en"],
                description_zh=row["description_zh"],
                sort=family_rank * 10 + TIER_ORDER.index(tier),
            )
        )
    ids = _upsert(Package, packages, "code")
    wanted = set()
    for row in rows:
        for sort, code in enumerate(filter(None, row["service_items"].split(";"))):
            if code not in item_ids:
                raise CatalogueDataError(f"package {row['code']}: unknown service item {code!r}")
            wanted.add((ids[row["code"]], item_ids[code], sort))
    stored = set(
        PackageItem.objects.filter(package_id__in=ids.values()).values_list(
            "package_id", "service_item_id", "sort"
        )
    )
    if stored != wanted:
        PackageItem.objects.filter(package_id__in=ids.values()).delete()
        PackageItem.objects.bulk_create(
            [PackageItem(package_id=p, service_item_id=i, sort=s) for p, i, s in sorted(wanted)]
        )
    return len(ids)


@transaction.atomic
def catalogue_load(*, data_dir: Path = DATA_DIR) -> CatalogueLoadResult:
    """Load (or bring up to date) the catalogue from the CSV files in ``data_dir``."""
    quoting.catalogue_changed()  # bulk writes send no signals
    vehicle_rows = _rows(data_dir, "vehicles.csv")
    part_rows = _rows(data_dir, "parts.csv")
    fitment_rows = _rows(data_dir, "fitment.csv")
    variant_ids = _load_vehicles(vehicle_rows)
    part_ids = _load_parts(part_rows, fitment_rows)
    fitments, added, removed = _load_fitment(fitment_rows, part_ids)
    item_ids = _load_services(_rows(data_dir, "service_items.csv"))
    packages = _load_packages(_rows(data_dir, "packages.csv"), item_ids)
    return CatalogueLoadResult(
        brands=Brand.objects.count(),
        models=VehicleModel.objects.count(),
        variants=len(variant_ids),
        parts=len(part_ids),
        fitments=fitments,
        fitments_added=added,
        fitments_removed=removed,
        service_items=len(item_ids),
        packages=packages,
    )
