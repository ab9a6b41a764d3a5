"""Posting to the ledger: balanced entries, refusals that write nothing, replays, reversals."""

from decimal import Decimal

import pytest
from django.utils import translation

from common.errors import Conflict, DomainError
from payments.ledger import services
from payments.ledger.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
    InsufficientPayable,
    InvalidEntry,
    NotReversible,
    UnbalancedEntry,
)
from payments.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount, SystemAccount
from payments.ledger.selectors import account_balance, escrow_balance, merchant_payable_balance
from payments.ledger.services import Reference
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

D = Decimal


def lines_of(entry):
    return sorted(entry.lines.values_list("account__code", "amount", "currency"))


@pytest.fixture
def clearing():
    return services.system_account(SystemAccount.PROVIDER_CLEARING)


@pytest.fixture
def escrow():
    return services.system_account(SystemAccount.ESCROW)


def test_ledger_post_writes_one_entry_with_signed_lines(clearing, escrow):
    entry = services.ledger_post(
        kind=JournalEntry.Kind.PAYMENT,
        lines=[(clearing, D("368.00")), (escrow, D("-368.00"))],
        idempotency_key="pay:1",
        memo="order 1",
        reference=("order", "1"),
    )

    assert JournalEntry.objects.count() == 1
    assert entry.kind == "payment"
    assert entry.currency == "CNY"
    assert (entry.reference_type, entry.reference_id, entry.memo) == ("order", "1", "order 1")
    assert entry.reverses is None
    assert lines_of(entry) == [("escrow", D("-368.00"), "CNY"), ("provider_clearing", D("368.00"), "CNY")]


def test_replaying_a_key_returns_the_stored_entry_and_writes_nothing(clearing, escrow):
    first = services.ledger_post(
        kind="payment", lines=[(clearing, D("10.00")), (escrow, D("-10.00"))], idempotency_key="k"
    )

    again = services.ledger_post(
        kind="payment", lines=[(escrow, D("-10.0")), (clearing, D("10"))], idempotency_key="k", memo="retry"
    )

    assert again.pk == first.pk
    assert again.memo == ""
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 2


def test_a_key_reused_for_different_lines_is_refused_and_changes_nothing(clearing, escrow):
    first = services.ledger_post(
        kind="payment", lines=[(clearing, D("10.00")), (escrow, D("-10.00"))], idempotency_key="k"
    )

    with pytest.raises(IdempotencyKeyReused) as refused:
        services.ledger_post(
            kind="payment", lines=[(clearing, D("11.00")), (escrow, D("-11.00"))], idempotency_key="k"
        )
    with pytest.raises(IdempotencyKeyReused):
        services.ledger_post(
            kind="refund", lines=[(clearing, D("10.00")), (escrow, D("-10.00"))], idempotency_key="k"
        )

    assert isinstance(refused.value, Conflict)
    assert refused.value.extra == {"entry_id": first.pk}
    assert JournalEntry.objects.count() == 1
    assert lines_of(first) == [("escrow", D("-10.00"), "CNY"), ("provider_clearing", D("10.00"), "CNY")]


@pytest.mark.parametrize(
    ("amounts", "error"),
    [
        ([D("10.00")], InvalidEntry),
        ([], InvalidEntry),
        ([D("10.00"), D("-9.99")], UnbalancedEntry),
        ([D("10.001"), D("-10.001")], InvalidEntry),
        ([D("0.00"), D("0.00")], InvalidEntry),
        ([D("10.00"), D("0"), D("-10.00")], InvalidEntry),
        ([10, -10], InvalidEntry),
        ([10.0, -10.0], InvalidEntry),
        ([D("NaN"), D("NaN")], InvalidEntry),
        ([D("10000000000.00"), D("-10000000000.00")], InvalidEntry),
        ([D("1E+30"), D("-1E+30")], InvalidEntry),
        ([D("Infinity"), D("-Infinity")], InvalidEntry),
    ],
)
def test_invalid_lines_are_refused_and_nothing_is_written(clearing, escrow, amounts, error):
    accounts = [clearing, escrow, clearing]

    with pytest.raises(error) as refused:
        services.ledger_post(
            kind="payment", lines=list(zip(accounts, amounts, strict=False)), idempotency_key="bad"
        )

    assert isinstance(refused.value, DomainError)
    assert JournalEntry.objects.count() == 0
    assert JournalLine.objects.count() == 0


def test_mixed_currencies_are_refused_and_nothing_is_written(clearing, escrow):
    with pytest.raises(InvalidEntry):
        services.ledger_post(
            kind="payment",
            lines=[(clearing, D("10.00"), "CNY"), (escrow, D("-10.00"), "USD")],
            idempotency_key="fx",
        )
    with pytest.raises(InvalidEntry):
        services.ledger_post(
            kind="payment",
            lines=[(clearing, D("10.00")), (escrow, D("-10.00"))],
            idempotency_key="fx",
            currency="USD",
        )

    assert JournalEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "key"),
    [("nonsense", "k"), ("reversal", "k"), ("redemption_undo", "k"), ("payment", ""), ("payment", "x" * 201)],
)
def test_bad_kind_or_key_is_refused_and_nothing_is_written(clearing, escrow, kind, key):
    with pytest.raises(InvalidEntry):
        services.ledger_post(
            kind=kind, lines=[(clearing, D("1.00")), (escrow, D("-1.00"))], idempotency_key=key
        )

    assert JournalEntry.objects.count() == 0


def test_system_accounts_are_created_once_with_their_kind():
    first = services.chart_ensure()
    second = services.chart_ensure()

    assert [a.pk for a in first] == [a.pk for a in second]
    assert LedgerAccount.objects.count() == 7
    kinds = dict(LedgerAccount.objects.values_list("code", "kind"))
    assert kinds == {
        "provider_clearing": AccountKind.ASSET,
        "escrow": AccountKind.LIABILITY,
        "commission_revenue": AccountKind.REVENUE,
        "refunds": AccountKind.REVENUE,
        "penalty_revenue": AccountKind.REVENUE,
        "campaign_subsidies": AccountKind.EXPENSE,
        "payouts_sent": AccountKind.ASSET,
    }


def test_the_merchant_payable_is_one_account_per_shop_created_on_first_use():
    shop, other = ShopFactory(), ShopFactory()

    first = services.merchant_payable_account(shop)
    again = services.merchant_payable_account(shop)
    elsewhere = services.merchant_payable_account(other)

    assert first.pk == again.pk
    assert first.pk != elsewhere.pk
    assert (first.code, first.kind, first.shop_id) == (f"merchant_payable:{shop.pk}", "liability", shop.pk)
    with translation.override("en"):
        assert str(first) == f"Merchant payable: {shop.name}"
    with translation.override("zh-hans"):
        assert str(first) == f"应付商户款：{shop.name}"
    assert LedgerAccount.objects.filter(shop=shop).count() == 1


def test_payment_received_moves_provider_clearing_to_escrow():
    entry = services.post_payment_received(order_ref="42", amount=D("368.00"), idempotency_key="pay:42")

    assert entry.kind == "payment"
    assert (entry.reference_type, entry.reference_id) == ("order", "42")
    assert lines_of(entry) == [("escrow", D("-368.00"), "CNY"), ("provider_clearing", D("368.00"), "CNY")]
    assert escrow_balance() == D("368.00")


def test_refund_moves_escrow_back_to_provider_clearing():
    services.post_payment_received(order_ref="42", amount=D("368.00"), idempotency_key="pay:42")

    entry = services.post_refund(order_ref="42", amount=D("368.00"), idempotency_key="refund:42")

    assert entry.kind == "refund"
    assert lines_of(entry) == [("escrow", D("368.00"), "CNY"), ("provider_clearing", D("-368.00"), "CNY")]
    assert escrow_balance() == D("0.00")
    assert account_balance(services.system_account(SystemAccount.PROVIDER_CLEARING)) == D("0.00")


def test_redemption_splits_escrow_into_merchant_payable_commission_and_subsidy():
    shop = ShopFactory()
    services.post_payment_received(order_ref="7", amount=D("300.00"), idempotency_key="pay:7")

    entry = services.post_redemption(
        shop=shop,
        order_ref="7",
        gross_amount=D("300.00"),
        commission_amount=D("37.50"),
        subsidy_amount=D("20.00"),
        idempotency_key="redeem:7",
    )

    assert entry.kind == "redemption"
    assert lines_of(entry) == [
        ("campaign_subsidies", D("20.00"), "CNY"),
        ("commission_revenue", D("-37.50"), "CNY"),
        ("escrow", D("300.00"), "CNY"),
        (f"merchant_payable:{shop.pk}", D("-282.50"), "CNY"),
    ]
    assert escrow_balance() == D("0.00")
    assert merchant_payable_balance(shop) == D("282.50")


def test_redemption_without_commission_or_subsidy_has_two_lines():
    shop = ShopFactory()

    entry = services.post_redemption(
        shop=shop, order_ref="8", gross_amount=D("99.90"), commission_amount=D("0.00"), idempotency_key="r:8"
    )

    assert lines_of(entry) == [
        ("escrow", D("99.90"), "CNY"),
        (f"merchant_payable:{shop.pk}", D("-99.90"), "CNY"),
    ]


@pytest.mark.parametrize(
    ("gross", "commission", "subsidy"),
    [
        (D("100.00"), D("100.01"), D("0.00")),
        (D("0.00"), D("0.00"), D("0.00")),
        (D("100.00"), D("-1.00"), D("0.00")),
        (D("100.00"), D("10.00"), D("-1.00")),
        (D("100.005"), D("10.00"), D("0.00")),
    ],
)
def test_a_bad_redemption_is_refused_and_nothing_is_written(gross, commission, subsidy):
    shop = ShopFactory()

    with pytest.raises(InvalidEntry):
        services.post_redemption(
            shop=shop,
            order_ref="9",
            gross_amount=gross,
            commission_amount=commission,
            subsidy_amount=subsidy,
            idempotency_key="r:9",
        )

    assert JournalEntry.objects.count() == 0


def test_redemption_undo_negates_the_redemption_once():
    shop = ShopFactory()
    services.post_payment_received(order_ref="7", amount=D("300.00"), idempotency_key="pay:7")
    redemption = services.post_redemption(
        shop=shop,
        order_ref="7",
        gross_amount=D("300.00"),
        commission_amount=D("30.00"),
        idempotency_key="r:7",
    )

    undo = services.post_redemption_undo(redemption=redemption, idempotency_key="undo:7")
    replay = services.post_redemption_undo(redemption=redemption, idempotency_key="undo:7")

    assert replay.pk == undo.pk
    assert (undo.kind, undo.reverses_id, undo.reference_id) == ("redemption_undo", redemption.pk, "7")
    assert lines_of(undo) == [
        ("commission_revenue", D("30.00"), "CNY"),
        ("escrow", D("-300.00"), "CNY"),
        (f"merchant_payable:{shop.pk}", D("270.00"), "CNY"),
    ]
    assert escrow_balance() == D("300.00")
    assert merchant_payable_balance(shop) == D("0.00")
    with pytest.raises(AlreadyReversed):
        services.post_redemption_undo(redemption=redemption, idempotency_key="undo:7:again")
    assert JournalEntry.objects.count() == 3


def test_only_a_redemption_can_be_undone():
    payment = services.post_payment_received(order_ref="7", amount=D("1.00"), idempotency_key="pay:7")

    with pytest.raises(InvalidEntry):
        services.post_redemption_undo(redemption=payment, idempotency_key="undo:7")

    assert JournalEntry.objects.count() == 1


def test_reversal_negates_every_line_and_points_at_the_original():
    payment = services.post_payment_received(order_ref="5", amount=D("50.00"), idempotency_key="pay:5")

    reversal = services.ledger_reverse(entry=payment, idempotency_key="rev:5", memo="posted twice by mistake")

    assert (reversal.kind, reversal.reverses_id, reversal.memo) == (
        "reversal",
        payment.pk,
        "posted twice by mistake",
    )
    assert (reversal.reference_type, reversal.reference_id) == ("order", "5")
    assert lines_of(reversal) == [("escrow", D("50.00"), "CNY"), ("provider_clearing", D("-50.00"), "CNY")]
    assert list(payment.reversals.all()) == [reversal]
    assert escrow_balance() == D("0.00")


def test_an_entry_is_reversed_at_most_once_and_the_refusal_writes_nothing():
    payment = services.post_payment_received(order_ref="5", amount=D("50.00"), idempotency_key="pay:5")
    first = services.ledger_reverse(entry=payment, idempotency_key="rev:5")

    replay = services.ledger_reverse(entry=payment, idempotency_key="rev:5")
    with pytest.raises(AlreadyReversed):
        services.ledger_reverse(entry=payment, idempotency_key="rev:5:second")

    assert replay.pk == first.pk
    assert JournalEntry.objects.count() == 2


def test_a_reversal_is_not_reversed():
    payment = services.post_payment_received(order_ref="5", amount=D("50.00"), idempotency_key="pay:5")
    reversal = services.ledger_reverse(entry=payment, idempotency_key="rev:5")

    with pytest.raises(NotReversible):
        services.ledger_reverse(entry=reversal, idempotency_key="rev:rev:5")

    assert JournalEntry.objects.count() == 2


def test_a_reversal_key_reused_elsewhere_is_refused():
    payment = services.post_payment_received(order_ref="5", amount=D("50.00"), idempotency_key="pay:5")

    with pytest.raises(IdempotencyKeyReused):
        services.ledger_reverse(entry=payment, idempotency_key="pay:5")

    assert JournalEntry.objects.count() == 1


def test_penalty_moves_merchant_payable_to_penalty_revenue():
    shop = ShopFactory()

    entry = services.post_penalty(
        shop=shop, amount=D("15.00"), idempotency_key="pen:1", reference=Reference("complaint", "3")
    )

    assert entry.kind == "penalty"
    assert (entry.reference_type, entry.reference_id) == ("complaint", "3")
    assert lines_of(entry) == [
        (f"merchant_payable:{shop.pk}", D("15.00"), "CNY"),
        ("penalty_revenue", D("-15.00"), "CNY"),
    ]
    assert merchant_payable_balance(shop) == D("-15.00")


def test_subsidy_moves_campaign_subsidies_to_merchant_payable():
    shop = ShopFactory()

    entry = services.post_subsidy(shop=shop, amount=D("8.80"), idempotency_key="sub:1")

    assert (entry.kind, entry.reference_type, entry.reference_id) == ("subsidy", "shop", str(shop.pk))
    assert lines_of(entry) == [
        ("campaign_subsidies", D("8.80"), "CNY"),
        (f"merchant_payable:{shop.pk}", D("-8.80"), "CNY"),
    ]
    assert merchant_payable_balance(shop) == D("8.80")


def test_payout_moves_merchant_payable_to_payouts_sent_and_a_failure_moves_it_back():
    shop = ShopFactory()
    services.post_redemption(
        shop=shop,
        order_ref="1",
        gross_amount=D("100.00"),
        commission_amount=D("10.00"),
        idempotency_key="r:1",
    )

    payout = services.post_payout(shop=shop, amount=D("90.00"), payout_ref="P1", idempotency_key="payout:P1")
    assert merchant_payable_balance(shop) == D("0.00")
    failed = services.post_payout_failed(
        shop=shop, amount=D("90.00"), payout_ref="P1", idempotency_key="fail:P1"
    )

    assert (payout.kind, payout.reference_type, payout.reference_id) == ("payout", "payout", "P1")
    assert lines_of(payout) == [
        (f"merchant_payable:{shop.pk}", D("90.00"), "CNY"),
        ("payouts_sent", D("-90.00"), "CNY"),
    ]
    assert failed.kind == "payout_failed"
    assert lines_of(failed) == [
        (f"merchant_payable:{shop.pk}", D("-90.00"), "CNY"),
        ("payouts_sent", D("90.00"), "CNY"),
    ]
    assert merchant_payable_balance(shop) == D("90.00")


def test_a_payout_above_the_payable_is_refused_and_nothing_is_written():
    shop = ShopFactory()
    services.post_subsidy(shop=shop, amount=D("50.00"), idempotency_key="sub:1")

    with pytest.raises(InsufficientPayable) as refused:
        services.post_payout(shop=shop, amount=D("50.01"), payout_ref="P1", idempotency_key="payout:P1")

    assert refused.value.extra == {"payable": "50.00"}
    assert JournalEntry.objects.count() == 1
    assert merchant_payable_balance(shop) == D("50.00")


def test_a_payout_replay_returns_the_payout_even_when_nothing_is_payable_any_more():
    shop = ShopFactory()
    services.post_subsidy(shop=shop, amount=D("50.00"), idempotency_key="sub:1")
    payout = services.post_payout(shop=shop, amount=D("50.00"), payout_ref="P1", idempotency_key="payout:P1")

    replay = services.post_payout(shop=shop, amount=D("50.00"), payout_ref="P1", idempotency_key="payout:P1")

    assert replay.pk == payout.pk
    assert JournalEntry.objects.count() == 2
    assert merchant_payable_balance(shop) == D("0.00")


@pytest.mark.parametrize("amount", [D("0.00"), D("-1.00"), D("1.005"), D("1E+30"), D("NaN"), 1, 1.0])
def test_money_path_postings_refuse_amounts_that_are_not_positive_fen(amount):
    shop = ShopFactory()

    for post in (
        lambda: services.post_payment_received(order_ref="1", amount=amount, idempotency_key="a"),
        lambda: services.post_refund(order_ref="1", amount=amount, idempotency_key="b"),
        lambda: services.post_penalty(shop=shop, amount=amount, idempotency_key="c"),
        lambda: services.post_subsidy(shop=shop, amount=amount, idempotency_key="d"),
        lambda: services.post_payout(shop=shop, amount=amount, payout_ref="P", idempotency_key="e"),
        lambda: services.post_payout_failed(shop=shop, amount=amount, payout_ref="P", idempotency_key="f"),
    ):
        with pytest.raises(InvalidEntry):
            post()

    assert JournalEntry.objects.count() == 0


def test_the_one_statement_line_insert_names_every_journal_line_field():
    # given the fields the PostgreSQL write inserts, when JournalLine gains a field, then this fails
    fields = {field.name for field in JournalLine._meta.concrete_fields if not field.primary_key}

    assert set(services.LINE_FIELDS) == fields
