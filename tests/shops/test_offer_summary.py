"""Shops migration 0004: on PostgreSQL the shop row's summary of its offer is always its rows'.

The candidate statement of a quote checks the offer with ``offered_codes @> codes`` and reads
``fixed_prices`` from the shop row (decision 0007), so whatever writes ``shops_shopservice`` (a
service, the admin, a ``QuerySet.update``, a bulk load, a renamed service item, two writers at once)
must leave the summary equal to the rows.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.matching import match
from parts.models import ServiceItem
from shops.models import ShopPartPrice, ShopService
from shops.services import shop_set_services
from tests.factories import ShopFactory
from tests.parts.factories import PartFactory, ServiceItemFactory, VariantFactory
from tests.shops.factories import future_weekday

pytestmark = pytest.mark.postgres

CODES = ("oil_x", "wash_x", "brake_x", "tyre_x")


def summary(shop_id: int) -> tuple[list[str], str | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT offered_codes, fixed_prices FROM shops_shop WHERE id = %s", [shop_id])
        return cursor.fetchone()


def has_part_prices(shop_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_part_prices FROM shops_shop WHERE id = %s", [shop_id])
        return cursor.fetchone()[0]


def from_rows(shop_id: int) -> tuple[list[str], str | None]:
    rows = sorted(
        ShopService.objects.filter(shop_id=shop_id).values_list("service_item__code", "fixed_price_amount")
    )
    fixed = ",".join(f"{code}={amount}" for code, amount in rows if amount is not None)
    return [code for code, _amount in rows], fixed or None


@pytest.fixture
def items():
    return {code: ServiceItemFactory(code=code, labour_hours=Decimal("1.0")) for code in CODES}


@pytest.fixture
def parts():
    return [PartFactory() for _code in CODES]


@pytest.mark.django_db
def test_a_new_shop_offers_nothing_until_it_has_rows(items):
    shop = ShopFactory()

    assert summary(shop.id) == ([], None)

    shop_set_services(shop=shop, offers={"wash_x": None, "oil_x": Decimal("39")})

    assert summary(shop.id) == (["oil_x", "wash_x"], "oil_x=39.00")


@pytest.mark.django_db
def test_updates_deletes_bulk_loads_and_renames_keep_the_summary(items):
    shop, other = ShopFactory(), ShopFactory()
    ShopService.objects.bulk_create(
        [ShopService(shop=s, service_item=items[code]) for s in (shop, other) for code in ("oil_x", "wash_x")]
    )
    assert summary(shop.id) == summary(other.id) == (["oil_x", "wash_x"], None)

    ShopService.objects.filter(service_item__code="wash_x").update(fixed_price_amount=Decimal("25.50"))
    assert summary(shop.id) == summary(other.id) == (["oil_x", "wash_x"], "wash_x=25.50")

    ShopService.objects.filter(shop=shop, service_item__code="oil_x").delete()
    assert summary(shop.id) == (["wash_x"], "wash_x=25.50")
    assert summary(other.id) == (["oil_x", "wash_x"], "wash_x=25.50")

    ServiceItem.objects.filter(code="wash_x").update(code="a_wash_x")
    assert summary(shop.id) == (["a_wash_x"], "a_wash_x=25.50")
    assert summary(other.id) == (["a_wash_x", "oil_x"], "a_wash_x=25.50")

    items["brake_x"].delete()  # no shop offered it: nothing changes
    assert summary(other.id) == (["a_wash_x", "oil_x"], "a_wash_x=25.50")


@pytest.mark.django_db
def test_the_summary_says_whether_the_shop_has_part_prices(parts):
    shop, other = ShopFactory(), ShopFactory()
    assert not has_part_prices(shop.id)

    ShopPartPrice.objects.bulk_create(
        [ShopPartPrice(shop=shop, part=part, unit_price_amount=Decimal("9.90")) for part in parts[:2]]
    )
    assert (has_part_prices(shop.id), has_part_prices(other.id)) == (True, False)

    ShopPartPrice.objects.filter(shop=shop, part=parts[0]).update(shop=other)
    assert (has_part_prices(shop.id), has_part_prices(other.id)) == (True, True)

    ShopPartPrice.objects.filter(shop=shop).delete()
    assert (has_part_prices(shop.id), has_part_prices(other.id)) == (False, True)


operations = st.lists(
    st.tuples(
        st.sampled_from(["offer", "fix", "unfix", "drop", "set", "price", "unprice"]),
        st.integers(0, 2),  # which shop
        st.sampled_from(CODES),
        st.sampled_from([None, Decimal("10"), Decimal("39.90"), Decimal("120.05")]),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_any_sequence_of_writes_leaves_each_summary_equal_to_the_rows(items, parts, steps):
    shops = [ShopFactory() for _ in range(3)]
    for operation, index, code, amount in steps:
        shop = shops[index]
        rows = ShopService.objects.filter(shop=shop, service_item__code=code)
        if operation == "offer":
            ShopService.objects.get_or_create(shop=shop, service_item=items[code])
        elif operation == "fix":
            rows.update(fixed_price_amount=amount or Decimal("1"))
        elif operation == "unfix":
            ShopService.objects.filter(shop=shop).update(fixed_price_amount=None)
        elif operation == "drop":
            rows.delete()
        elif operation == "price":
            ShopPartPrice.objects.get_or_create(
                shop=shop, part=parts[CODES.index(code)], defaults={"unit_price_amount": Decimal("9")}
            )
        elif operation == "unprice":
            ShopPartPrice.objects.filter(shop=shop, part=parts[CODES.index(code)]).delete()
        else:
            shop_set_services(shop=shop, offers={code: amount, "oil_x": None})

    for shop in shops:
        assert summary(shop.id) == from_rows(shop.id)
        assert has_part_prices(shop.id) == ShopPartPrice.objects.filter(shop=shop).exists()


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_items_to_one_shop_at_once_leave_both_in_the_summary():
    items = [ServiceItemFactory(code=code) for code in CODES]
    shop = ShopFactory()
    barrier = threading.Barrier(len(items))
    errors: list[str] = []

    def offer(item):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                ShopService.objects.create(shop=shop, service_item=item)
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=offer, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert summary(shop.id) == (sorted(CODES), None)


@pytest.mark.django_db
def test_a_shop_is_matched_by_its_rows_at_once(items):
    variant = VariantFactory()
    shop = ShopFactory(lat=30.2431, lng=120.1507, labour_rate_amount=Decimal("100.00"))
    ShopService.objects.create(shop=shop, service_item=items["wash_x"])

    def matched():
        day = future_weekday()
        found = match(variant=variant, service_items=["wash_x"], lat=30.2431, lng=120.1507, day=day)
        return [(m.shop.id, m.quote.total_amount) for m in found.matches]

    assert matched() == [(shop.id, Decimal("100.00"))]

    ShopService.objects.filter(shop=shop).update(fixed_price_amount=Decimal("60"))
    assert matched() == [(shop.id, Decimal("60.00"))]

    ShopService.objects.filter(shop=shop).delete()
    assert matched() == []
