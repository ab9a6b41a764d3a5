"""Settlement reads: reconciliation of a period against the ledger, statements, charts, payouts.

Sums run in SQL over whole fen (like the ledger's selectors), so they are exact on SQLite too.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import CharField, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from common.errors import NotFound, PermissionDenied
from common.money import FEN, ZERO
from payments.checkout.models import Payment, Refund
from payments.ledger.models import MERCHANT_PAYABLE_PREFIX, JournalLine, SystemAccount
from payments.settlement.models import Payout, Penalty, SettlementRun, Statement
from payments.vouchers.models import Redemption
from shops.models import Membership, Shop

_WHOLE = DecimalField(max_digits=20, decimal_places=0)


def _fen_sum(expr: str, *, filter=None) -> Coalesce:  # noqa: A002 - Django's own keyword
    return Coalesce(
        Sum(Round(F(expr) * Value(100)), filter=filter, output_field=_WHOLE), Value(0), output_field=_WHOLE
    )


def _yuan(fen) -> Decimal:
    return (Decimal(fen or 0) * FEN).quantize(FEN)


def _day_bounds(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day_from, time.min))
    end = timezone.make_aware(datetime.combine(day_to + timedelta(days=1), time.min))
    return start, end


# --- statements -----------------------------------------------------------------------------------


def statement_list_for_period(period_end: date) -> QuerySet[Statement]:
    return (
        Statement.objects.filter(period_end=period_end)
        .select_related("shop", "shop__district", "payout")
        .order_by("shop__name", "shop_id")
    )


def statement_list_for_manager(*, user, shop_id: int) -> tuple[Shop, QuerySet[Statement]]:
    """A shop's statements for its manager: another shop is 404, a technician or cashier 403."""
    if not user.is_authenticated:
        raise NotFound()
    membership = Membership.objects.filter(shop_id=shop_id, user=user).select_related("shop").first()
    if membership is None:
        raise NotFound()
    if membership.role != Membership.Role.MANAGER:
        raise PermissionDenied()
    statements = Statement.objects.filter(shop_id=shop_id).select_related("payout").order_by("-period_end")
    return membership.shop, statements


def statement_get_for_manager(*, user, shop_id: int, statement_id: int) -> Statement:
    _shop, statements = statement_list_for_manager(user=user, shop_id=shop_id)
    statement = statements.filter(pk=statement_id).first()
    if statement is None:
        raise NotFound()
    return statement


def statement_redemptions(statement: Statement) -> QuerySet[Redemption]:
    """The orders behind a statement (its shop's live redemptions in its range of redemption
    time), with the ledger entry each was posted as."""
    return (
        Redemption.objects.filter(
            shop_id=statement.shop_id,
            redeemed_at__gte=statement.covers_from,
            redeemed_at__lt=statement.covers_until,
            undone_at__isnull=True,
        )
        .select_related("booking", "shop", "ledger_entry")
        .order_by("redeemed_at", "pk")
    )


def redemption_is_settled() -> Exists:
    """For annotating redemptions: whether a statement of its shop covers its moment already."""
    return Exists(
        Statement.objects.filter(shop_id=OuterRef("shop_id"), covers_until__gt=OuterRef("redeemed_at"))
    )


def redemption_list_unsettled(shop_id: int) -> QuerySet[Redemption]:
    """A shop's live redemptions that no statement covers yet (its next statement's, once past
    the undo window)."""
    return Redemption.objects.filter(shop_id=shop_id, undone_at__isnull=True).exclude(redemption_is_settled())


# --- reconciliation -------------------------------------------------------------------------------


@dataclass
class ReconRow:
    statement: Statement
    ledger_merchant: Decimal
    ledger_commission: Decimal
    ledger_penalty: Decimal
    payout_amount: Decimal
    payout_status: str
    ledger_paid_out: Decimal

    @property
    def difference(self) -> Decimal:
        s = self.statement
        return (
            (s.merchant_amount - self.ledger_merchant)
            + (s.commission_amount - self.ledger_commission)
            + (s.penalty_amount - self.ledger_penalty)
        )

    @property
    def payout_difference(self) -> Decimal:
        """A paid payout must be in the ledger's payouts sent; anything else must not."""
        return (
            self.payout_amount if self.payout_status == Payout.Status.PAID else ZERO
        ) - self.ledger_paid_out


@dataclass
class Reconciliation:
    period_end: date
    rows: list[ReconRow]
    gross_bookings: Decimal
    refunds: Decimal
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal:
        return sum((row.difference + row.payout_difference for row in self.rows), ZERO)

    @property
    def differing_rows(self) -> list[ReconRow]:
        return [row for row in self.rows if row.difference or row.payout_difference]


def reconciliation_for_period(period_end: date) -> Reconciliation:
    """Each statement of the period beside what the ledger says for the same redemptions,
    penalties and payout; totals for the period. A handful of aggregate queries."""
    statements = list(statement_list_for_period(period_end))
    ids = [s.pk for s in statements]
    merchant_q = Q(ledger_entry__lines__account__code__startswith=MERCHANT_PAYABLE_PREFIX)
    commission_q = Q(ledger_entry__lines__account__code=SystemAccount.COMMISSION_REVENUE)
    covered = (
        Redemption.objects.filter(
            shop_id=OuterRef("shop_id"),
            redeemed_at__gte=OuterRef("covers_from"),
            redeemed_at__lt=OuterRef("covers_until"),
            undone_at__isnull=True,
        )
        .order_by()
        .values("shop_id")
    )
    line = "ledger_entry__lines__amount"
    by_redemptions = {
        row["pk"]: row
        for row in Statement.objects.filter(pk__in=ids)
        .annotate(
            merchant=Subquery(
                covered.annotate(fen=_fen_sum(line, filter=merchant_q)).values("fen"),
                output_field=_WHOLE,
            ),
            commission=Subquery(
                covered.annotate(fen=_fen_sum(line, filter=commission_q)).values("fen"),
                output_field=_WHOLE,
            ),
        )
        .values("pk", "merchant", "commission")
    }
    by_penalties = {
        row["statement_id"]: row["penalty"]
        for row in Penalty.objects.filter(statement_id__in=ids)
        .values("statement_id")
        .annotate(penalty=_fen_sum("ledger_entry__lines__amount", filter=merchant_q))
    }
    paid_out = (
        JournalLine.objects.filter(
            entry__reference_type="payout",
            entry__reference_id=Cast(OuterRef("pk"), CharField()),
            account__code=SystemAccount.PAYOUTS_SENT,
        )
        .values("entry__reference_id")
        .annotate(total=_fen_sum("amount"))
        .values("total")
    )
    payouts = {
        p.statement_id: p
        for p in Payout.objects.filter(statement_id__in=ids).annotate(
            ledger_fen=Coalesce(Subquery(paid_out, output_field=_WHOLE), Value(0), output_field=_WHOLE)
        )
    }
    rows = []
    for s in statements:
        r = by_redemptions.get(s.pk, {})
        payout = payouts.get(s.pk)
        rows.append(
            ReconRow(
                statement=s,
                ledger_merchant=-_yuan(r.get("merchant")),
                ledger_commission=-_yuan(r.get("commission")),
                ledger_penalty=_yuan(by_penalties.get(s.pk)),
                payout_amount=payout.amount if payout else ZERO,
                payout_status=payout.status if payout else "",
                ledger_paid_out=-_yuan(payout.ledger_fen) if payout else ZERO,
            )
        )
    start, end = _day_bounds(period_end, period_end)
    gross = Payment.objects.filter(
        status=Payment.Status.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end
    ).aggregate(total=_fen_sum("amount"))["total"]
    refunds = Refund.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        total=_fen_sum("amount")
    )["total"]
    totals = {
        "redemptions": sum((s.gross_amount for s in statements), ZERO),
        "redemption_count": sum(s.redemption_count for s in statements),
        "commission": sum((s.commission_amount for s in statements), ZERO),
        "subsidies": sum((s.subsidy_amount for s in statements), ZERO),
        "merchant": sum((s.merchant_amount for s in statements), ZERO),
        "penalties": sum((s.penalty_amount for s in statements), ZERO),
        "net": sum((s.net_amount for s in statements), ZERO),
        "payouts": sum((row.payout_amount for row in rows), ZERO),
        "paid_out": sum((row.ledger_paid_out for row in rows), ZERO),
    }
    return Reconciliation(
        period_end=period_end, rows=rows, gross_bookings=_yuan(gross), refunds=_yuan(refunds), totals=totals
    )


def settlement_periods(limit: int = 60) -> list[date]:
    """The periods that have statements, newest first."""
    return list(
        Statement.objects.order_by("-period_end").values_list("period_end", flat=True).distinct()[:limit]
    )


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    percent: int


def _bars(pairs) -> list[Bar]:
    pairs = list(pairs)
    top = max((amount for _label, amount in pairs), default=ZERO)
    return [Bar(str(label), amount, int(amount * 100 / top) if top > 0 else 0) for label, amount in pairs]


def commission_by_day(period_end: date, *, days: int = 14) -> list[Bar]:
    """Commission of the settled statements of each of the ``days`` periods up to ``period_end``."""
    first = period_end - timedelta(days=days - 1)
    sums = {
        row["period_end"]: _yuan(row["fen"])
        for row in Statement.objects.filter(period_end__gte=first, period_end__lte=period_end)
        .values("period_end")
        .annotate(fen=_fen_sum("commission_amount"))
    }
    return _bars(
        (f"{day:%m-%d}", sums.get(day, ZERO)) for day in (first + timedelta(days=n) for n in range(days))
    )


def commission_by_city(period_end: date) -> list[Bar]:
    rows = (
        Statement.objects.filter(period_end=period_end)
        .values("shop__district__city_zh")
        .annotate(fen=_fen_sum("commission_amount"))
        .order_by("-fen")
    )
    return _bars((row["shop__district__city_zh"] or "—", _yuan(row["fen"])) for row in rows)


def settlement_run_list() -> QuerySet[SettlementRun]:
    return SettlementRun.objects.select_related("started_by").order_by("-created_at", "-id")


def payout_list(*, status: str | None = None) -> QuerySet[Payout]:
    payouts = Payout.objects.select_related("shop", "statement").order_by("-created_at", "-id")
    return payouts.filter(status=status) if status else payouts
