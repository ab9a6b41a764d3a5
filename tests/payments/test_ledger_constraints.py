"""The database holds the ledger's rules even for code that skips the services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from payments.ledger import services
from payments.ledger.errors import InvalidEntry
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount, SystemAccount
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment():
    return services.post_payment_received(order_ref="1", amount=Decimal("10.00"), idempotency_key="pay:1")


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(**fields)


def test_an_idempotency_key_is_unique_in_the_database(payment):
    refused(kind="payment", idempotency_key="pay:1")

    assert JournalEntry.objects.count() == 1


def test_only_reversing_kinds_point_at_an_entry_and_they_must(payment):
    refused(kind="reversal", idempotency_key="rev:no-target")
    refused(kind="redemption_undo", idempotency_key="undo:no-target")
    refused(kind="payment", idempotency_key="pay:with-target", reverses=payment)
    refused(kind="bogus", idempotency_key="bogus")

    assert JournalEntry.objects.count() == 1


def test_an_entry_is_reversed_once_in_the_database(payment):
    JournalEntry.objects.create(kind="reversal", idempotency_key="rev:1", reverses=payment)

    refused(kind="reversal", idempotency_key="rev:2", reverses=payment)

    assert JournalEntry.objects.filter(reverses=payment).count() == 1


def test_a_zero_line_is_refused_by_the_database(payment):
    escrow = LedgerAccount.objects.get(code=SystemAccount.ESCROW)

    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.bulk_create([JournalLine(entry=payment, account=escrow, amount=Decimal("0.00"))])

    assert JournalLine.objects.count() == 2


def test_a_per_shop_account_names_its_shop_and_a_platform_account_none():
    shop = ShopFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(code=f"merchant_payable:{shop.pk}", kind="liability")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(code="escrow", kind="liability", shop=shop)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(code="other", kind="equity")

    assert LedgerAccount.objects.count() == 0


def test_a_line_on_an_unsaved_account_is_refused_and_nothing_is_written():
    escrow = services.system_account(SystemAccount.ESCROW)
    unsaved = LedgerAccount(code="provider_clearing", kind="asset")

    with pytest.raises(InvalidEntry):
        services.ledger_post(
            kind="payment",
            lines=[(unsaved, Decimal("1.00")), (escrow, Decimal("-1.00"))],
            idempotency_key="k",
        )

    assert JournalEntry.objects.count() == 0


def test_an_unknown_system_account_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown system account"):
        services.system_account("petty_cash")

    assert LedgerAccount.objects.count() == 0
