"""The usual redemption as one statement on PostgreSQL (decision 0016) agrees with the general path.

``payments.vouchers.redeem_sql`` writes a redemption in one statement when it applies and writes
nothing otherwise. These tests run the same redemptions through it and through the general path
(the Python services, with the statement switched off) and compare every row either writes: the
redemption and its split, the journal entry and its lines, the voucher, the counter's attempt.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bookings.models import Booking, BookingLine
from payments import codes
from payments.ledger import services as ledger
from payments.ledger.models import JournalEntry, JournalLine
from payments.settlement.models import CommissionRule
from payments.vouchers import redeem_sql, services
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from shops.models import Membership, Shop
from tests.console.conftest import staff_at
from tests.factories import ShopFactory
from tests.payments.commission_rules import RULES, rules_create

pytestmark = pytest.mark.postgres

FIELDS_WRITTEN = {
    JournalEntry: redeem_sql.ENTRY_VALUES,
    JournalLine: redeem_sql.LINE_VALUES,
    Redemption: redeem_sql.REDEMPTION_VALUES,
    RedemptionAttempt: redeem_sql.ATTEMPT_VALUES,
}


@pytest.mark.parametrize("model", list(FIELDS_WRITTEN), ids=lambda model: model.__name__)
def test_the_statement_writes_every_field_of_each_row_it_inserts(model):
    # a field added to one of these models must be written by the statement too (or the insert
    # would leave it to the column's default, which Django's defaults are not)
    fields = {field.name for field in model._meta.concrete_fields if not field.primary_key}
    assert set(FIELDS_WRITTEN[model]) == fields


def _accounts_known(shop, capture, *, payable: bool = True) -> None:
    """The ledger's accounts exist and this process knows them (as after a first redemption
    committed); each example starts from a cold cache, since its rows are rolled back."""
    ledger.account_cache_clear()
    with capture(execute=True):
        ledger.chart_ensure()
        if payable:
            ledger.merchant_payable_account(shop)


def test_the_statement_is_short_enough_for_psycopg_to_keep_its_conversion():
    from django.db import connection
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    for lookup in ("code_digest", "qr_digest"):
        assert len(redeem_sql._statement(lookup, connection).encode()) <= MAX_CACHED_STATEMENT_LENGTH


def _paid_order(job, *, total: Decimal, codes_booked, lines_item: str | None) -> tuple[Booking, str]:
    """A paid order at the job's shop with its voucher, and the voucher's code."""
    booking = job.book()
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.PAID, total_amount=total, service_item_codes=list(codes_booked)
    )
    if lines_item is not None:  # the labour line belongs to another service
        BookingLine.objects.filter(booking=booking, kind="labour").update(service_item_code=lines_item)
    booking.refresh_from_db()
    voucher = services.voucher_issue(booking=booking)
    return booking, services.voucher_code(voucher)


def _attempt(shop, cashier, now) -> RedemptionAttempt:
    """The counter's unsaved log row of a success, as ``counter._attempt`` hands it over."""
    return RedemptionAttempt(staff=cashier, shop_id=shop.pk, step="redeem", outcome="ok", created_at=now)


def _redeem_general(shop, cashier, code: str, request_id: str, now, attempt, monkeypatch) -> Redemption:
    """``services.voucher_redeem_code`` with the one statement switched off."""
    if monkeypatch is None:
        monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(services, "redeem_in_one_statement", lambda **kwargs: None)
    try:
        return services.voucher_redeem_code(
            code=codes.code_digests(code, shop_ids=[shop.pk]),
            shops=[Shop.objects.get(pk=shop.pk)],  # as the counter reads it
            staff=cashier,
            request_id=request_id,
            now=now,
            attempt=attempt,
        )
    finally:
        monkeypatch.undo()


def _written(redemption: Redemption, attempt: RedemptionAttempt) -> dict:
    """Everything a redemption wrote, without ids that differ between two orders."""
    stored = Redemption.objects.get(pk=redemption.pk)
    entry = stored.ledger_entry
    voucher = Voucher.objects.get(pk=stored.voucher_id)
    logged = RedemptionAttempt.objects.get(pk=attempt.pk)
    return {
        "redemption": {
            field.name: getattr(stored, field.attname)
            for field in Redemption._meta.concrete_fields
            if field.name not in ("id", "voucher", "booking", "ledger_entry", "request_id")
        },
        "returned": (
            redemption.gross_amount,
            redemption.commission_rate,
            redemption.commission_amount,
            redemption.subsidy_amount,
            redemption.merchant_amount,
            redemption.currency,
            redemption.shop_id,
            redemption.redeemed_by_id,
            redemption.redeemed_at,
        )
        == (
            stored.gross_amount,
            stored.commission_rate,
            stored.commission_amount,
            stored.subsidy_amount,
            stored.merchant_amount,
            stored.currency,
            stored.shop_id,
            stored.redeemed_by_id,
            stored.redeemed_at,
        ),
        "entry": (
            entry.kind,
            entry.idempotency_key
            == f"redemption:{stored.voucher_id}:{stored.redeemed_by_id}:{stored.request_id}",
            entry.memo,
            entry.reference_type,
            entry.reference_id == str(stored.booking_id),
            entry.reverses_id,
            entry.currency,
        ),
        "lines": Counter(entry.lines.values_list("account__code", "amount", "currency")),
        "voucher": (voucher.status, voucher.redeemed_at, voucher.redeemed_by_id),
        "attempt": (
            logged.shop_id,
            logged.staff_id,
            logged.step,
            logged.outcome,
            logged.is_failure,
            logged.created_at,
        ),
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=RULES,
    booked=st.sampled_from([("first",), ("first", "second"), ("second",), ()]),
    second_line=st.booleans(),
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    shop_rate=st.integers(min_value=0, max_value=10000),
)
# half a fen of commission: rounded up in both
@example(rules=[], booked=("first",), second_line=False, total=Decimal("0.50"), shop_rate=100)
# two shop-wide rules with the same start: the older rule wins in both
@example(
    rules=[("this", None, "open", 500), ("this", None, "open", 700)],
    booked=("first",),
    second_line=False,
    total=Decimal("133.00"),
    shop_rate=800,
)
# another shop's rule does not apply; this shop's does
@example(
    rules=[("other", None, "open", 300), ("this", None, "closed-later", 900)],
    booked=("first", "second"),
    second_line=True,
    total=Decimal("1234.56"),
    shop_rate=800,
)
# a service of the order's lines has a rule of its own: the general path, in both
@example(
    rules=[("this", None, "open", 500), (None, "second", "open", 2000)],
    booked=("first",),
    second_line=True,
    total=Decimal("133.00"),
    shop_rate=800,
)
def test_the_one_statement_writes_what_the_general_path_writes(
    job, monkeypatch, django_capture_on_commit_callbacks, rules, booked, second_line, total, shop_rate
):
    capture = django_capture_on_commit_callbacks
    now = timezone.now()
    with transaction.atomic():
        Shop.objects.filter(pk=job.shop.pk).update(commission_rate=Decimal(shop_rate) / 10000)
        cashier = staff_at(job.shop, Membership.Role.CASHIER)
        items = rules_create(job, rules, now=now)
        _accounts_known(job.shop, capture)
        shape = {
            "total": total,
            "codes_booked": [items[name].code for name in booked],
            "lines_item": "p-second" if second_line else None,
        }
        general_order, general_code = _paid_order(job, **shape)
        statement_order, statement_code = _paid_order(job, **shape)

        general_attempt = _attempt(job.shop, cashier, now)
        general = _redeem_general(
            job.shop, cashier, general_code, "general", now, general_attempt, monkeypatch
        )
        attempts_before = RedemptionAttempt.objects.count()
        attempt = _attempt(job.shop, cashier, now)
        one = redeem_sql.redeem_in_one_statement(
            lookup="code_digest",
            digests=codes.code_digests(statement_code, shop_ids=[job.shop.pk]).digests,
            shops=[Shop.objects.get(pk=job.shop.pk)],
            staff=cashier,
            request_id="one",
            now=now,
            attempt=attempt,
            currency="CNY",
        )
        order_services = set(shape["codes_booked"]) | set(
            BookingLine.objects.filter(booking=statement_order).values_list("service_item_code", flat=True)
        )
        a_service_has_its_own_rate = (
            CommissionRule.objects.filter(Q(shop=job.shop) | Q(shop__isnull=True))
            .filter(service_item__code__in=order_services, valid_from__lte=now)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
            .exists()
        )
        if not shape["codes_booked"] or a_service_has_its_own_rate:
            # then the statement does not apply, and it wrote nothing
            assert one is None
            assert RedemptionAttempt.objects.count() == attempts_before
            assert not Redemption.objects.filter(booking=statement_order).exists()
            assert Voucher.objects.get(booking=statement_order).status == Voucher.Status.ISSUED
            one = _redeem_general(job.shop, cashier, statement_code, "one", now, attempt, monkeypatch)
        else:
            assert one is not None

        assert _written(one, attempt) == _written(general, general_attempt)
        transaction.set_rollback(True)


def _refusal_state(job, case: str, cashier, now):
    """A paid order whose voucher the statement must leave alone, made so by ``case``; the code and
    the counter's shops."""
    booking, code = _paid_order(job, total=Decimal("133.00"), codes_booked=[job.item.code], lines_item=None)
    voucher = Voucher.objects.get(booking=booking)
    shops = [job.shop]
    if case == "already redeemed":
        _redeem_general(job.shop, cashier, code, "first", now, _attempt(job.shop, cashier, now), None)
    elif case == "expired":
        Voucher.objects.filter(pk=voucher.pk).update(expires_at=now)
    elif case == "refunded":
        Voucher.objects.filter(pk=voucher.pk).update(status=Voucher.Status.REFUNDED)
    elif case == "order not paid":
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    elif case == "another shop's counter":
        shops = [ShopFactory()]
    elif case == "replayed request id":
        other, other_code = _paid_order(
            job, total=Decimal("133.00"), codes_booked=[job.item.code], lines_item=None
        )
        _redeem_general(job.shop, cashier, other_code, "again", now, _attempt(job.shop, cashier, now), None)
    elif case == "no payable account yet":  # the general path creates it, and the process learns it
        assert ledger.redemption_accounts_known([job.shop]) is None
    elif case == "nothing to pay":
        Booking.objects.filter(pk=booking.pk).update(total_amount=Decimal("0.00"))
    return code, shops


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "already redeemed",
        "expired",
        "refunded",
        "order not paid",
        "another shop's counter",
        "replayed request id",
        "no payable account yet",
        "nothing to pay",
    ],
)
def test_the_statement_writes_nothing_where_the_general_path_must_answer(
    job, monkeypatch, django_capture_on_commit_callbacks, case
):
    # given a voucher the one statement must not redeem
    now = timezone.now()
    cashier = staff_at(job.shop, Membership.Role.CASHIER)
    _accounts_known(job.shop, django_capture_on_commit_callbacks, payable=case != "no payable account yet")
    code, shops = _refusal_state(job, case, cashier, now)
    before = (
        Redemption.objects.count(),
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        RedemptionAttempt.objects.count(),
        sorted(Voucher.objects.values_list("pk", "status", "redeemed_at")),
    )

    # when the statement is tried
    result = redeem_sql.redeem_in_one_statement(
        lookup="code_digest",
        digests=codes.code_digests(code, shop_ids=[shop.pk for shop in shops]).digests,
        shops=shops,
        staff=cashier,
        request_id="again",
        now=now,
        attempt=_attempt(shops[0], cashier, now),
        currency="CNY",
    )

    # then it answers nothing and changed nothing: the general path decides
    assert result is None
    assert before == (
        Redemption.objects.count(),
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        RedemptionAttempt.objects.count(),
        sorted(Voucher.objects.values_list("pk", "status", "redeemed_at")),
    )
