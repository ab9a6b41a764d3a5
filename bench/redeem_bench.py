"""Redemption throughput on PostgreSQL: the counter API under gunicorn with 20 concurrent staff clients.

Run by hand (not part of the test suite), against a database of its own:

    createdb -h 127.0.0.1 -U postgres cp_bench_redeem
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_redeem .venv/bin/python bench/redeem_bench.py

It migrates that database, creates 10 shops with two cashiers each (API tokens), and paid orders
with issued vouchers (written directly: the bench measures the counter, not checkout), starts
gunicorn on 127.0.0.1, warms every worker up on both endpoints (2 s of pings, 10 redemptions per
client: caches filled and statements prepared, as in a server in service), and measures, in the
same run and on the same server:

1. the trivial DRF endpoint (GET /api/v1/ping/): the baseline;
2. redemptions (POST /api/v1/shop/vouchers/redeem/), every client its own codes: redeemed/s, p99
   (1 and 2 alternate in BENCH_ROUNDS slices, default 5, of BENCH_SECONDS/rounds each, so a change
   in the machine's background load hits both alike and their ratio stays fair);
3. the race: both cashiers of each shop redeem the same codes in the same order, so every code
   is fought over; each code must give exactly one 200 and one 409;
4. the double-redemption check in the database: no voucher with two live redemptions, and as many
   redemptions as 200 answers.

Targets (issue 6): redemption >= 0.15x the trivial endpoint; p99 under 100 ms; zero double
redemptions. Load goes to 127.0.0.1 only, bounded in time.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENTS = 20
SHOPS = CLIENTS // 2
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PER_CLIENT = int(os.environ.get("BENCH_VOUCHERS_PER_CLIENT", "400"))
WARM_PER_CLIENT = 10  # redeemed before measuring (each worker's caches and prepared statements)
RACE_PER_SHOP = 60
TZ = ZoneInfo("Asia/Shanghai")


from loadgen import bench_environment, cpu_line, free_port, run_interleaved, run_load  # noqa: E402 - bench/ is on sys.path

bench_environment()
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from bookings.models import Booking, BookingLine, Vehicle  # noqa: E402
from parts.models import Brand, Variant, VehicleModel  # noqa: E402
from payments.vouchers.models import Redemption  # noqa: E402
from payments.vouchers.services import voucher_code, voucher_issue  # noqa: E402
from shops.models import Membership, Shop  # noqa: E402

RUN = uuid.uuid4().hex[:6]


def _variant() -> Variant:
    brand, _ = Brand.objects.get_or_create(slug="toyota", defaults={"name_en": "Toyota", "name_zh": "丰田"})
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
    return variant


def _vouchers(shop, owner, vehicle, variant, count: int) -> list[str]:
    """``count`` paid orders at ``shop`` with issued vouchers; their codes."""
    starts_at = datetime.now(TZ).replace(minute=30, second=0, microsecond=0) + timedelta(days=1)
    bookings = Booking.objects.bulk_create(
        Booking(
            owner=owner,
            vehicle=vehicle,
            variant=variant,
            shop=shop,
            service_item_codes=["oil_filter"],
            starts_at=starts_at,
            status=Booking.Status.PAID,
            parts_amount=Decimal("58.00"),
            labour_amount=Decimal("75.00"),
            total_amount=Decimal("133.00"),
            pay_by=timezone.now(),
        )
        for _ in range(count)
    )
    BookingLine.objects.bulk_create(
        BookingLine(
            booking=b,
            kind="part",
            service_item_code="oil_filter",
            sku="MANN-W610/3",
            name_en="Oil filter",
            name_zh="机油滤清器",
            quantity=1,
            unit_price_amount=Decimal("58.00"),
            amount=Decimal("58.00"),
        )
        for b in bookings
    )
    return [voucher_code(voucher_issue(booking=b)) for b in bookings]


def setup() -> dict:
    call_command("migrate", verbosity=0)
    variant = _variant()
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"phone": "13900009999"})
    vehicle = Vehicle.objects.filter(owner=owner).first() or Vehicle.objects.create(
        owner=owner, variant=variant, plate="浙A99999"
    )
    clients, race = [], []
    with transaction.atomic():
        for i in range(SHOPS):
            shop, _ = Shop.objects.update_or_create(
                slug=f"bench-redeem-shop-{i}",
                defaults={"name": f"Bench redeem shop {i}", "status": "active", "lat": 30.25, "lng": 120.15},
            )
            race_codes = _vouchers(shop, owner, vehicle, variant, RACE_PER_SHOP)
            for j in range(2):
                user, _ = User.objects.get_or_create(
                    username=f"bench-cashier-{i}-{j}",
                    defaults={"phone": f"1370000{i:02d}{j:02d}", "role": User.Role.SHOP_STAFF},
                )
                Membership.objects.get_or_create(shop=shop, user=user, defaults={"role": "cashier"})
                token, _ = Token.objects.get_or_create(user=user)
                clients.append(
                    {
                        "token": token.key,
                        "codes": _vouchers(shop, owner, vehicle, variant, PER_CLIENT),
                        "warm": _vouchers(shop, owner, vehicle, variant, WARM_PER_CLIENT),
                    }
                )
                race.append({"token": token.key, "codes": race_codes})
    return {"clients": clients, "race": race}


def redeem_request(clients, tag: str, codes: str = "codes"):
    def make(index, n):
        client = clients[index]
        if n >= len(client[codes]):
            return None
        body = json.dumps({"code": client[codes][n], "request_id": f"{RUN}-{tag}-{index}-{n}"})
        return (
            "POST",
            "/api/v1/shop/vouchers/redeem/",
            body,
            {"Authorization": f"Token {client['token']}", "Content-Type": "application/json"},
        )

    return make


def main() -> None:
    started = time.monotonic()
    data = setup()
    with connection.cursor() as cursor:
        # as pgbench does before it measures: statistics for the planner, and no autovacuum of
        # the rows just loaded running in the middle of the measurement
        cursor.execute("VACUUM ANALYZE")
    print(
        f"setup: {len(data['clients']) * (PER_CLIENT + WARM_PER_CLIENT) + SHOPS * RACE_PER_SHOP} vouchers "
        f"in {time.monotonic() - started:.0f} s"
    )
    port = free_port()
    # gunicorn's documented starting point for sync workers, as the booking bench: (2 x cores) + 1
    workers = os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1))
    server_log = Path(tempfile.gettempdir()) / f"redeem-bench-gunicorn-{RUN}.log"
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
            "--error-logfile",
            str(server_log),
            "--capture-output",
        ],
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/ping/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        # warm every worker up on both endpoints: a server in service has its caches filled and its
        # statements prepared (the warm-up's redemptions are counted below, not timed)
        run_load(port, lambda i, n: ("GET", "/api/v1/ping/", None, {}), 2)
        warm = run_load(port, redeem_request(data["clients"], "warm", codes="warm"), 10)
        print(
            f"gunicorn: {workers} sync workers on 127.0.0.1:{port}; {CLIENTS} clients; {SECONDS:.0f} s per load "
            f"(trivial and redemptions in {ROUNDS} alternating slices)"
        )

        runs = run_interleaved(
            port,
            {
                "trivial": lambda i, n: ("GET", "/api/v1/ping/", None, {}),
                "redeem": redeem_request(data["clients"], "own"),
            },
            SECONDS,
            rounds=ROUNDS,
            clients=CLIENTS,
            server_pid=server.pid,
        )
        trivial, redeem = runs["trivial"], runs["redeem"]
        trivial_rps = trivial["counts"].get(200, 0) / trivial["elapsed"]
        redeem_rps = redeem["counts"].get(200, 0) / redeem["elapsed"]
        race = run_load(port, redeem_request(data["race"], "race"), SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    doubles = (
        Redemption.objects.filter(undone_at__isnull=True)
        .values("voucher_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    race_codes = SHOPS * RACE_PER_SHOP
    this_run = Redemption.objects.filter(request_id__startswith=f"{RUN}-").count()
    answered_200 = redeem["counts"].get(200, 0) + race["counts"].get(200, 0) + warm["counts"].get(200, 0)
    exhausted = redeem["n"] >= CLIENTS * PER_CLIENT

    print(f"trivial GET /api/v1/ping/        {trivial_rps:8.1f} req/s      p99 {trivial['p99_ms']:.1f} ms")
    print(
        f"redemptions (own codes)          {redeem_rps:8.1f} redeemed/s p99 {redeem['p99_ms']:.1f} ms  "
        f"statuses {redeem['counts']}{'  (ran out of codes: raise BENCH_VOUCHERS_PER_CLIENT)' if exhausted else ''}"
    )
    print(
        f"race (2 cashiers per code)       {race_codes} codes: statuses {race['counts']} "
        f"(expect 200 x {race_codes}, 409 x {race_codes})  p99 {race['p99_ms']:.1f} ms"
    )
    print(f"  trivial:     {cpu_line(trivial)}")
    print(f"  redemptions: {cpu_line(redeem)}")
    print(f"redemption / trivial             {redeem_rps / trivial_rps:8.2f}   (target >= 0.15)")
    print(
        f"p99 redemption                   {redeem['p99_ms']:8.1f} ms (target < 100; "
        f"p50 {redeem['p50_ms']:.1f} ms, max {redeem['max_ms']:.1f} ms)"
    )
    print(
        f"double redemptions               {doubles:8d}   (must be 0); this run: {this_run} redemptions "
        f"for {answered_200} answers 200 (must be equal); gunicorn log {server_log}"
    )


if __name__ == "__main__":
    main()
