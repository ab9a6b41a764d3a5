"""Demo shop network for `make run`: Hangzhou's districts and 76 shops from shops/data/demo_shops.csv."""

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from shops.models import District, Membership, Shop, ShopClosure
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
        f"shops: {count} in Hangzhou (manager runs {managed.name})",
    ]
