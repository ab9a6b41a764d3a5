"""Ledger writes: post a balanced entry (idempotently), reverse one, and the money-path postings.

Every function here is keyword-only and atomic: an entry and its lines are written together or not
at all. A refusal raises a ``payments.ledger.errors`` DomainError before anything is written, so a
caller's transaction stays usable. Posting the same idempotency key again returns the stored entry
and writes nothing (a key reused for *different* lines is refused). Amounts are Decimal and must
already be exact to the fen: the ledger never rounds (round with ``common.money.quantize_fen``
where the amount is born). Account ids are cached per process and entries are written without
savepoints (decision 0014).
"""

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils.translation import gettext_lazy as _

from common.money import FEN, ZERO
from common.sql import insert_columns, mark_saved
from payments.ledger.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
    InsufficientPayable,
    InvalidEntry,
    NotReversible,
    UnbalancedEntry,
)
from payments.ledger.models import (
    MERCHANT_PAYABLE_PREFIX,
    SYSTEM_ACCOUNT_KINDS,
    AccountKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    SystemAccount,
)
from payments.ledger.selectors import merchant_payable_balance

#: The largest absolute amount a line can hold: DecimalField(max_digits=12, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999.99")
KEY_MAX_LENGTH = JournalEntry._meta.get_field("idempotency_key").max_length
#: What a journal line holds, in the order the one-statement write on PostgreSQL inserts it.
LINE_FIELDS = ("entry", "account", "amount", "currency")


class Reference(NamedTuple):
    """What an entry is about, as strings (the order, voucher and payout models come later)."""

    type: str
    id: str


class Line(NamedTuple):
    """One leg to post: a signed amount (debit positive, credit negative) on an account."""

    account: LedgerAccount
    amount: Decimal
    currency: str = settings.CURRENCY


ORDER = "order"
PAYOUT = "payout"
SHOP = "shop"


# --- the chart of accounts ----------------------------------------------------------------------


#: Ledger accounts by code, shared by the requests of this process (decision 0014). An account row
#: is never changed or deleted once it exists, so its id is cached for good; a row enters the cache
#: only after the transaction that read or created it commits, so a rolled-back creation is never
#: remembered. Tests that empty the database clear it (``account_cache_clear``).
_accounts: dict[str, LedgerAccount] = {}


def account_cache_clear() -> None:
    """Forget the cached accounts (after the tables were emptied under a running process: tests)."""
    _accounts.clear()


def redemption_accounts_known(shops) -> dict | None:
    """The ids a redemption at one of ``shops`` posts to, when this process knows them all (no
    query): ``{"escrow": id, "revenue": id, "payables": [id per shop]}`` in ``settings.CURRENCY``;
    None otherwise (the general path then reads or creates them, and remembers them)."""
    codes = [SystemAccount.ESCROW, SystemAccount.COMMISSION_REVENUE, *(_payable_code(shop) for shop in shops)]
    accounts = [_accounts.get(code) for code in codes]
    if any(account is None or account.currency != settings.CURRENCY for account in accounts):
        return None
    return {"escrow": accounts[0].pk, "revenue": accounts[1].pk, "payables": [a.pk for a in accounts[2:]]}


def _accounts_by_code(wanted: dict[str, dict]) -> dict[str, LedgerAccount]:
    """The accounts with these codes, created on first use with ``wanted[code]`` as defaults.

    From the process cache when they are known (no query); otherwise one ``SELECT … WHERE code IN``
    for the missing ones and a ``get_or_create`` (unique code: safe under races) for any that does
    not exist yet.
    """
    found = {code: _accounts[code] for code in wanted if code in _accounts}
    if len(found) == len(wanted):
        return found
    missing = [code for code in wanted if code not in found]
    fetched = {account.code: account for account in LedgerAccount.objects.filter(code__in=missing)}
    for code in missing:
        if code not in fetched:
            fetched[code], _created = LedgerAccount.objects.get_or_create(code=code, defaults=wanted[code])
    transaction.on_commit(partial(_accounts.update, fetched))
    return {**found, **fetched}


def _system_defaults(code: str) -> dict:
    if code not in SYSTEM_ACCOUNT_KINDS:
        raise ValueError(f"unknown system account {code!r}")
    return {"kind": SYSTEM_ACCOUNT_KINDS[code], "currency": settings.CURRENCY}


def _payable_code(shop) -> str:
    return f"{MERCHANT_PAYABLE_PREFIX}{shop.pk}"


def _payable_defaults(shop) -> dict:
    return {"kind": AccountKind.LIABILITY, "shop": shop, "currency": settings.CURRENCY}


def system_account(code: str) -> LedgerAccount:
    """The platform account with this code, created on first use (unique code: safe under races)."""
    return _accounts_by_code({code: _system_defaults(code)})[code]


def merchant_payable_account(shop) -> LedgerAccount:
    """What the platform owes one shop (a liability), created on first use under a unique code."""
    code = _payable_code(shop)
    return _accounts_by_code({code: _payable_defaults(shop)})[code]


def chart_ensure() -> list[LedgerAccount]:
    """Create every platform account that does not exist yet; running it again changes nothing."""
    return [system_account(code) for code in SystemAccount.values]


# --- posting ------------------------------------------------------------------------------------


def _validated_lines(lines: Sequence, currency: str) -> list[Line]:
    if len(lines) < 2:
        raise InvalidEntry(_("A ledger entry needs at least two lines."))
    checked = []
    for raw in lines:
        line = Line(*raw)
        if not isinstance(line.amount, Decimal) or not line.amount.is_finite():
            raise InvalidEntry(_("Ledger amounts must be finite Decimal values."))
        if abs(line.amount) > MAX_AMOUNT:
            raise InvalidEntry(_("A ledger amount is too large."))
        if line.amount != line.amount.quantize(FEN):
            raise InvalidEntry(_("Ledger amounts must be exact to the fen."))
        if line.amount == 0:
            raise InvalidEntry(_("A ledger line cannot be zero."))
        if line.account.pk is None:
            raise InvalidEntry(_("A ledger line needs a saved account."))
        if line.currency != currency or line.account.currency != currency:
            raise InvalidEntry(_("All lines of a ledger entry must be in one currency."))
        checked.append(Line(line.account, line.amount.quantize(FEN), line.currency))
    if sum((line.amount for line in checked), ZERO) != 0:
        raise UnbalancedEntry()
    return checked


def _replayed(*, idempotency_key: str, kind: str, lines: list[Line], reverses) -> JournalEntry | None:
    """The entry already stored under this key if it is the same posting; refuse a different one."""
    entry = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is None:
        return None
    stored = Counter(entry.lines.values_list("account_id", "amount", "currency"))
    asked = Counter((line.account.pk, line.amount, line.currency) for line in lines)
    same_reverses = entry.reverses_id == (reverses.pk if reverses is not None else None)
    if entry.kind != kind or stored != asked or not same_reverses:
        raise IdempotencyKeyReused(extra={"entry_id": entry.pk})
    return entry


def _write_entry(
    *,
    kind: str,
    idempotency_key: str,
    memo: str,
    reference: Reference,
    reverses,
    currency: str,
    lines: list[Line],
) -> JournalEntry | None:
    """Insert the entry with ``ON CONFLICT (idempotency_key) DO NOTHING`` and, only when it was
    inserted, its lines: the new entry, or None when the key is taken (a replay, or a concurrent
    post that committed first: the insert waits for it). No savepoint either way.

    On PostgreSQL both inserts are one statement (a data-modifying ``WITH``); elsewhere (SQLite,
    3.35+ for ``RETURNING``) the entry, then ``bulk_create`` of the lines.
    """
    entry = JournalEntry(
        kind=kind,
        idempotency_key=idempotency_key,
        memo=memo,
        reference_type=reference.type,
        reference_id=str(reference.id),
        reverses=reverses,
        currency=currency,
    )
    connection = connections[router.db_for_write(JournalEntry)]
    quote = connection.ops.quote_name
    columns, placeholders, params = insert_columns(entry, connection)
    table = quote(JournalEntry._meta.db_table)
    key = quote(JournalEntry._meta.get_field("idempotency_key").column)
    insert = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names from _meta; values are params
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(JournalEntry._meta.pk.column)}"
    )
    if connection.vendor == "postgresql":
        # the columns of every JournalLine field (a test keeps LINE_FIELDS equal to the model's)
        line_columns = ", ".join(quote(JournalLine._meta.get_field(name).column) for name in LINE_FIELDS)
        sql = (
            f"WITH entry AS ({insert}), line AS ("  # noqa: S608 - names from _meta; values are params
            f"INSERT INTO {quote(JournalLine._meta.db_table)} ({line_columns}) "
            f"SELECT entry.id, l.account_id, l.amount, l.currency FROM entry, "
            f"unnest(%s::bigint[], %s::numeric[], %s::varchar[]) AS l(account_id, amount, currency)) "
            f"SELECT id FROM entry"
        )
        params += [
            [line.account.pk for line in lines],
            [line.amount for line in lines],
            [line.currency for line in lines],
        ]
    else:
        sql = insert
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    mark_saved(entry, row[0], connection)
    if connection.vendor != "postgresql":
        JournalLine.objects.bulk_create(
            JournalLine(entry=entry, account=line.account, amount=line.amount, currency=line.currency)
            for line in lines
        )
    return entry


def _post(
    *,
    kind: str,
    lines: Sequence,
    idempotency_key: str,
    memo: str,
    reference: Reference | None,
    currency: str,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Validate, then write the entry and its lines (one statement on PostgreSQL) or return the replay.

    Every refusal of the input is raised before anything is written. The insert runs without a
    savepoint (the key conflict is handled by ``ON CONFLICT``), so a caller's transaction pays no
    extra round trips; a reversal keeps one, because losing the race on ``reverses`` (unique) is an
    ``IntegrityError`` that must roll back only this attempt.
    """
    if kind not in JournalEntry.Kind.values:
        raise InvalidEntry(_("Unknown ledger entry kind."))
    if not idempotency_key or len(idempotency_key) > KEY_MAX_LENGTH:
        raise InvalidEntry(_("A ledger entry needs an idempotency key of at most 200 characters."))
    checked = _validated_lines(lines, currency)
    try:
        with transaction.atomic(savepoint=reverses is not None):
            entry = _write_entry(
                kind=kind,
                idempotency_key=idempotency_key,
                memo=memo,
                reference=reference or Reference("", ""),
                reverses=reverses,
                currency=currency,
                lines=checked,
            )
    except IntegrityError:
        if reverses is not None and JournalEntry.objects.filter(reverses=reverses).exists():
            raise AlreadyReversed() from None
        raise
    if entry is None:
        # the key is taken: the same posting returns the stored entry, a different one is refused
        replay = _replayed(idempotency_key=idempotency_key, kind=kind, lines=checked, reverses=reverses)
        if replay is None:  # pragma: no cover - ledger rows are never deleted
            raise RuntimeError(f"idempotency key {idempotency_key!r} conflicted but no entry holds it")
        return replay
    return entry


def ledger_post(
    *,
    kind: str,
    lines: Sequence[tuple[LedgerAccount, Decimal] | tuple[LedgerAccount, Decimal, str]],
    idempotency_key: str,
    memo: str = "",
    reference: Reference | tuple[str, str] | None = None,
    currency: str = settings.CURRENCY,
) -> JournalEntry:
    """Post one balanced entry; the same key again returns the stored entry and writes nothing.

    ``lines`` are ``(account, amount)`` or ``(account, amount, currency)`` with signed amounts,
    debit positive and credit negative. Refused (``InvalidEntry`` / ``UnbalancedEntry``) unless
    there are at least two lines, every amount is a non-zero Decimal exact to the fen, one
    currency is used throughout and the amounts sum to exactly zero. Reversing kinds are posted
    with ``ledger_reverse``.
    """
    if kind in JournalEntry.REVERSING_KINDS:
        raise InvalidEntry(_("Reversals are posted with ledger_reverse."))
    return _post(
        kind=kind,
        lines=lines,
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(*reference) if reference else None,
        currency=currency,
    )


def ledger_reverse(
    *,
    entry: JournalEntry,
    idempotency_key: str,
    memo: str = "",
    kind: str = JournalEntry.Kind.REVERSAL,
) -> JournalEntry:
    """Post the negation of ``entry`` (same accounts, opposite signs) with ``reverses=entry``.

    An entry is reversed at most once (``AlreadyReversed``, guarded by a unique constraint), and a
    reversal is not reversed itself (``NotReversible``). The same key again returns the reversal.
    """
    if kind not in JournalEntry.REVERSING_KINDS:
        raise InvalidEntry(_("Unknown reversing kind."))
    if entry.kind in JournalEntry.REVERSING_KINDS:
        raise NotReversible()
    lines = [
        Line(line.account, -line.amount, line.currency)
        for line in entry.lines.select_related("account").order_by("id")
    ]
    with transaction.atomic():
        checked = _validated_lines(lines, entry.currency)
        replay = _replayed(idempotency_key=idempotency_key, kind=kind, lines=checked, reverses=entry)
        if replay is not None:
            return replay
        if JournalEntry.objects.filter(reverses=entry).exists():
            raise AlreadyReversed()
        return _post(
            kind=kind,
            lines=checked,
            idempotency_key=idempotency_key,
            memo=memo,
            reference=Reference(entry.reference_type, entry.reference_id),
            currency=entry.currency,
            reverses=entry,
        )


# --- the money path -----------------------------------------------------------------------------


def _positive(amount: Decimal, *, allow_zero: bool = False) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidEntry(_("Ledger amounts must be finite Decimal values."))
    if abs(amount) > MAX_AMOUNT:
        raise InvalidEntry(_("A ledger amount is too large."))
    if amount != amount.quantize(FEN):
        raise InvalidEntry(_("Ledger amounts must be exact to the fen."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidEntry(_("The amount must be positive."))
    return amount.quantize(FEN)


def post_payment_received(
    *, order_ref: str, amount: Decimal, idempotency_key: str, memo: str = ""
) -> JournalEntry:
    """The owner paid: debit provider clearing (cash at the provider), credit escrow."""
    amount = _positive(amount)
    return _post(
        kind=JournalEntry.Kind.PAYMENT,
        lines=[
            Line(system_account(SystemAccount.PROVIDER_CLEARING), amount),
            Line(system_account(SystemAccount.ESCROW), -amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(ORDER, str(order_ref)),
        currency=settings.CURRENCY,
    )


def post_refund(*, order_ref: str, amount: Decimal, idempotency_key: str, memo: str = "") -> JournalEntry:
    """An unredeemed order is refunded: debit escrow, credit provider clearing."""
    amount = _positive(amount)
    return _post(
        kind=JournalEntry.Kind.REFUND,
        lines=[
            Line(system_account(SystemAccount.ESCROW), amount),
            Line(system_account(SystemAccount.PROVIDER_CLEARING), -amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(ORDER, str(order_ref)),
        currency=settings.CURRENCY,
    )


def post_redemption(
    *,
    shop,
    order_ref: str,
    gross_amount: Decimal,
    commission_amount: Decimal,
    subsidy_amount: Decimal = ZERO,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """A voucher was redeemed: the order leaves escrow for the shop and the platform.

    Debit escrow ``gross``, debit campaign subsidies ``subsidy`` (platform-funded discount),
    credit the shop's merchant payable ``gross - commission + subsidy``, credit commission revenue
    ``commission``. Zero legs are left out.
    """
    gross_amount = _positive(gross_amount)
    commission_amount = _positive(commission_amount, allow_zero=True)
    subsidy_amount = _positive(subsidy_amount, allow_zero=True)
    merchant_amount = gross_amount - commission_amount + subsidy_amount
    if merchant_amount < 0:
        raise InvalidEntry(_("The commission exceeds what the order pays."))
    payable = _payable_code(shop)
    wanted = {payable: _payable_defaults(shop)}
    for code in (SystemAccount.ESCROW, SystemAccount.CAMPAIGN_SUBSIDIES, SystemAccount.COMMISSION_REVENUE):
        wanted[code] = _system_defaults(code)
    accounts = _accounts_by_code(wanted)  # from the process cache: no query once they are known
    legs = [
        Line(accounts[SystemAccount.ESCROW], gross_amount),
        Line(accounts[SystemAccount.CAMPAIGN_SUBSIDIES], subsidy_amount),
        Line(accounts[payable], -merchant_amount),
        Line(accounts[SystemAccount.COMMISSION_REVENUE], -commission_amount),
    ]
    return _post(
        kind=JournalEntry.Kind.REDEMPTION,
        lines=[leg for leg in legs if leg.amount != 0],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(ORDER, str(order_ref)),
        currency=settings.CURRENCY,
    )


def post_redemption_undo(*, redemption: JournalEntry, idempotency_key: str, memo: str = "") -> JournalEntry:
    """A manager undid a redemption: the exact negation of the redemption entry, kind redemption_undo."""
    if redemption.kind != JournalEntry.Kind.REDEMPTION:
        raise InvalidEntry(_("Only a redemption can be undone."))
    return ledger_reverse(
        entry=redemption, idempotency_key=idempotency_key, memo=memo, kind=JournalEntry.Kind.REDEMPTION_UNDO
    )


def post_penalty(
    *, shop, amount: Decimal, idempotency_key: str, reference: Reference | None = None, memo: str = ""
) -> JournalEntry:
    """A penalty is deducted from the shop: debit merchant payable, credit penalty revenue."""
    amount = _positive(amount)
    return _post(
        kind=JournalEntry.Kind.PENALTY,
        lines=[
            Line(merchant_payable_account(shop), amount),
            Line(system_account(SystemAccount.PENALTY_REVENUE), -amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(*reference) if reference else Reference(SHOP, str(shop.pk)),
        currency=settings.CURRENCY,
    )


def post_subsidy(
    *, shop, amount: Decimal, idempotency_key: str, reference: Reference | None = None, memo: str = ""
) -> JournalEntry:
    """A campaign subsidy paid to a shop outside a redemption: debit subsidies, credit merchant payable."""
    amount = _positive(amount)
    return _post(
        kind=JournalEntry.Kind.SUBSIDY,
        lines=[
            Line(system_account(SystemAccount.CAMPAIGN_SUBSIDIES), amount),
            Line(merchant_payable_account(shop), -amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(*reference) if reference else Reference(SHOP, str(shop.pk)),
        currency=settings.CURRENCY,
    )


def post_payout(
    *, shop, amount: Decimal, payout_ref: str, idempotency_key: str, memo: str = ""
) -> JournalEntry:
    """The platform paid the shop: debit merchant payable, credit payouts sent (bank).

    Refused (``InsufficientPayable``) when ``amount`` exceeds what the platform owes the shop; the
    payable account row is locked while that is checked, so two payouts cannot both pass.
    """
    amount = _positive(amount)
    payable = merchant_payable_account(shop)
    lines = [Line(payable, amount), Line(system_account(SystemAccount.PAYOUTS_SENT), -amount)]
    with transaction.atomic():
        LedgerAccount.objects.select_for_update().get(pk=payable.pk)
        replay = _replayed(
            idempotency_key=idempotency_key,
            kind=JournalEntry.Kind.PAYOUT,
            lines=_validated_lines(lines, settings.CURRENCY),
            reverses=None,
        )
        if replay is not None:
            return replay
        owed = merchant_payable_balance(shop)
        if amount > owed:
            raise InsufficientPayable(extra={"payable": str(owed)})
        return _post(
            kind=JournalEntry.Kind.PAYOUT,
            lines=lines,
            idempotency_key=idempotency_key,
            memo=memo,
            reference=Reference(PAYOUT, str(payout_ref)),
            currency=settings.CURRENCY,
        )


def post_payout_failed(
    *, shop, amount: Decimal, payout_ref: str, idempotency_key: str, memo: str = ""
) -> JournalEntry:
    """The bank returned a payout: debit payouts sent, credit merchant payable (owed again)."""
    amount = _positive(amount)
    return _post(
        kind=JournalEntry.Kind.PAYOUT_FAILED,
        lines=[
            Line(system_account(SystemAccount.PAYOUTS_SENT), amount),
            Line(merchant_payable_account(shop), -amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        reference=Reference(PAYOUT, str(payout_ref)),
        currency=settings.CURRENCY,
    )
