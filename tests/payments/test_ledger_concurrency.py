"""Races on the ledger, with real concurrent PostgreSQL connections released by a barrier."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from payments.ledger import services
from payments.ledger.errors import AlreadyReversed, InsufficientPayable
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount, SystemAccount
from payments.ledger.selectors import merchant_payable_balance
from tests.factories import ShopFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal
THREADS = 20


def race(work, n=THREADS):
    """Run ``work(i)`` in n threads, each on its own connection, all released at once."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # collected and asserted by the test
            errors[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()
    return results, errors


def test_twenty_posts_with_one_key_write_exactly_one_entry():
    clearing = services.system_account(SystemAccount.PROVIDER_CLEARING)
    escrow = services.system_account(SystemAccount.ESCROW)

    results, errors = race(
        lambda i: (
            services.ledger_post(
                kind="payment",
                lines=[(clearing, D("368.00")), (escrow, D("-368.00"))],
                idempotency_key="pay:race",
            ).pk
        )
    )

    assert errors == [None] * THREADS
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 2
    assert set(results) == {JournalEntry.objects.get().pk}


def test_twenty_payment_webhooks_for_one_order_create_one_payment_and_one_set_of_accounts():
    results, errors = race(
        lambda i: services.post_payment_received(order_ref="9", amount=D("99.00"), idempotency_key="pay:9").pk
    )

    assert errors == [None] * THREADS
    assert set(results) == {JournalEntry.objects.get().pk}
    assert sorted(LedgerAccount.objects.values_list("code", flat=True)) == ["escrow", "provider_clearing"]


def test_twenty_reversals_with_different_keys_reverse_once():
    payment = services.post_payment_received(order_ref="1", amount=D("50.00"), idempotency_key="pay:1")

    results, errors = race(lambda i: services.ledger_reverse(entry=payment, idempotency_key=f"rev:{i}").pk)

    succeeded = [pk for pk in results if pk is not None]
    assert len(succeeded) == 1
    assert sum(isinstance(error, AlreadyReversed) for error in errors) == THREADS - 1
    assert JournalEntry.objects.filter(reverses=payment).count() == 1
    assert JournalEntry.objects.count() == 2


def test_concurrent_payouts_never_exceed_the_payable():
    shop = ShopFactory()
    services.post_subsidy(shop=shop, amount=D("100.00"), idempotency_key="sub:1")

    results, errors = race(
        lambda i: (
            services.post_payout(
                shop=shop, amount=D("30.00"), payout_ref=f"P{i}", idempotency_key=f"payout:{i}"
            ).pk
        ),
        n=10,
    )

    assert sum(pk is not None for pk in results) == 3
    assert sum(isinstance(error, InsufficientPayable) for error in errors) == 7
    assert merchant_payable_balance(shop) == D("10.00")
    assert JournalEntry.objects.filter(kind="payout").count() == 3
