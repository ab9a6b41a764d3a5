"""Demo shop network for `make run`: Hangzhou's districts and 76 shops from shops/data/demo_shops.csv."""

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from common.money import quantize_fen
from parts.models import Part, ServiceItem
from shops.models import District, Membership, Shop, ShopClosure, ShopPartPrice, ShopService
from shops.services import district_sync

DEMO_SHOPS_CSV = Path(__file__).resolve().parent / "data" / "demo_shops.csv"
MANAGED_SHOP = "baoshun-quick-shangcheng"  # the demo `manager` runs this independent garage


def _weekly_hours(row: dict) -> list:
    closed = {int(day) for day in row["closed_weekdays"].split(";") if day != ""}
    return [None if weekday in closed else [row["opens"], row["closes"]] for weekday in range(7)]


def load() -> list[str]:
    districts = {d.code: d for d in district_sync()}
    with DEMO_SHOPS_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        kind = row["kind"]
        Shop.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name_zh"],
                "name_en": row["name_en"],
                "status": Shop.Status.ACTIVE,
                "kind": kind,
                "brand_focus": row["brand_focus"],
                "phone": row["phone"],
                "address": row["address_zh"],
                "district": districts[row["district_code"]],
                "lat": float(row["lat"]),
                "lng": float(row["lng"]),
                "service_radius_km": {"dealer_4s": 30, "chain": 15, "independent": 10}[kind],
                "bays": int(row["bays"]),
                "slot_minutes": int(row["slot_minutes"]),
                "weekly_hours": _weekly_hours(row),
                # Independent garages close on public holidays; dealers and chains stay open.
                "observes_public_holidays": kind == Shop.Kind.INDEPENDENT,
                "labour_rate_amount": Decimal(row["labour_rate"]).quantize(Decimal("0.01")),
                "rating": Decimal(row["rating"]),
                "dispatch_priority": int(row["dispatch_priority"]),
                "settlement_cycle": Shop.SettlementCycle.WEEKLY
                if kind == Shop.Kind.DEALER_4S
                else Shop.SettlementCycle.DAILY,
                "payout_account_name": row["name_zh"],
            },
        )
    shops = list(Shop.objects.filter(slug__in=[r["slug"] for r in rows]).order_by("slug"))
    services, overrides = _offer_services(shops)
    managed = Shop.objects.get(slug=MANAGED_SHOP)
    manager = User.objects.get(username="manager")
    Membership.objects.update_or_create(
        shop=managed, user=manager, defaults={"role": Membership.Role.MANAGER}
    )
    ShopClosure.objects.get_or_create(
        shop=managed,
        date=timezone.localdate() + timedelta(days=10),
        defaults={"is_open": False, "reason": "盘点 / stocktaking"},
    )
    count = Shop.objects.filter(slug__in=[r["slug"] for r in rows]).count()
    return [
        f"districts: {District.objects.filter(city_code='330100').count()} in Hangzhou",
        f"shops: {count} in Hangzhou (manager runs {managed.name}); "
        f"{services} services offered, {overrides} part-price overrides",
    ]


# Which shops leave out which service items (by position in slug order): a few gaps on purpose.
LEFT_OUT = {
    "ac_service": lambda i, shop: i % 7 == 3,
    "wheel_alignment": lambda i, shop: shop.kind == Shop.Kind.INDEPENDENT and i % 3 == 0,
    "detailing": lambda i, shop: shop.kind != Shop.Kind.CHAIN,
    "ev_battery_check": lambda i, shop: shop.kind == Shop.Kind.INDEPENDENT and i % 2 == 1,
    "spark_plugs": lambda i, shop: i % 11 == 5,
}
# Chains sell some jobs at a fixed labour price.
CHAIN_FIXED = {"oil_change": "39.00", "wash": "35.00", "tyre_rotation": "49.00", "inspection": "0.00"}
# Part-price overrides: chains buy oil in bulk; 4S dealers charge more for genuine filters.
PART_FACTORS = {
    Shop.Kind.CHAIN: {"engine_oil": Decimal("0.88"), "oil_filter": Decimal("0.90")},
    Shop.Kind.DEALER_4S: {"oil_filter": Decimal("1.15"), "air_filter": Decimal("1.10")},
}


def _offer_services(shops: list[Shop]) -> tuple[int, int]:
    """ShopService rows for the catalogue's service items, and part-price overrides (idempotent)."""
    items = list(ServiceItem.objects.all())
    if not items:  # the catalogue is not loaded: shops offer nothing yet
        return 0, 0
    parts_by_category: dict[str, list[tuple[int, Decimal]]] = {}
    for part_id, category, price in Part.objects.filter(
        category__in={c for factors in PART_FACTORS.values() for c in factors}
    ).values_list("id", "category", "list_price_amount"):
        parts_by_category.setdefault(category, []).append((part_id, price))
    offered = []
    prices = []
    for index, shop in enumerate(shops):
        for item in items:
            rule = LEFT_OUT.get(item.code)
            if rule is not None and rule(index, shop):
                continue
            fixed = CHAIN_FIXED.get(item.code) if shop.kind == Shop.Kind.CHAIN else None
            offered.append(
                ShopService(
                    shop=shop, service_item=item, fixed_price_amount=Decimal(fixed) if fixed else None
                )
            )
        for category, factor in PART_FACTORS.get(shop.kind, {}).items():
            for part_id, price in parts_by_category.get(category, []):
                prices.append(
                    ShopPartPrice(shop=shop, part_id=part_id, unit_price_amount=quantize_fen(price * factor))
                )
    shop_ids = [shop.id for shop in shops]
    ShopService.objects.filter(shop_id__in=shop_ids).delete()
    ShopPartPrice.objects.filter(shop_id__in=shop_ids).delete()
    ShopService.objects.bulk_create(offered)
    ShopPartPrice.objects.bulk_create(prices)
    return len(offered), len(prices)
