"""Ledger reads: balances are SQL sums over the lines, never rows loaded into Python.

``account_balance`` and ``trial_balance`` give the raw signed balance (debit positive, credit
negative), so the trial balance sums to zero. ``merchant_payable_balance`` and ``escrow_balance``
give the amount the platform owes (the liability's credit balance as a positive number).

The sums run over whole fen (``ROUND(amount * 100)``): exact on PostgreSQL's ``numeric`` and
on SQLite too, where a decimal column is summed in floating point but integral values stay exact
(see decision 0005).
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce, Round

from common.money import FEN, ZERO
from payments.ledger.models import MERCHANT_PAYABLE_PREFIX, JournalLine, LedgerAccount, SystemAccount

_WHOLE = DecimalField(max_digits=20, decimal_places=0)


def _fen_sum(field: str) -> Coalesce:
    """SUM of the amounts in whole fen, 0 when there are none."""
    return Coalesce(Sum(Round(F(field) * Value(100)), output_field=_WHOLE), Value(0), output_field=_WHOLE)


def _yuan(total_fen) -> Decimal:
    return (Decimal(total_fen) * FEN).quantize(FEN)


def _sum(lines, as_of: datetime | None) -> Decimal:
    if as_of is not None:
        lines = lines.filter(entry__created_at__lte=as_of)
    return _yuan(lines.aggregate(total=_fen_sum("amount"))["total"])


def account_balance(account: LedgerAccount, *, as_of: datetime | None = None) -> Decimal:
    """Signed balance (debit positive) of one account, of the entries created up to ``as_of``."""
    return _sum(JournalLine.objects.filter(account=account), as_of)


def trial_balance() -> list[tuple[LedgerAccount, Decimal]]:
    """Every account with its signed balance, in one aggregate query; the balances sum to zero."""
    accounts = LedgerAccount.objects.select_related("shop").annotate(balance_fen=_fen_sum("lines__amount"))
    return [(account, _yuan(account.balance_fen)) for account in accounts.order_by("code")]


def merchant_payable_balance(shop, *, as_of: datetime | None = None) -> Decimal:
    """What the platform owes the shop (positive), zero before its first posting."""
    lines = JournalLine.objects.filter(account__code=f"{MERCHANT_PAYABLE_PREFIX}{shop.pk}")
    return ZERO - _sum(lines, as_of)


def escrow_balance(*, as_of: datetime | None = None) -> Decimal:
    """What the platform holds for paid orders not yet redeemed or refunded (positive)."""
    return ZERO - _sum(JournalLine.objects.filter(account__code=SystemAccount.ESCROW), as_of)
