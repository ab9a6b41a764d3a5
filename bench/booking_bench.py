"""Booking throughput on PostgreSQL: the API under gunicorn with 20 concurrent clients.

Run by hand (not part of the test suite), against a database of its own:

    createdb -h 127.0.0.1 -U postgres cp_bench_booking
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_booking .venv/bin/python bench/booking_bench.py

It migrates that database, loads a small catalogue, 50 shops and 20 owners with tokens, starts
gunicorn on 127.0.0.1, and measures, in the same run and on the same server:

1. the trivial DRF endpoint (GET /api/v1/ping/): the baseline;
2. bookings spread over many slots (POST /api/v1/bookings/);
3. the hot-slot storm: every client books the same slot (one capacity row, contended);
   (1–3 alternate in BENCH_ROUNDS slices, default 5, of BENCH_SECONDS/rounds each, so a change in
   the machine's background load during the run hits all three alike);
4. an oversell check: 20 clients fire at a slot with 3 free places;
5. pgbench running the booking's own SQL (guarded capacity update + three inserts) with 20 clients;
6. SQL statements per booking request (counted in-process on the hot path, authentication included).

Targets (issue 5): booking >= 0.15x the trivial endpoint; <= 8 SQL statements per booking; the
hot-slot storm >= 0.5x the spread bookings; zero oversold places. Load goes to 127.0.0.1 only,
bounded in time.
"""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENTS = 20
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SHOPS = 50
TZ = ZoneInfo("Asia/Shanghai")


from loadgen import bench_environment, free_port, run_interleaved, run_load  # noqa: E402 - bench/ is on sys.path

bench_environment()
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from bookings.models import Booking, Vehicle  # noqa: E402
from parts.models import Brand, Fitment, Part, ServiceItem, ServiceItemPart, Variant, VehicleModel  # noqa: E402
from shops.models import Shop, ShopService, SlotCapacity  # noqa: E402


def setup() -> dict:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        Booking.objects.all().delete()  # a rerun starts from empty diaries
        SlotCapacity.objects.all().delete()
        brand, _ = Brand.objects.get_or_create(
            slug="toyota", defaults={"name_en": "Toyota", "name_zh": "丰田"}
        )
        model, _ = VehicleModel.objects.get_or_create(
            slug="corolla", defaults={"brand": brand, "name_en": "Corolla", "name_zh": "卡罗拉"}
        )
        variant, _ = Variant.objects.get_or_create(
            slug="corolla-bench",
            defaults={
                "model": model,
                "name_en": "1.2T CVT",
                "name_zh": "1.2T CVT",
                "year_from": 2021,
                "fuel": "petrol",
                "cylinders": 4,
                "oil_capacity_l": Decimal("4.2"),
                "oil_grade": "0W-20",
            },
        )
        item, _ = ServiceItem.objects.get_or_create(
            code="oil_filter",
            defaults={"name_en": "Oil filter", "name_zh": "机油滤清器", "labour_hours": Decimal("0.5")},
        )
        ServiceItemPart.objects.get_or_create(service_item=item, category="oil_filter")
        part, _ = Part.objects.get_or_create(
            sku="MANN-W610/3",
            defaults={
                "category": "oil_filter",
                "maker_en": "MANN",
                "maker_zh": "曼牌",
                "name_en": "Oil filter",
                "name_zh": "机油滤清器",
                "list_price_amount": Decimal("58.00"),
            },
        )
        Fitment.objects.get_or_create(variant=variant, part=part, defaults={"category": "oil_filter"})
        shops = []
        for i in range(SHOPS):
            shop, _ = Shop.objects.update_or_create(
                slug=f"bench-shop-{i}",
                defaults={
                    "name": f"Bench shop {i}",
                    "status": "active",
                    "lat": 30.25,
                    "lng": 120.15,
                    "bays": 3,
                    "slot_minutes": 60,
                    "observes_public_holidays": False,
                    "labour_rate_amount": Decimal("150"),
                },
            )
            ShopService.objects.get_or_create(shop=shop, service_item=item)
            shops.append(shop)
        owners = []
        for i in range(CLIENTS):
            user, _ = User.objects.get_or_create(
                username=f"bench-owner-{i}", defaults={"phone": f"1390000{i:04d}"}
            )
            vehicle = Vehicle.objects.filter(owner=user).first() or Vehicle.objects.create(
                owner=user, variant=variant, plate=f"浙A{i:05d}"
            )
            token, _ = Token.objects.get_or_create(user=user)
            owners.append((token.key, vehicle.pk))
    day = datetime.now(TZ).date() + timedelta(days=2)
    return {
        "shops": [s.pk for s in shops],
        "owners": owners,
        "item": item.code,
        "day": day,
        "variant": variant,
    }


def slot_times(day, days: int) -> list[datetime]:
    out = []
    for d in range(days):
        for hour in range(9, 18):  # 08:30 opening, 60-minute slots: 08:30 … 16:30 start on the half hour
            out.append(
                datetime.combine(day + timedelta(days=d), datetime.min.time(), tzinfo=TZ).replace(
                    hour=hour - 1, minute=30
                )
            )
    return out


def booking_request(data, slot_for):
    def make(index, n):
        token, vehicle = data["owners"][index]
        shop, starts_at = slot_for(index, n)
        body = json.dumps(
            {
                "vehicle": vehicle,
                "shop": shop,
                "starts_at": starts_at.isoformat(),
                "service_items": [data["item"]],
            }
        )
        return (
            "POST",
            "/api/v1/bookings/",
            body,
            {"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )

    return make


def queries_per_booking(data) -> int:
    """SQL statements of one whole ``POST /api/v1/bookings/`` (authentication included), counted
    in-process through Django's test client on the hot path (the slot's capacity row exists)."""
    from django.test import Client

    token, vehicle = data["owners"][0]
    shop = data["shops"][-1]
    starts_at = slot_times(data["day"] + timedelta(days=40), 1)[0]
    body = json.dumps(
        {
            "vehicle": vehicle,
            "shop": shop,
            "starts_at": starts_at.isoformat(),
            "service_items": [data["item"]],
        }
    )
    client = Client(HTTP_HOST="127.0.0.1")

    def post():
        response = client.post(
            "/api/v1/bookings/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code == 201, response.content

    post()
    with CaptureQueriesContext(connection) as ctx:
        post()
    return len(ctx.captured_queries)


def pgbench(data) -> float | None:
    """pgbench running the booking's own SQL with 20 clients; returns transactions per second."""
    shop = data["shops"][0]
    owner = User.objects.get(username="bench-owner-0")
    vehicle = Vehicle.objects.get(owner=owner)
    starts_at = slot_times(data["day"] + timedelta(days=41), 1)[0]
    row = SlotCapacity.objects.create(shop_id=shop, starts_at=starts_at, capacity=30_000, booked=0)
    script = f"""BEGIN;
UPDATE shops_slotcapacity SET booked = booked + 1 WHERE id = {row.pk} AND booked < capacity;
INSERT INTO bookings_booking (owner_id, vehicle_id, variant_id, shop_id, service_item_codes, starts_at, status,
  parts_amount, labour_amount, total_amount, currency, pay_by, created_at, updated_at)
  VALUES ({owner.pk}, {vehicle.pk}, {data["variant"].pk}, {shop}, '["oil_filter"]', '{starts_at.isoformat()}',
  'awaiting_payment', 58.00, 75.00, 133.00, 'CNY', now() + interval '15 minutes', now(), now())
  RETURNING id \\gset
INSERT INTO bookings_bookingline (booking_id, kind, service_item_code, sku, name_en, name_zh, quantity,
  unit_price_amount, amount, position) VALUES (:id, 'part', 'oil_filter', 'MANN-W610/3', 'Oil filter', '机油滤清器',
  1, 58.00, 58.00, 0), (:id, 'labour', 'oil_filter', '', 'Labour', '工时', 0.5, 150.00, 75.00, 1);
INSERT INTO bookings_bookingevent (booking_id, from_status, to_status, reason, created_at)
  VALUES (:id, '', 'awaiting_payment', 'booked', now());
COMMIT;
"""
    db = connection.settings_dict
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-c",
                str(CLIENTS),
                "-j",
                "2",
                "-T",
                str(int(SECONDS)),
                "-f",
                f.name,
                "-h",
                db["HOST"] or "127.0.0.1",
                "-p",
                str(db["PORT"] or 5432),
                "-U",
                db["USER"] or "postgres",
                db["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        print(f"pgbench could not run: {exc}")
        return None
    for line in out.splitlines():
        if line.startswith("tps"):
            return float(line.split("=")[1].split()[0])
    return None


def main() -> None:
    data = setup()
    port = free_port()
    env = {**os.environ}
    # gunicorn's documented starting point for sync workers: (2 x cores) + 1
    workers = os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "carplatform.wsgi:application",
            "--config",  # production's (gc frozen after the app loads), for both endpoints alike
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/v1/ping/")
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"gunicorn: {workers} sync workers on 127.0.0.1:{port}; {CLIENTS} clients; {SECONDS:.0f} s per load "
            f"in {ROUNDS} alternating slices"
        )

        slots = [(shop, t) for shop in data["shops"][:-1] for t in slot_times(data["day"], 20)]
        random.Random(7).shuffle(slots)
        hot_shop = data["shops"][-1]
        hot_time = slot_times(data["day"] + timedelta(days=30), 1)[0]
        SlotCapacity.objects.create(shop_id=hot_shop, starts_at=hot_time, capacity=30_000, booked=0)
        # The three loads alternate in ROUNDS slices, so background load hits them alike.
        runs = run_interleaved(
            port,
            {
                "trivial": lambda i, n: ("GET", "/api/v1/ping/", None, {}),
                "spread": booking_request(data, lambda i, n: slots[(n * CLIENTS + i) % len(slots)]),
                "hot": booking_request(data, lambda i, n: (hot_shop, hot_time)),
            },
            SECONDS,
            rounds=ROUNDS,
            clients=CLIENTS,
        )
        trivial, spread, hot = runs["trivial"], runs["spread"], runs["hot"]
        trivial_rps = trivial["counts"].get(200, 0) / trivial["elapsed"]
        spread_rps = spread["counts"].get(201, 0) / spread["elapsed"]
        hot_rps = hot["counts"].get(201, 0) / hot["elapsed"]

        tiny_time = slot_times(data["day"] + timedelta(days=31), 1)[0]
        storm = run_load(port, booking_request(data, lambda i, n: (hot_shop, tiny_time)), 2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    oversold = SlotCapacity.objects.filter(booked__gt=F("capacity")).count()
    held = Booking.objects.filter(status="awaiting_payment").count()
    booked_places = SlotCapacity.objects.aggregate(total=Sum("booked"))["total"] or 0
    tiny = SlotCapacity.objects.get(shop_id=hot_shop, starts_at=tiny_time)
    queries = queries_per_booking(data)
    pg_tps = pgbench(data)

    print(f"trivial GET /api/v1/ping/        {trivial_rps:8.1f} req/s   p99 {trivial['p99_ms']:.1f} ms")
    print(
        f"bookings spread over {len(slots)} slots {spread_rps:8.1f} booked/s  p99 {spread['p99_ms']:.1f} ms  "
        f"statuses {spread['counts']}"
    )
    print(
        f"hot-slot storm (one row)         {hot_rps:8.1f} booked/s  p99 {hot['p99_ms']:.1f} ms  statuses {hot['counts']}"
    )
    if pg_tps is not None:
        print(f"pgbench, the booking's own SQL   {pg_tps:8.1f} tx/s")
    print(f"booking / trivial                {spread_rps / trivial_rps:8.2f}   (target >= 0.15)")
    print(f"hot / spread                     {hot_rps / spread_rps:8.2f}   (target >= 0.50)")
    if pg_tps:
        print(f"booking / pgbench                {spread_rps / pg_tps:8.2f}")
    print(f"SQL statements per booking request {queries:6d}   (target <= 8; token, car, shop, prices, write)")
    print(
        f"3-place slot under {sum(storm['counts'].values())} attempts: booked {tiny.booked}/{tiny.capacity}, "
        f"statuses {storm['counts']}"
    )
    print(
        f"oversold slots                   {oversold:8d}   (must be 0); places held {booked_places}, "
        f"open bookings {held}"
    )


if __name__ == "__main__":
    main()
