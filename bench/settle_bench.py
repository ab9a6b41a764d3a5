"""Settlement at scale, on PostgreSQL: run by hand (not part of the suite).

    createdb -h 127.0.0.1 -U postgres cp_bench_settle
    .venv/bin/python bench/settle_bench.py --database-url postgres://postgres@127.0.0.1:5432/cp_bench_settle

1. Loads, once and set-based (``INSERT … SELECT generate_series``, no ORM): 10,000 daily shops and
   1,000,000 live redemptions redeemed yesterday, with the frozen split (gross, 8 % commission
   half-up, merchant = gross − commission). Settlement reads none of the vouchers, bookings or
   ledger entries a redemption points to, so in this bench database only the foreign keys to
   those three tables and the one-live-redemption-per-voucher index are dropped, and the rows
   point at ids that do not exist: the settlement SQL is the production one. The settled-range
   trigger is switched off for the load only (there is no statement yet, so it could refuse
   nothing).
2. Times ``settlement_run_execute`` (statements with their sums, penalties, payouts; a chunk of
   ``--chunk`` shops per transaction) and then a rerun of the same period (it must insert
   nothing). How many redemptions were settled is counted set-based, by the statements' ranges
   (decision 0012: no redemption row is written).
3. Resets and times the bare set-based SQL over the same rows: one aggregate INSERT of the
   statements and one INSERT of the payouts, in one transaction.
4. Prints the times and the ratio of the bare SQL's time to settlement's (target ≥ 0.25, < 60 s).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"seconds": 60.0, "ratio": 0.25}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cp_bench_settle")
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--redemptions", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=2_000, help="shops per settlement transaction")
    return parser.parse_args()


def setup(database_url: str):
    if not database_url.startswith("postgres"):
        sys.exit("settle_bench needs PostgreSQL (--database-url postgres://...)")
    os.environ.update(DATABASE_URL=database_url, DEBUG="0", SECRET_KEY="bench-only-not-a-secret")
    os.environ.update(ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carplatform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(shops: int, redemptions: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM payments_redemption")
        if cursor.fetchone()[0] >= redemptions:
            print(f"data: {redemptions:,} redemptions already loaded")
            return
        print(f"data: loading {shops:,} shops and {redemptions:,} redemptions …", flush=True)
        started = time.perf_counter()
        user, _ = User.objects.get_or_create(username="bench-staff", defaults={"role": "shop_staff"})
        for name in ("voucher_id", "booking_id", "ledger_entry_id"):
            cursor.execute(
                """SELECT con.conname FROM pg_constraint con JOIN pg_attribute att
                   ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
                   WHERE con.conrelid = 'payments_redemption'::regclass AND con.contype = 'f'
                   AND att.attname = %s""",
                [name],
            )
            for (constraint,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE payments_redemption DROP CONSTRAINT "{constraint}"')
        cursor.execute("DROP INDEX IF EXISTS vouchers_one_live_redemption")
        cursor.execute("ALTER TABLE payments_redemption DISABLE TRIGGER payments_redemption_settled_insert")
        cursor.execute(
            "ALTER TABLE payments_redemption DROP CONSTRAINT IF EXISTS vouchers_one_live_redemption"
        )
        cursor.execute("SELECT COUNT(*) FROM shops_shop WHERE slug LIKE 'bench-shop-%%'")
        have = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO shops_shop (name, name_en, slug, status, kind, brand_focus, phone, address,
                service_radius_km, bays, slot_minutes, weekly_hours, observes_public_holidays,
                labour_rate_amount, dispatch_priority, commission_rate, settlement_cycle,
                payout_account_name, payout_bank, payout_account_number, created_at, updated_at)
            SELECT '压测门店 ' || g, 'Bench shop ' || g, 'bench-shop-' || g, 'active', 'independent', '',
                   '', '', 15, 2, 60, '[]'::jsonb, false, 100.00, 5, 0.0800, 'daily',
                   'Bench ' || g, 'ICBC', '62220' || lpad(g::text, 14, '0'), now(), now()
            FROM generate_series(%s, %s) g
            """,
            [have + 1, shops],
        )
        yesterday = timezone.localtime().replace(
            hour=12, minute=0, second=0, microsecond=0
        ) - timezone.timedelta(days=1)
        cursor.execute(
            """
            WITH s AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM shops_shop
                       WHERE slug LIKE 'bench-shop-%%'),
                 g AS (SELECT g, (100 + (g::bigint * 7919) %% 90000) / 100.0 AS gross FROM generate_series(1, %s) g)
            INSERT INTO payments_redemption (voucher_id, booking_id, shop_id, redeemed_by_id, request_id,
                redeemed_at, gross_amount, commission_rate, commission_amount, subsidy_amount,
                merchant_amount, currency, ledger_entry_id)
            SELECT g.g, g.g, s.id, %s, 'bench-' || g.g, %s - (g.g %% 600) * interval '1 minute',
                   g.gross, 0.0800, round(g.gross * 0.08, 2), 0,
                   g.gross - round(g.gross * 0.08, 2), 'CNY', g.g
            FROM g JOIN s ON s.n = g.g %% %s
            """,
            [redemptions, user.pk, yesterday, shops],
        )
        cursor.execute("ALTER TABLE payments_redemption ENABLE TRIGGER payments_redemption_settled_insert")
        cursor.execute("VACUUM ANALYZE payments_redemption")
        cursor.execute("ANALYZE shops_shop")
    print(f"data: loaded in {time.perf_counter() - started:.1f} s")


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payout")
        cursor.execute("UPDATE payments_penalty SET statement_id = NULL")
        cursor.execute("DELETE FROM payments_statement")
        cursor.execute("DELETE FROM payments_settlementrun")
        cursor.execute("VACUUM ANALYZE payments_statement")
        cursor.execute("VACUUM ANALYZE payments_payout")


def counts() -> tuple[int, int, int]:
    """Statements, payouts, and the redemptions the statements' ranges cover (set-based)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT COUNT(*) FROM payments_statement), (SELECT COUNT(*) FROM payments_payout),
                      (SELECT COUNT(*) FROM payments_redemption r JOIN payments_statement st
                         ON st.shop_id = r.shop_id AND r.redeemed_at >= st.covers_from
                        AND r.redeemed_at < st.covers_until
                       WHERE r.undone_at IS NULL)"""
        )
        return cursor.fetchone()


def settle(chunk: int):
    from django.utils import timezone

    from payments import tasks
    from payments.settlement import services
    from payments.settlement.models import SettlementRun

    tasks.payouts_send_due_task.delay = lambda *a, **k: None  # payouts are sent by their own task
    run = SettlementRun.objects.create(period_end=timezone.localdate() - timezone.timedelta(days=1))
    started = time.perf_counter()
    run = services.settlement_run_execute(run_id=run.pk, chunk_size=chunk)
    return time.perf_counter() - started, run


def bare() -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from payments.settlement.models import SETTLEMENT_EPOCH

    period_end = timezone.localdate() - timezone.timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_settlementrun (period_end, status, created_at, shops_total, shops_done,"
            " statements_created, error) VALUES (%s, 'completed', now(), 0, 0, 0, '') RETURNING id",
            [period_end],
        )
        run_id = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO payments_statement (shop_id, number, covers_from, covers_until, period_start,
                period_end, run_id, created_at, redemption_count, gross_amount, commission_amount,
                subsidy_amount, merchant_amount, penalty_amount, opening_amount, net_amount, currency)
            SELECT shop_id, 1, %s, now(), %s, %s, %s, now(), COUNT(*), SUM(gross_amount), SUM(commission_amount),
                   SUM(subsidy_amount), SUM(merchant_amount), 0, 0, SUM(merchant_amount), 'CNY'
            FROM payments_redemption WHERE undone_at IS NULL AND redeemed_at < now()
            GROUP BY shop_id
            """,
            [SETTLEMENT_EPOCH, period_end, period_end, run_id],
        )
        cursor.execute(
            """INSERT INTO payments_payout (statement_id, shop_id, amount, currency, status, attempts,
                   next_attempt_at, provider_ref, last_error, created_at, updated_at)
               SELECT id, shop_id, net_amount, currency, 'pending', 0, now(), '', '', now(), now()
               FROM payments_statement WHERE run_id = %s AND net_amount > 0""",
            [run_id],
        )
    return time.perf_counter() - started


def main():
    args = parse_args()
    setup(args.database_url)
    load(args.shops, args.redemptions)
    reset()
    seconds, run = settle(args.chunk)
    statements, payouts, linked = counts()
    print(
        f"settlement: {seconds:.2f} s for {linked:,} redemptions → {statements:,} statements, {payouts:,} payouts"
        f" ({linked / seconds:,.0f} redemptions/s; {run.statements_created:,} created by the run)"
    )
    again, rerun = settle(args.chunk)
    statements_again, payouts_again, settled_again = counts()
    print(
        f"rerun: {again:.2f} s, statements created {rerun.statements_created},"
        f" counts now ({statements_again:,} statements, {payouts_again:,} payouts,"
        f" {settled_again:,} redemptions settled)"
    )
    inserted_nothing = rerun.statements_created == 0 and (statements_again, payouts_again) == (
        statements,
        payouts,
    )
    reset()
    bare_seconds = bare()
    bare_statements, _payouts, bare_settled = counts()
    print(
        f"bare SQL (aggregate insert of the statements + insert of the payouts): {bare_seconds:.2f} s"
        f" for {bare_settled:,} redemptions → {bare_statements:,} statements"
    )
    reset()
    ratio = bare_seconds / seconds
    print(f"ratio (bare time / settlement time = settlement's rate / the bare SQL's rate): {ratio:.2f}×")
    ok = (
        seconds < TARGETS["seconds"]
        and ratio >= TARGETS["ratio"]
        and inserted_nothing
        and linked == bare_settled == args.redemptions
    )
    print("targets:", "met" if ok else "NOT met", TARGETS)


if __name__ == "__main__":
    main()
