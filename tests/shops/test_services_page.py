"""The manager's services and prices page; the public profile shows what the shop offers."""

from decimal import Decimal

import pytest

from shops.models import ShopPartPrice, ShopService
from shops.selectors import shop_pricebooks
from tests.factories import MembershipFactory, ShopFactory
from tests.parts.factories import PartFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    membership = MembershipFactory(shop__labour_rate_amount=Decimal("120.00"))
    client.force_login(membership.user)
    return membership


@pytest.fixture
def items():
    return [
        ServiceItemFactory(code="oil_job", name_zh="更换机油", labour_hours=Decimal("0.5")),
        ServiceItemFactory(code="wash_job", name_zh="洗车", labour_hours=Decimal("0.3")),
        ServiceItemFactory(code="tyre_job", name_zh="换轮胎", labour_hours=Decimal("1.0")),
    ]


def test_the_manager_chooses_services_and_a_fixed_price(client, manager, items):
    shop = manager.shop
    ShopService.objects.create(shop=shop, service_item=items[2])

    response = client.post(
        f"/shop/{shop.id}/services/",
        {"save_services": "1", "offer_oil_job": "on", "offer_wash_job": "on", "fixed_wash_job": "25"},
    )

    assert response.status_code == 302
    offered = dict(
        ShopService.objects.filter(shop=shop).values_list("service_item__code", "fixed_price_amount")
    )
    assert offered == {"oil_job": None, "wash_job": Decimal("25.00")}


def test_the_profile_shows_labour_at_the_shop_rate_or_its_fixed_price(client, manager, items):
    shop = manager.shop
    ShopService.objects.create(shop=shop, service_item=items[0])
    ShopService.objects.create(shop=shop, service_item=items[1], fixed_price_amount=Decimal("25.00"))

    html = client.get(f"/shops/{shop.slug}/").content.decode()

    assert "更换机油" in html
    assert "¥60.00" in html  # 0.5 h x 120
    assert "¥25.00" in html
    assert "换轮胎" not in html


def test_the_manager_sets_and_removes_a_part_price_by_sku(client, manager):
    shop = manager.shop
    part = PartFactory(sku="MANN-W811-80", list_price_amount=Decimal("45.00"))

    client.post(
        f"/shop/{shop.id}/services/", {"add_price": "1", "sku": "MANN-W811-80", "unit_price_amount": "39.9"}
    )
    override = ShopPartPrice.objects.get(shop=shop, part=part)
    client.post(f"/shop/{shop.id}/prices/{override.id}/delete/")

    assert override.unit_price_amount == Decimal("39.90")
    assert not ShopPartPrice.objects.filter(shop=shop).exists()


def test_an_unknown_sku_is_refused_with_a_message(client, manager):
    response = client.post(
        f"/shop/{manager.shop.id}/services/",
        {"add_price": "1", "sku": "NO-SUCH-PART", "unit_price_amount": "10"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "No catalogue part has this SKU." in response.content.decode()
    assert not ShopPartPrice.objects.exists()


def test_another_shops_services_and_prices_are_404(client, manager, items):
    other = ShopFactory()
    ShopService.objects.create(shop=other, service_item=items[0])
    override = ShopPartPrice.objects.create(shop=other, part=PartFactory(), unit_price_amount=Decimal("9.00"))

    assert client.get(f"/shop/{other.id}/services/").status_code == 404
    assert client.post(f"/shop/{other.id}/services/", {"save_services": "1"}).status_code == 404
    assert client.post(f"/shop/{manager.shop.id}/prices/{override.id}/delete/").status_code == 404
    assert client.post(f"/shop/{other.id}/prices/{override.id}/delete/").status_code == 404
    assert ShopService.objects.filter(shop=other).count() == 1
    assert ShopPartPrice.objects.filter(id=override.id).exists()


def test_price_books_of_many_shops_cost_two_queries(django_assert_num_queries, items):
    part = PartFactory(list_price_amount=Decimal("50.00"))
    shops = [ShopFactory(labour_rate_amount=Decimal(f"{100 + n}.00")) for n in range(5)]
    ShopService.objects.create(shop=shops[0], service_item=items[0], fixed_price_amount=Decimal("30.00"))
    ShopService.objects.create(shop=shops[1], service_item=items[0])
    ShopPartPrice.objects.create(shop=shops[1], part=part, unit_price_amount=Decimal("44.00"))

    with django_assert_num_queries(2):
        books = shop_pricebooks(shops)

    assert books[shops[0].id].fixed_prices == {"oil_job": Decimal("30.00")}
    assert books[shops[1].id].fixed_prices == {}
    assert books[shops[1].id].part_prices == {part.id: Decimal("44.00")}
    assert [books[s.id].labour_rate for s in shops] == [Decimal(f"{100 + n}.00") for n in range(5)]


def test_the_shop_api_lists_services_with_the_shops_labour_price(client, manager, items):
    shop = manager.shop
    ShopService.objects.create(shop=shop, service_item=items[0])
    ShopService.objects.create(shop=shop, service_item=items[1], fixed_price_amount=Decimal("25.00"))

    services = client.get(f"/api/v1/shops/{shop.id}/").json()["services"]

    assert [(s["code"], s["labour"]["amount"], s["is_fixed"]) for s in services] == [
        ("oil_job", "60.00", False),
        ("wash_job", "25.00", True),
    ]
