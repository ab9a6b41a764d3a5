"""``common.sql.fetch_instances`` reads exactly what ``Model.objects.raw`` reads."""

from decimal import Decimal

import pytest
from django.db import connections

from bookings.models import Booking
from common.sql import columns_as, fetch_instances

pytestmark = pytest.mark.django_db

FIELDS = ("id", "status", "total_amount", "currency", "starts_at", "service_item_codes", "shop_id", "pay_by")


def test_any_column_order_extra_columns_and_unselected_fields(job):
    booking = job.book()
    table = Booking._meta.db_table
    # columns in another order than the model's, one computed column, most fields left out
    sql = f"SELECT total_amount, starts_at, id, status, 41 + 1 AS answer FROM {table} WHERE id = %s"  # noqa: S608

    (fast,) = fetch_instances(Booking, sql, [booking.pk])
    (raw,) = Booking.objects.raw(sql, [booking.pk])

    for instance in (fast, raw):
        assert instance.pk == booking.pk
        assert instance.total_amount == Decimal("133.00")
        assert instance.starts_at == job.slot
        assert instance.answer == 42
    assert fast.get_deferred_fields() == raw.get_deferred_fields()
    assert "currency" in fast.get_deferred_fields()
    assert fast.currency == "CNY"  # a deferred field loads on access, as with raw()


def test_every_field_with_its_converter_matches_raw(job):
    booking = job.book(service_items=[job.item.code])
    sql = f"SELECT * FROM {Booking._meta.db_table} WHERE id = %s"  # noqa: S608

    (fast,) = fetch_instances(Booking, sql, [booking.pk])
    (raw,) = Booking.objects.raw(sql, [booking.pk])

    assert [getattr(fast, name) for name in FIELDS] == [getattr(raw, name) for name in FIELDS]
    assert fast.service_item_codes == [job.item.code]  # JSON decoded on every backend


def test_a_statement_without_the_primary_key_is_refused(job):
    job.book()
    with pytest.raises(ValueError, match="primary key"):
        fetch_instances(Booking, f"SELECT status FROM {Booking._meta.db_table}", [])  # noqa: S608


def test_a_joined_row_reads_as_select_related(job, django_assert_num_queries):
    from shops.models import Shop

    booking = job.book()
    connection = connections["default"]
    sql = (
        f"SELECT b.*, 7 AS seven, {columns_as(Shop, 's', 'shop', connection)} "  # noqa: S608
        f"FROM {Booking._meta.db_table} b INNER JOIN {Shop._meta.db_table} s ON s.id = b.shop_id "
        f"WHERE b.id = %s"
    )

    (fast,) = fetch_instances(Booking, sql, [booking.pk], related={"shop": Shop})
    slow = Booking.objects.select_related("shop").get(pk=booking.pk)

    with django_assert_num_queries(0):  # the shop came with the order
        assert fast.shop.pk == slow.shop.pk == booking.shop_id
        assert [getattr(fast.shop, f.attname) for f in Shop._meta.concrete_fields] == [
            getattr(slow.shop, f.attname) for f in Shop._meta.concrete_fields
        ]
        assert [getattr(fast, name) for name in FIELDS] == [getattr(slow, name) for name in FIELDS]
        assert fast.seven == 7
        assert not hasattr(fast, "shop__id")
    assert fast.shop._state.adding is False
    assert fast.shop._state.db == "default"
