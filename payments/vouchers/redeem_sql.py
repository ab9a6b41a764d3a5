"""The usual redemption as one statement on PostgreSQL (decision 0016).

A counter's redemption that goes through (the code names an issued, unexpired voucher of one of
the counter's shops, its order is paid, no rule of the order's services has a rate of its own, no
replay, the process knows the ledger accounts) is written by one data-modifying ``WITH`` in
autocommit, its own transaction: lock the voucher and its order (``FOR UPDATE``), pick the
commission rate, post the journal entry and its lines, insert the redemption, mark the voucher
redeemed, log the attempt. One round trip instead of six (BEGIN, lock, rules, entry, redemption,
COMMIT). The accounts' ids come from the process's cache (``ledger.redemption_accounts_known``),
filled by the general path.

Anything else returns no row and writes nothing, and the caller runs the general path in Python
(``services.voucher_redeem_code``), which answers every refusal, replay and special case as before.
So this statement only has to be right about the success it claims: a test runs the same
redemptions through both paths and compares every row written, and another keeps the columns
named here equal to the models'.

Concurrency: the lock is taken on the rows that match at the statement's start; when a concurrent
transaction changed one of them meanwhile, PostgreSQL waits for it, re-reads the row and checks the
conditions again (the voucher still issued, the order still paid), so a code redeemed a moment
earlier gives no row here, and a 409 from the general path.
"""

from decimal import Decimal

from django.conf import settings
from django.db import connections, router

from bookings.models import Booking, BookingLine
from common.sql import mark_saved
from parts.models import ServiceItem
from payments.ledger import services as ledger
from payments.ledger.models import JournalEntry, JournalLine
from payments.ledger.services import ORDER
from payments.settlement.models import CommissionRule
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from shops.models import Shop

#: What each written table gets, column by field name: every concrete field but the primary key
#: (``tests/console/test_redeem_one_statement.py`` keeps these equal to the models' fields).
ENTRY_VALUES = {
    "kind": "%(entry_kind)s",
    "idempotency_key": "'redemption:' || ok.voucher_id || ':' || %(staff)s || ':' || %(request_id)s",
    "memo": "''",
    "reference_type": "%(reference_type)s",
    "reference_id": "ok.booking_id::text",
    "reverses": "NULL",
    "currency": "%(currency)s",
    "created_at": "%(now)s",
}
LINE_VALUES = {
    "entry": "entry.id",
    "account": "l.account_id",
    "amount": "l.amount",
    "currency": "%(currency)s",
}
REDEMPTION_VALUES = {
    "voucher": "ok.voucher_id",
    "booking": "ok.booking_id",
    "additional_work": "NULL",
    "shop": "ok.shop_id",
    "redeemed_by": "%(staff)s",
    "request_id": "%(request_id)s",
    "redeemed_at": "%(now)s",
    "gross_amount": "ok.gross",
    "commission_rate": "ok.rate",
    "commission_amount": "ok.commission",
    "subsidy_amount": "0",
    "merchant_amount": "ok.gross - ok.commission",
    "currency": "ok.currency",
    "ledger_entry": "entry.id",
    "undone_at": "NULL",
    "undone_by": "NULL",
    "undo_ledger_entry": "NULL",
}
ATTEMPT_VALUES = {
    "shop": "ok.shop_id",
    "staff": "%(attempt_staff)s",
    "step": "%(attempt_step)s",
    "outcome": "%(attempt_outcome)s",
    "is_failure": "%(attempt_is_failure)s",
    "created_at": "%(attempt_at)s",
}

#: The statement, with ``{Model}`` for a table and ``{Model.field}`` for a column (filled in from
#: ``_meta``), ``{lookup}`` for the digest column and ``%(name)s`` for the values.
TEMPLATE = """
WITH found AS (  -- the voucher and its order, locked: only one that can be redeemed here and now
    SELECT v.id AS voucher_id, v.{Voucher.booking} AS booking_id, v.{Voucher.shop} AS shop_id,
           b.{Booking.total_amount} AS gross, b.{Booking.currency} AS currency,
           b.{Booking.service_item_codes} AS codes, s.{Shop.commission_rate} AS shop_rate
    FROM {Voucher} v
    INNER JOIN {Booking} b ON b.id = v.{Voucher.booking}
    INNER JOIN {Shop} s ON s.id = v.{Voucher.shop}
    WHERE v.{lookup} = ANY(%(digests)s::varchar[]) AND v.{Voucher.shop} = ANY(%(shops)s::bigint[])
      AND v.{Voucher.status} = %(issued)s AND v.{Voucher.expires_at} > %(now)s
      AND b.{Booking.status} = %(paid)s AND b.{Booking.currency} = %(currency)s
      AND jsonb_typeof(b.{Booking.service_item_codes}) = 'array'
      AND jsonb_array_length(b.{Booking.service_item_codes}) > 0
      AND NOT EXISTS (SELECT 1 FROM {Redemption} r
                      WHERE r.{Redemption.redeemed_by} = %(staff)s
                        AND r.{Redemption.request_id} = %(request_id)s)
    ORDER BY v.id LIMIT 1
    FOR UPDATE OF v, b
), rules AS (  -- the rules that could apply to a service of the order (as commission._rules)
    SELECT r.id, r.{CommissionRule.rate} AS rate, r.{CommissionRule.shop} AS shop_id,
           r.{CommissionRule.service_item} AS service_item_id, r.{CommissionRule.valid_from} AS valid_from
    FROM found, {CommissionRule} r
    LEFT OUTER JOIN {ServiceItem} i ON i.id = r.{CommissionRule.service_item}
    WHERE (r.{CommissionRule.shop} = found.shop_id OR r.{CommissionRule.shop} IS NULL)
      AND (r.{CommissionRule.service_item} IS NULL OR found.codes ? i.{ServiceItem.code}
           OR i.{ServiceItem.code} IN (SELECT l.{BookingLine.service_item_code} FROM {BookingLine} l
                                       WHERE l.{BookingLine.booking} = found.booking_id))
      AND r.{CommissionRule.valid_from} <= %(now)s
      AND (r.{CommissionRule.valid_until} IS NULL OR r.{CommissionRule.valid_until} > %(now)s)
), split AS (  -- one rate for the whole order: the most specific shop-wide rule, else the agreement's
    SELECT found.*, rate.rate, round(found.gross * rate.rate, 2) AS commission
    FROM found CROSS JOIN LATERAL (
        SELECT COALESCE((SELECT rate FROM rules
                         ORDER BY (shop_id IS NOT NULL) DESC, valid_from DESC, id LIMIT 1),
                        found.shop_rate) AS rate) rate
    WHERE NOT EXISTS (SELECT 1 FROM rules WHERE service_item_id IS NOT NULL)
), ok AS (  -- the ledger's accounts (known to the process), the entry's checks
    SELECT split.*, %(escrow)s::bigint AS escrow_account,
           (%(payables)s::bigint[])[array_position(%(shops)s::bigint[], split.shop_id)] AS payable_account,
           %(revenue)s::bigint AS revenue_account
    FROM split WHERE split.gross > 0 AND split.commission <= split.gross
), entry AS (
    INSERT INTO {JournalEntry} ({entry_columns}) SELECT {entry_values} FROM ok
    ON CONFLICT ({JournalEntry.idempotency_key}) DO NOTHING RETURNING id
), line AS (  -- escrow to the shop's payable and the platform's commission; zero legs left out
    INSERT INTO {JournalLine} ({line_columns}) SELECT {line_values}
    FROM entry, ok, LATERAL (VALUES (ok.escrow_account, ok.gross),
                                    (ok.payable_account, ok.commission - ok.gross),
                                    (ok.revenue_account, -ok.commission)) AS l(account_id, amount)
    WHERE l.amount <> 0
), redemption AS (
    INSERT INTO {Redemption} ({redemption_columns}) SELECT {redemption_values} FROM ok, entry RETURNING id
), voucher AS (
    UPDATE {Voucher} SET {Voucher.status} = %(redeemed)s, {Voucher.redeemed_at} = %(now)s,
                         {Voucher.redeemed_by} = %(staff)s
    FROM redemption WHERE {Voucher}.id = (SELECT voucher_id FROM ok) RETURNING {Voucher}.id
), attempt AS (
    INSERT INTO {RedemptionAttempt} ({attempt_columns}) SELECT {attempt_values}
    FROM ok, redemption RETURNING id
)
SELECT redemption.id, entry.id, attempt.id, ok.voucher_id, ok.booking_id, ok.shop_id,
       ok.gross, ok.rate, ok.commission, ok.currency
FROM redemption, entry, attempt, voucher, ok
"""

MODELS = (
    Booking,
    BookingLine,
    CommissionRule,
    JournalEntry,
    JournalLine,
    Redemption,
    RedemptionAttempt,
    ServiceItem,
    Shop,
    Voucher,
)


class _Names:
    """``{Model}`` is the quoted table, ``{Model.field}`` a field's quoted column."""

    def __init__(self, model, quote):
        self._model, self._quote = model, quote

    def __format__(self, spec: str) -> str:
        return self._quote(self._model._meta.db_table)

    def __getattr__(self, name: str) -> str:
        return self._quote(self._model._meta.get_field(name).column)


_TEXTS: dict[tuple[str, str], str] = {}


def _compact(text: str) -> str:
    """``text`` without its comments and runs of blanks: psycopg keeps its conversion of a query
    (placeholders to ``$n``) only for texts up to 4 KB; a longer one is converted on every call."""
    return " ".join(" ".join(line.split("--")[0].split()) for line in text.splitlines()).strip()


def _statement(lookup: str, connection) -> str:
    """The text for vouchers found by ``lookup`` (``code_digest`` or ``qr_digest``): one text per
    column, so PostgreSQL prepares it once (decision 0015)."""
    key = (lookup, connection.alias)
    text = _TEXTS.get(key)
    if text is None:
        quote = connection.ops.quote_name
        names = {model.__name__: _Names(model, quote) for model in MODELS}
        for prefix, model, values in (
            ("entry", JournalEntry, ENTRY_VALUES),
            ("line", JournalLine, LINE_VALUES),
            ("redemption", Redemption, REDEMPTION_VALUES),
            ("attempt", RedemptionAttempt, ATTEMPT_VALUES),
        ):
            columns = ", ".join(quote(model._meta.get_field(name).column) for name in values)
            names[f"{prefix}_columns"], names[f"{prefix}_values"] = columns, ", ".join(values.values())
        names["lookup"] = quote(Voucher._meta.get_field(lookup).column)
        text = _TEXTS[key] = _compact(TEMPLATE.format(**names))
    return text


def redeem_in_one_statement(
    *, lookup: str, digests: list[str], shops, staff, request_id: str, now, attempt, currency: str
) -> Redemption | None:
    """The redemption, written with ``attempt`` (the counter's log row of a success); or None when
    this statement does not apply (nothing written: the caller takes the general path)."""
    connection = connections[router.db_for_write(Redemption)]
    if connection.vendor != "postgresql" or attempt is None or currency != settings.CURRENCY:
        return None
    accounts = ledger.redemption_accounts_known(shops)
    if accounts is None:
        return None
    params = {
        "digests": list(digests),
        "shops": [shop.pk for shop in shops],
        "issued": Voucher.Status.ISSUED.value,
        "paid": Booking.Status.PAID.value,
        "redeemed": Voucher.Status.REDEEMED.value,
        "now": now,
        "attempt_staff": attempt.staff_id,
        "attempt_step": attempt.step,
        "attempt_outcome": attempt.outcome,
        "attempt_is_failure": attempt.is_failure,
        "attempt_at": attempt.created_at,
        "staff": staff.pk,
        "request_id": request_id,
        "currency": currency,
        "entry_kind": JournalEntry.Kind.REDEMPTION.value,
        "reference_type": ORDER,
        **accounts,
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(lookup, connection), params)
        row = cursor.fetchone()
    if row is None:
        return None
    redemption_id, entry_id, attempt_id, voucher_id, booking_id, shop_id = row[:6]
    gross, rate, commission, currency = row[6:]
    shop = next(shop for shop in shops if shop.pk == shop_id)
    redemption = Redemption(
        voucher_id=voucher_id,
        booking_id=booking_id,
        shop=shop,
        redeemed_by=staff,
        request_id=request_id,
        redeemed_at=now,
        gross_amount=gross,
        commission_rate=rate,
        commission_amount=commission,
        subsidy_amount=Decimal("0.00"),
        merchant_amount=gross - commission,
        currency=currency,
        ledger_entry_id=entry_id,
    )
    mark_saved(redemption, redemption_id, connection)
    attempt.shop_id = shop_id
    mark_saved(attempt, attempt_id, connection)
    return redemption
