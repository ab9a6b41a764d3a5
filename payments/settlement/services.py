"""Settlement writes: penalties, settlement runs (set-based SQL), payouts (send, report, hold, retry).

Exactly once (decisions 0011, 0012): a statement is unique per (shop, period end) and per (shop,
number) in the database and is inserted with ``ON CONFLICT DO NOTHING … RETURNING``; it covers
the shop's redemptions from where its previous statement ended to the run's cutoff, so each live
redemption belongs to at most one statement by its time and no redemption row is written. Only
the statements a transaction inserted itself get their penalties and a payout (unique per
statement), in that one transaction. A second run, a concurrent one or a rerun after a crash
therefore finds the statements that exist and inserts none again.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import services as booking_services
from common.errors import Conflict, DomainError, NotFound
from common.money import quantize_fen
from payments.ledger import services as ledger
from payments.ledger.errors import InsufficientPayable
from payments.settlement.models import SETTLEMENT_EPOCH, Payout, Penalty, SettlementRun, Statement
from payments.settlement.payouts import payout_provider
from shops.models import Shop

logger = logging.getLogger(__name__)


class RunAlreadyActive(Conflict):
    default_message = _("A settlement run for this period is already under way.")
    code = "run_active"


class InvalidPeriod(DomainError):
    default_message = _("Settlement periods end on a past day or today.")
    code = "invalid_period"


class PayoutNotChangeable(Conflict):
    default_message = _("This payout cannot be changed in its current state.")
    code = "payout_not_changeable"


# --- penalties ----------------------------------------------------------------------------------


@transaction.atomic
def penalty_create(
    *, shop: Shop, amount: Decimal, reason: str, actor, now: datetime | None = None, complaint=None
) -> Penalty:
    """Fine a shop: posted to the ledger now (merchant payable → penalty revenue), deducted from
    its next statement."""
    if not isinstance(amount, Decimal) or amount <= 0 or quantize_fen(amount) != amount:
        raise DomainError(_("A penalty is a positive amount exact to the fen."))
    if not reason.strip():
        raise DomainError(_("A penalty needs a reason."))
    penalty = Penalty(
        shop=shop,
        amount=amount,
        reason=reason.strip(),
        created_by=actor,
        created_at=now or timezone.now(),
        complaint=complaint,
    )
    entry = ledger.post_penalty(
        shop=shop,
        amount=amount,
        idempotency_key=f"penalty:{uuid.uuid4().hex}",
        reference=ledger.Reference("shop", f"{shop.pk}"),
        memo=penalty.reason[:255],
    )
    penalty.ledger_entry = entry
    penalty.save()
    return penalty


@transaction.atomic
def complaint_resolve_with_penalty(*, complaint_id: int, note: str, amount: Decimal, actor) -> Penalty:
    """Resolve an owner's complaint and fine its shop in ONE transaction: the complaint's decision,
    the penalty (linked to the complaint) and its ledger entry commit together or not at all."""
    complaint = booking_services.complaint_decide(
        complaint_id=complaint_id, resolve=True, note=note, actor=actor
    )
    reason = f"{complaint.booking.number}: {complaint.resolution_note}"[:200]
    return penalty_create(shop=complaint.shop, amount=amount, reason=reason, actor=actor, complaint=complaint)


# --- the settled range ---------------------------------------------------------------------------


def redemption_settlement_hold(redemption) -> bool:
    """Whether a redemption is in a statement already, and, inside the caller's transaction, hold
    its shop against settlement until that transaction ends (``FOR KEY SHARE`` on the shop row,
    which a settlement chunk takes ``FOR UPDATE``). So an undo that finds it unsettled commits
    before a statement can cover it (decision 0012)."""
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM shops_shop WHERE id = %s FOR KEY SHARE", [redemption.shop_id])
    covering = Statement.objects.filter(shop_id=redemption.shop_id, covers_until__gt=redemption.redeemed_at)
    return covering.exists()


# --- settlement runs ----------------------------------------------------------------------------


def settlement_default_period(now: datetime | None = None) -> date:
    """T+1: a run today settles yesterday (local time)."""
    return timezone.localdate(now or timezone.now()) - timedelta(days=1)


def settlement_cutoff(period_end: date, now: datetime) -> datetime:
    """Redemptions before this moment are settled: the period's end, and past the undo window."""
    end = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))
    return min(end, now - timedelta(minutes=settings.REDEMPTION_UNDO_MINUTES))


def settlement_run_start(
    *, period_end: date | None = None, actor=None, now: datetime | None = None
) -> SettlementRun:
    """Record a run and hand it to a worker once the transaction commits."""
    from payments.tasks import settlement_run_execute_task

    now = now or timezone.now()
    period_end = period_end or settlement_default_period(now)
    if period_end > timezone.localdate(now):
        raise InvalidPeriod()
    with transaction.atomic():
        if SettlementRun.objects.filter(
            period_end=period_end,
            status=SettlementRun.Status.RUNNING,
            started_at__gt=now - timedelta(minutes=settings.SETTLEMENT_RUN_STALE_MINUTES),
        ).exists():
            raise RunAlreadyActive()
        run = SettlementRun.objects.create(period_end=period_end, started_by=actor, created_at=now)
        transaction.on_commit(lambda: settlement_run_execute_task.delay(run.pk))
    return run


#: Called after each committed chunk of shops (tests inject a crash here).
_after_chunk: Callable[[SettlementRun, Sequence[int]], None] = lambda run, shop_ids: None  # noqa: E731


def _p(value):
    """A parameter for raw SQL, adapted the way the ORM would (SQLite stores datetimes as text)."""
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


def _money_sum(expr: str) -> str:
    """An exact SUM of money: numeric on PostgreSQL; whole fen on SQLite (floating point there)."""
    if connection.vendor == "postgresql":
        return f"COALESCE(SUM({expr}), 0)"
    return f"(COALESCE(SUM(ROUND({expr} * 100)), 0) / 100.0)"


def _in(ids: Sequence[int]) -> str:
    return "(" + ",".join(str(int(i)) for i in ids) + ")"


#: Weekly shops are due only on a Sunday; a shop with a statement for this period or a later one
#: is not due (so a shop's ranges follow the order of its periods).
_CYCLE_DUE = """
    (s.settlement_cycle = 'daily' OR (%(weekly_due)s = 1 AND s.settlement_cycle = 'weekly'))
    AND NOT EXISTS (SELECT 1 FROM payments_statement later
                    WHERE later.shop_id = s.id AND later.period_end >= %(period_end)s)
"""

#: Where the shop's next statement starts: where its last one ended.
_SINCE = """COALESCE((SELECT MAX(st.covers_until) FROM payments_statement st WHERE st.shop_id = s.id),
                   %(epoch)s)"""

_OPEN_PENALTY = """EXISTS (SELECT 1 FROM payments_penalty p WHERE p.shop_id = {shop}
                          AND p.statement_id IS NULL AND p.created_at < %(cutoff)s)"""

_DUE = f"""
    {_CYCLE_DUE}
    AND {_SINCE} < %(cutoff)s
    AND (EXISTS (SELECT 1 FROM payments_redemption r WHERE r.shop_id = s.id AND r.undone_at IS NULL
                 AND r.redeemed_at >= {_SINCE} AND r.redeemed_at < %(cutoff)s)
         OR {_OPEN_PENALTY.format(shop="s.id")})
"""  # noqa: S608 - constant SQL


def _params(run: SettlementRun, cutoff: datetime, now: datetime) -> dict:
    period_end = run.period_end
    return {
        "period_end": _p(period_end),
        "week_start": _p(period_end - timedelta(days=6)),
        "weekly_due": 1 if period_end.weekday() == 6 else 0,
        "cutoff": _p(cutoff),
        "epoch": _p(SETTLEMENT_EPOCH),
        "now": _p(now),
        "run": run.pk,
        "currency": settings.CURRENCY,
    }


def _settle_chunk(run: SettlementRun, shop_ids: Sequence[int], params: dict) -> int:
    """One transaction: insert the chunk's statements that do not exist yet, each summing its
    shop's live redemptions from where the shop's last statement ended up to the cutoff; link and
    deduct open penalties; insert the payouts. Returns how many statements it inserted.

    No redemption row is written. The chunk's shop rows are locked ``FOR UPDATE`` first: a
    redemption insert, undo or change takes its shop ``FOR KEY SHARE`` (trigger of migration
    payments 0006), so one still in flight is committed before the sums are taken (each statement
    below reads a fresh snapshot), and one that comes later finds the statement and is refused if
    it falls inside the settled range."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            cursor.execute(f"SELECT id FROM shops_shop WHERE id IN {_in(shop_ids)} ORDER BY id FOR UPDATE")  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO payments_statement (shop_id, number, covers_from, covers_until, period_start,
                period_end, run_id, created_at, redemption_count, gross_amount, commission_amount,
                subsidy_amount, merchant_amount, penalty_amount, opening_amount, net_amount, currency)
            SELECT b.shop_id, b.number, b.since, %(cutoff)s,
                   CASE WHEN b.cycle = 'weekly' THEN %(week_start)s ELSE %(period_end)s END,
                   %(period_end)s, %(run)s, %(now)s, COUNT(r.id),
                   {_money_sum("r.gross_amount")}, {_money_sum("r.commission_amount")},
                   {_money_sum("r.subsidy_amount")}, {_money_sum("r.merchant_amount")},
                   0, b.opening, b.opening + {_money_sum("r.merchant_amount")}, %(currency)s
            FROM (
                SELECT s.id AS shop_id, s.settlement_cycle AS cycle, COALESCE(prev.number, 0) + 1 AS number,
                       COALESCE(prev.covers_until, %(epoch)s) AS since,
                       CASE WHEN prev.net_amount < 0 THEN prev.net_amount ELSE 0 END AS opening
                FROM shops_shop s
                LEFT JOIN payments_statement prev ON prev.shop_id = s.id AND prev.number = (
                    SELECT MAX(p2.number) FROM payments_statement p2 WHERE p2.shop_id = s.id)
                WHERE s.id IN {_in(shop_ids)} AND {_CYCLE_DUE}
            ) b
            LEFT JOIN payments_redemption r ON r.shop_id = b.shop_id AND r.undone_at IS NULL
                 AND r.redeemed_at >= b.since AND r.redeemed_at < %(cutoff)s
            WHERE b.since < %(cutoff)s
            GROUP BY b.shop_id, b.cycle, b.number, b.since, b.opening
            HAVING COUNT(r.id) > 0 OR {_OPEN_PENALTY.format(shop="b.shop_id")}
            ON CONFLICT DO NOTHING
            RETURNING id
            """,  # noqa: S608 - only integers and constant SQL are interpolated
            params,
        )
        new = [row[0] for row in cursor.fetchall()]
        if new:
            ids = _in(new)
            cursor.execute(
                f"""
                UPDATE payments_penalty SET statement_id = st.id
                FROM payments_statement st
                WHERE st.id IN {ids} AND payments_penalty.shop_id = st.shop_id
                  AND payments_penalty.statement_id IS NULL AND payments_penalty.created_at < %(cutoff)s
                """,  # noqa: S608 - only integers and constant SQL are interpolated
                params,
            )
            cursor.execute(
                f"""
                UPDATE payments_statement SET penalty_amount = p.total, net_amount = net_amount - p.total
                FROM (SELECT statement_id, {_money_sum("amount")} AS total
                      FROM payments_penalty WHERE statement_id IN {ids} GROUP BY statement_id) p
                WHERE payments_statement.id = p.statement_id
                """,  # noqa: S608 - only integers and constant SQL are interpolated
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO payments_payout (statement_id, shop_id, amount, currency, status, attempts,
                    next_attempt_at, provider_ref, last_error, created_at, updated_at)
                SELECT id, shop_id, net_amount, currency, 'pending', 0, %(now)s, '', '', %(now)s, %(now)s
                FROM payments_statement WHERE id IN {ids} AND net_amount > 0
                ON CONFLICT (statement_id) DO NOTHING
                """,  # noqa: S608 - only integers and constant SQL are interpolated
                params,
            )
        SettlementRun.objects.filter(pk=run.pk).update(
            shops_done=F("shops_done") + len(shop_ids), statements_created=F("statements_created") + len(new)
        )
    return len(new)


def settlement_run_execute(
    *, run_id: int, now: datetime | None = None, chunk_size: int | None = None
) -> SettlementRun:
    """Settle every due shop for the run's period, a chunk of shops per transaction.

    Set-based: a handful of SQL statements per chunk, whatever the number of redemptions, and none
    of them writes a redemption row. Safe to
    call again for the same run or for another run of the same period (see the module's note).
    """
    now = now or timezone.now()
    chunk_size = chunk_size or settings.SETTLEMENT_CHUNK_SHOPS
    run = SettlementRun.objects.get(pk=run_id)
    if run.status == SettlementRun.Status.COMPLETED:
        return run
    cutoff = settlement_cutoff(run.period_end, now)
    params = _params(run, cutoff, now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.id FROM shops_shop s WHERE {_DUE} ORDER BY s.id", params)  # noqa: S608 - constant SQL
        shop_ids = [row[0] for row in cursor.fetchall()]
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.RUNNING, started_at=now, shops_total=len(shop_ids), shops_done=0, error=""
    )
    try:
        for start in range(0, len(shop_ids), chunk_size):
            chunk = shop_ids[start : start + chunk_size]
            _settle_chunk(run, chunk, params)
            _after_chunk(run, chunk)
    except Exception as exc:
        SettlementRun.objects.filter(pk=run.pk).update(
            status=SettlementRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.COMPLETED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    if run.statements_created:
        from payments.tasks import payouts_send_due_task

        transaction.on_commit(payouts_send_due_task.delay)
    return run


def settlement_run_due(*, now: datetime | None = None) -> int:
    """The beat's daily run (T+1): start yesterday's run unless one completed already."""
    now = now or timezone.now()
    period_end = settlement_default_period(now)
    if SettlementRun.objects.filter(period_end=period_end, status=SettlementRun.Status.COMPLETED).exists():
        return 0
    run = SettlementRun.objects.create(period_end=period_end, created_at=now)
    settlement_run_execute(run_id=run.pk, now=now)
    return run.pk


# --- payouts ------------------------------------------------------------------------------------


def _lock_payout(payout_id: int) -> Payout:
    payout = Payout.objects.select_for_update().select_related("shop").filter(pk=payout_id).first()
    if payout is None:
        raise NotFound()
    return payout


@transaction.atomic
def payout_send(*, payout_id: int, now: datetime | None = None, force: bool = False) -> Payout:
    """Send a pending (or failed, due for retry) payout: post it to the ledger and ask the provider.

    The ledger key names the attempt (``payout:<id>:<n>``), so a retried task posts once."""
    now = now or timezone.now()
    payout = _lock_payout(payout_id)
    if payout.status not in (Payout.Status.PENDING, Payout.Status.FAILED):
        return payout
    if payout.status == Payout.Status.FAILED and payout.next_attempt_at > now and not force:
        return payout
    attempt = payout.attempts + 1
    ref = f"payout:{payout.pk}:{attempt}"
    payout.attempts = attempt
    try:
        ledger.post_payout(
            shop=payout.shop, amount=payout.amount, payout_ref=str(payout.pk), idempotency_key=ref
        )
    except InsufficientPayable:
        payout.status = Payout.Status.FAILED
        payout.last_error = "payable below the payout amount"
        payout.next_attempt_at = now + _backoff(attempt)
        payout.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "updated_at"])
        return payout
    payout.status = Payout.Status.SENT
    payout.save(update_fields=["attempts", "status", "updated_at"])
    shop = payout.shop
    report = payout_provider().payout_send(
        ref=ref,
        amount=payout.amount,
        currency=payout.currency,
        account_name=shop.payout_account_name,
        bank=shop.payout_bank,
        account_number=shop.payout_account_number,
    )
    if report is not None:
        _apply_report(
            payout,
            attempt=attempt,
            succeeded=report.succeeded,
            provider_ref=report.provider_ref,
            reason=report.reason,
            now=now,
        )
    return payout


def _backoff(attempt: int) -> timedelta:
    return timedelta(minutes=settings.PAYOUT_RETRY_MINUTES * (2 ** max(0, attempt - 1)))


def _apply_report(
    payout: Payout, *, attempt: int, succeeded: bool, provider_ref: str, reason: str, now: datetime
) -> None:
    if payout.status != Payout.Status.SENT or payout.attempts != attempt:
        return  # a stale or repeated report
    payout.provider_ref = provider_ref[:80]
    if succeeded:
        payout.status, payout.paid_at, payout.last_error = Payout.Status.PAID, now, ""
    else:
        ledger.post_payout_failed(
            shop=payout.shop,
            amount=payout.amount,
            payout_ref=str(payout.pk),
            idempotency_key=f"payout-failed:{payout.pk}:{attempt}",
            memo=reason[:255],
        )
        payout.status, payout.last_error = Payout.Status.FAILED, reason[:255]
        payout.next_attempt_at = now + _backoff(attempt)
    payout.save(
        update_fields=["provider_ref", "status", "paid_at", "last_error", "next_attempt_at", "updated_at"]
    )


@transaction.atomic
def payout_report(
    *, payout_id: int, attempt: int, succeeded: bool, provider_ref: str = "", reason: str = "", now=None
) -> Payout:
    """The bank's later answer about one attempt; a repeated or stale report changes nothing."""
    payout = _lock_payout(payout_id)
    _apply_report(
        payout,
        attempt=attempt,
        succeeded=succeeded,
        provider_ref=provider_ref,
        reason=reason,
        now=now or timezone.now(),
    )
    return payout


@transaction.atomic
def payout_hold(*, payout_id: int) -> Payout:
    """Stop a payout that has not been sent (pending or failed) until an admin releases it."""
    payout = _lock_payout(payout_id)
    if payout.status not in (Payout.Status.PENDING, Payout.Status.FAILED):
        raise PayoutNotChangeable()
    payout.status = Payout.Status.HELD
    payout.save(update_fields=["status", "updated_at"])
    return payout


@transaction.atomic
def payout_release(*, payout_id: int, now: datetime | None = None) -> Payout:
    """A held payout goes back to the queue, due now."""
    payout = _lock_payout(payout_id)
    if payout.status != Payout.Status.HELD:
        raise PayoutNotChangeable()
    payout.status, payout.next_attempt_at = Payout.Status.PENDING, now or timezone.now()
    payout.save(update_fields=["status", "next_attempt_at", "updated_at"])
    return payout


def payout_retry(*, payout_id: int, now: datetime | None = None) -> Payout:
    """Send a failed payout again now (an admin's retry), whatever its backoff."""
    with transaction.atomic():
        payout = _lock_payout(payout_id)
        if payout.status != Payout.Status.FAILED:
            raise PayoutNotChangeable()
    return payout_send(payout_id=payout_id, now=now, force=True)


def payouts_send_due(*, now: datetime | None = None, batch: int = 100) -> int:
    """Send the payouts due (pending, or failed and due for retry under the attempt limit).

    Due rows are locked with ``SKIP LOCKED``, one transaction per payout, so two workers never
    send the same payout and a crash loses at most the payout in hand (its ledger key makes the
    retry post once)."""
    now = now or timezone.now()
    sent = 0
    while sent < batch:
        with transaction.atomic():
            payout_id = (
                Payout.objects.select_for_update(skip_locked=True)
                .filter(
                    status__in=(Payout.Status.PENDING, Payout.Status.FAILED),
                    attempts__lt=settings.PAYOUT_MAX_ATTEMPTS,
                    next_attempt_at__lte=now,
                )
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)
                .first()
            )
            if payout_id is None:
                return sent
            payout_send(payout_id=payout_id, now=now)
        sent += 1
    return sent
