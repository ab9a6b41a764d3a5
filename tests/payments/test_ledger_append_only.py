"""Ledger rows are never changed or removed: the ORM refuses, and so does the database itself."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from payments.ledger import services
from payments.ledger.models import AppendOnlyError, JournalEntry, JournalLine
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def entry():
    return services.post_payment_received(order_ref="1", amount=D("100.00"), idempotency_key="pay:1")


def stored(entry):
    return (
        list(JournalEntry.objects.values_list("id", "kind", "memo", "idempotency_key")),
        sorted(JournalLine.objects.values_list("entry_id", "account__code", "amount")),
    )


def test_saving_an_existing_entry_or_line_is_refused(entry):
    before = stored(entry)
    entry.memo = "changed"
    line = entry.lines.first()
    line.amount = D("1.00")

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        line.save()

    assert stored(entry) == before


def test_deleting_an_entry_or_line_is_refused(entry):
    before = stored(entry)

    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        entry.lines.first().delete()

    assert stored(entry) == before


@pytest.mark.parametrize("model", [JournalEntry, JournalLine])
def test_queryset_update_and_delete_are_refused(entry, model):
    before = stored(entry)

    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk__gt=0).update(currency="USD")
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update(list(model.objects.all()), ["currency"])
    with pytest.raises(AppendOnlyError):
        model.objects.update_or_create(pk=1, defaults={"currency": "USD"})

    assert stored(entry) == before


def test_a_shop_with_ledger_accounts_cannot_be_deleted(entry):
    shop = ShopFactory()
    services.post_penalty(shop=shop, amount=D("5.00"), idempotency_key="pen:1")

    with pytest.raises(ProtectedError):
        shop.delete()

    assert JournalEntry.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE payments_journalline SET amount = amount * 2",
        "UPDATE payments_journalentry SET memo = 'rewritten'",
        "DELETE FROM payments_journalline",
        "DELETE FROM payments_journalentry",
    ],
)
def test_the_database_refuses_raw_update_and_delete(entry, sql):
    before = stored(entry)

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert stored(entry) == before


def test_the_database_still_accepts_new_rows(entry):
    services.post_refund(order_ref="1", amount=D("100.00"), idempotency_key="refund:1")

    assert JournalEntry.objects.count() == 2
    assert JournalLine.objects.count() == 4
