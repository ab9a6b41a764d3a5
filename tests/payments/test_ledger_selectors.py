"""Ledger balances are SQL sums: per account, as of a moment, the trial balance, payable, escrow."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.ledger import services
from payments.ledger.models import SystemAccount
from payments.ledger.selectors import account_balance, escrow_balance, merchant_payable_balance, trial_balance
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_balances_are_zero_before_anything_is_posted():
    shop = ShopFactory()
    escrow = services.system_account(SystemAccount.ESCROW)

    assert account_balance(escrow) == D("0.00")
    assert str(escrow_balance()) == "0.00"
    assert str(merchant_payable_balance(shop)) == "0.00"
    assert trial_balance() == [(escrow, D("0.00"))]


def test_account_balance_is_the_signed_sum_in_one_query():
    services.post_payment_received(order_ref="1", amount=D("100.00"), idempotency_key="p1")
    services.post_payment_received(order_ref="2", amount=D("0.01"), idempotency_key="p2")
    services.post_refund(order_ref="1", amount=D("100.00"), idempotency_key="f1")
    clearing = services.system_account(SystemAccount.PROVIDER_CLEARING)
    escrow = services.system_account(SystemAccount.ESCROW)

    with CaptureQueriesContext(connection) as queries:
        clearing_balance = account_balance(clearing)
        escrow_signed = account_balance(escrow)

    assert len(queries) == 2
    assert clearing_balance == D("0.01")
    assert escrow_signed == D("-0.01")
    assert escrow_balance() == D("0.01")


def test_as_of_counts_only_entries_created_up_to_that_moment():
    shop = ShopFactory()
    first = services.post_subsidy(shop=shop, amount=D("10.00"), idempotency_key="s1")
    second = services.post_subsidy(shop=shop, amount=D("5.00"), idempotency_key="s2")
    payable = services.merchant_payable_account(shop)

    assert account_balance(payable, as_of=first.created_at) == D("-10.00")
    assert account_balance(payable, as_of=second.created_at) == D("-15.00")
    assert account_balance(payable, as_of=first.created_at - timedelta(seconds=1)) == D("0.00")
    assert merchant_payable_balance(shop, as_of=first.created_at) == D("10.00")
    assert merchant_payable_balance(shop, as_of=timezone.now()) == D("15.00")


def test_trial_balance_lists_every_account_in_one_query_and_sums_to_zero():
    shop, other = ShopFactory(), ShopFactory()
    services.chart_ensure()
    services.post_payment_received(order_ref="1", amount=D("200.00"), idempotency_key="p1")
    services.post_payment_received(order_ref="2", amount=D("80.00"), idempotency_key="p2")
    services.post_redemption(
        shop=shop,
        order_ref="1",
        gross_amount=D("200.00"),
        commission_amount=D("25.00"),
        subsidy_amount=D("10.00"),
        idempotency_key="r1",
    )
    services.post_penalty(shop=other, amount=D("3.00"), idempotency_key="pen1")
    services.post_payout(shop=shop, amount=D("100.00"), payout_ref="P1", idempotency_key="po1")

    with CaptureQueriesContext(connection) as queries:
        rows = trial_balance()

    assert len(queries) == 1
    codes = [account.code for account, _balance in rows]
    assert codes == sorted(codes)
    assert {account.code: balance for account, balance in rows} == {
        "campaign_subsidies": D("10.00"),
        "commission_revenue": D("-25.00"),
        "escrow": D("-80.00"),
        f"merchant_payable:{shop.pk}": D("-85.00"),
        f"merchant_payable:{other.pk}": D("3.00"),
        "payouts_sent": D("-100.00"),
        "penalty_revenue": D("-3.00"),
        "provider_clearing": D("280.00"),
        "refunds": D("0.00"),
    }
    assert sum(balance for _account, balance in rows) == D("0.00")
    assert merchant_payable_balance(shop) == D("85.00")
    assert merchant_payable_balance(other) == D("-3.00")
    assert escrow_balance() == D("80.00")
