"""Benchmark of the quote engine on a large catalogue (run by hand, not part of the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/catalogue_bench.py

Builds, in its own PostgreSQL database (``cp_bench_parts`` on the server of ``DATABASE_URL``;
created when missing, reused when it already holds the catalogue, ``--rebuild`` to start over,
``--drop`` to drop it at the end), a catalogue of 2,000 variants × 50,000 parts with 2,000,000
fitment rows, set-based (``INSERT … SELECT generate_series``, no ORM loop). The real service items
and packages of parts/data are loaded on top. Then it resolves a package for random combustion
variants and prints p50/p95/p99 of ``resolve()`` and of ``price()``, the SQL queries per quote
(the same for one line and for a whole package) and the plan of the fitment query.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "cp_bench_parts"
VARIANTS = 2_000
PARTS = 50_000
FITS_PER_PART = 40  # 50,000 × 40 = 2,000,000 fitment rows
CATEGORIES = [
    "engine_oil",
    "oil_filter",
    "air_filter",
    "cabin_filter",
    "brake_pads_front",
    "brake_pads_rear",
    "spark_plug",
    "tyre",
    "battery",
    "wiper_blade",
    "coolant",
    "brake_fluid",
]


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_database(url: str, rebuild: bool) -> None:
    admin = _with_db(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
            print(f"created database {BENCH_DB}")


def _drop_database(url: str) -> None:
    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    print(f"dropped database {BENCH_DB}")


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = _with_db(url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carplatform.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


BUILD_SQL = [
    "TRUNCATE parts_fitment, parts_packageitem, parts_package, parts_serviceitempart, parts_serviceitem, "
    "parts_part, parts_variant, parts_vehiclemodel, parts_brand RESTART IDENTITY CASCADE",
    # 40 brands, 10 models each
    """INSERT INTO parts_brand (id, slug, name_en, name_zh, country, initials, pinyin)
       SELECT b, 'bench-brand-' || b, 'Bench brand ' || b, '测试品牌' || b, 'CN',
         'cspp' || b, 'ceshipinpai' || b
       FROM generate_series(1, 40) b""",
    """INSERT INTO parts_vehiclemodel (id, brand_id, slug, name_en, name_zh, body, initials, pinyin)
       SELECT m, (m - 1) / 10 + 1, 'bench-model-' || m, 'Model ' || m, '车系' || m, 'sedan',
         'cx' || m, 'chexi' || m
       FROM generate_series(1, 400) m""",
    # 2,000 variants, 5 per model; every 7th is an EV
    f"""INSERT INTO parts_variant (id, model_id, slug, name_en, name_zh, year_from, year_to, fuel,
         engine_code, displacement_l, aspiration, cylinders, transmission, oil_capacity_l, oil_grade,
         oil_spec, spark_plug, tyre_front, tyre_rear, wiper_driver_mm, wiper_passenger_mm, battery,
         brake_front, brake_rear)
       SELECT v, (v - 1) / 5 + 1, 'bench-variant-' || v, '1.5T Trim ' || v, '1.5T 车款' || v,
         2015 + v % 10, NULL,
         CASE WHEN v % 7 = 0 THEN 'ev' ELSE 'petrol' END,
         CASE WHEN v % 7 = 0 THEN '' ELSE 'E' || (v % 90) END,
         CASE WHEN v % 7 = 0 THEN NULL ELSE 1.5 END,
         CASE WHEN v % 7 = 0 THEN 'none' ELSE 'turbo' END,
         CASE WHEN v % 7 = 0 THEN 0 ELSE 4 END, 'at',
         CASE WHEN v % 7 = 0 THEN NULL ELSE 3.5 + (v % 31) / 10.0 END,
         CASE WHEN v % 7 = 0 THEN '' ELSE '0W-20' END, 'API SP', 'NGK X',
         '205/55 R16', '205/55 R16', 650, 400, '46B24L', 'disc', 'disc'
       FROM generate_series(1, {VARIANTS}) v""",
    # 50,000 parts: categories and tiers spread by a hash; oil comes in 4 L and 1 L packs
    f"""INSERT INTO parts_part (id, sku, category, maker_en, maker_zh, name_en, name_zh, spec, tier, unit,
         pack_size, list_price_amount, match_key)
       SELECT p, 'BENCH-' || p, c.category, 'Maker', '厂商', 'Part ' || p, '配件' || p, '',
         (ARRAY['economy', 'standard', 'premium'])[1 + abs(hashint4(p + 1)) % 3],
         CASE WHEN c.category IN ('engine_oil', 'coolant', 'brake_fluid') THEN 'litre_pack' ELSE 'each' END,
         CASE WHEN c.category = 'engine_oil' AND p % 2 = 0 THEN 4 ELSE 1 END,
         round((20 + abs(hashint4(p + 2)) % 98000 / 100.0)::numeric, 2),
         CASE c.category WHEN 'tyre' THEN '205/55 R16'
                         WHEN 'wiper_blade' THEN (ARRAY['650', '400'])[1 + p % 2] ELSE '' END
       FROM generate_series(1, {PARTS}) p,
         LATERAL (SELECT (ARRAY{CATEGORIES!r})[1 + abs(hashint4(p)) % {len(CATEGORIES)}] AS category) c""",
    # 2,000,000 fitment rows: part p fits the 40 variants (p + 50k) mod 2000, k = 0…39 (all distinct)
    f"""INSERT INTO parts_fitment (variant_id, part_id, category)
       SELECT ((p.id + k * 50) % {VARIANTS}) + 1, p.id, p.category
       FROM parts_part p, generate_series(0, {FITS_PER_PART - 1}) k
       ORDER BY 1, 3, 2""",
    "VACUUM ANALYZE",  # sets the visibility map: the fitment look-up becomes a true index-only scan
]


def _build(connection) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in BUILD_SQL:
            t = time.perf_counter()
            cursor.execute(statement)
            label = " ".join(statement.split()[:3])[:40]
            print(f"  {label:<40} {time.perf_counter() - t:6.1f} s")
    print(f"built in {time.perf_counter() - started:.1f} s")


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--runs", type=int, default=1000, help="timed quotes (default 1000)")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    _ensure_database(url, args.rebuild)
    _setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parts.models import Fitment, Package, Variant
    from parts.quoting import PriceBook, resolve
    from parts.services import DATA_DIR, _load_packages, _load_services, _rows

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM parts_fitment")
        fitments = cursor.fetchone()[0]
    if fitments != PARTS * FITS_PER_PART:
        size = f"{VARIANTS:,} variants, {PARTS:,} parts, {PARTS * FITS_PER_PART:,} fitments"
        print(f"building the catalogue ({size})")
        _build(connection)
    else:
        print(f"reusing {BENCH_DB}: {fitments:,} fitment rows")
    _load_packages(_rows(DATA_DIR, "packages.csv"), _load_services(_rows(DATA_DIR, "service_items.csv")))

    package = Package.objects.get(code="major_premium")  # oil, oil filter, air + cabin filters, plugs
    variant_ids = list(Variant.objects.exclude(fuel=Variant.Fuel.EV).values_list("id", flat=True))
    rng = random.Random(2026)  # noqa: S311 - a benchmark's sample, not a secret
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=rng.sample(variant_ids, 400))}
    picks = [variants[rng.choice(list(variants))] for _ in range(args.runs)]
    book = PriceBook(labour_rate=Decimal("135.00"))

    for variant in picks[:50]:  # warm-up: connection, caches, plans
        resolve(variant=variant, package=package)

    resolve_ms, price_ms, gaps = [], [], 0
    for variant in picks:
        t0 = time.perf_counter()
        resolution = resolve(variant=variant, package=package)
        t1 = time.perf_counter()
        quote = resolution.price(book)
        t2 = time.perf_counter()
        resolve_ms.append((t1 - t0) * 1000)
        price_ms.append((t2 - t1) * 1000)
        gaps += len(quote.gaps)

    with CaptureQueriesContext(connection) as one_line:
        resolve(variant=picks[0], service_items=["oil_filter"])
    with CaptureQueriesContext(connection) as whole_package:
        resolution = resolve(variant=picks[0], package=package)

    print()
    print(f"catalogue: {Variant.objects.count():,} variants, {Fitment.objects.count():,} fitment rows")
    print(f"package {package.code}: {len(resolution.service_item_codes)} service items, "
          f"{len(resolution.parts)} parts, {len(resolution.labour)} labour lines")  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.runs} quotes for random variants (gaps reported: {gaps})")
    print(f"machine: load average {load} on {os.cpu_count()} cores")
    for label, samples in (("resolve()", resolve_ms), ("price()  ", price_ms)):
        p50, p95, p99 = statistics.median(samples), _percentile(samples, 0.95), _percentile(samples, 0.99)
        worst = max(samples)
        print(f"  {label} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   p99 {p99:6.2f} ms   max {worst:6.2f} ms")
    print(f"SQL queries per quote: {len(one_line.captured_queries)} for one line, "
          f"{len(whole_package.captured_queries)} for the whole package; price(): 0")  # fmt: skip
    with connection.cursor() as cursor:
        sql = whole_package.captured_queries[-1]["sql"]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        print("plan of the fitment query:")
        for (line,) in cursor.fetchall():
            print("   ", line)
    target = _percentile(resolve_ms, 0.95) < 10
    print(f"target p95 < 10 ms: {'met' if target else 'NOT met'}")

    connection.close()
    if args.drop:
        _drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
