"""Shop services: status pipeline, districts from the packages, demo shops."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from parts.models import ServiceItem
from shops.models import District, Shop, ShopPartPrice, ShopService
from shops.services import InvalidShopTransition, district_sync, shop_transition
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "to"),
    [("applied", "active"), ("active", "suspended"), ("suspended", "active")],
)
def test_allowed_status_changes(start, to):
    shop = ShopFactory(status=start)

    shop_transition(shop=shop, to=to)

    assert Shop.objects.get(id=shop.id).status == to


@pytest.mark.parametrize(
    ("start", "to"), [("applied", "suspended"), ("active", "applied"), ("active", "active")]
)
def test_refused_status_changes_change_nothing(start, to):
    shop = ShopFactory(status=start)

    with pytest.raises(InvalidShopTransition):
        shop_transition(shop=shop, to=to)

    assert Shop.objects.get(id=shop.id).status == start


def test_districts_come_from_the_packages_and_loading_twice_changes_nothing():
    first = district_sync(city_code="330100")
    second = district_sync(city_code="330100")

    assert len(first) == len(second) == 13
    assert District.objects.count() == 13
    xihu = District.objects.get(code="330106")
    assert (xihu.name_zh, xihu.name_en, xihu.city_zh) == ("西湖区", "Xihu District", "杭州市")
    assert 30.1 < xihu.lat < 30.35
    assert 119.95 < xihu.lng < 120.2


def test_the_load_districts_command_takes_city_codes():
    out = StringIO()

    call_command("load_districts", "330100", "110000", stdout=out)

    assert District.objects.filter(city_code="330100").count() == 13
    assert District.objects.get(code="110105").name_zh == "朝阳区"
    assert "330100: 13 districts" in out.getvalue()


def test_the_demo_network_has_60_plus_hangzhou_shops_of_three_kinds():
    call_command("demo_load", stdout=StringIO())

    shops = Shop.objects.filter(status="active", district__city_code="330100")
    assert shops.count() == 76
    assert set(shops.values_list("kind", flat=True)) == {"dealer_4s", "chain", "independent"}
    assert len(set(shops.values_list("labour_rate_amount", flat=True))) > 10
    assert shops.filter(memberships__user__username="manager", memberships__role="manager").count() == 1
    # every shop offers most of the catalogue's services; a few lack some; chains and 4S dealers
    # have their own prices for some parts, chains fixed prices for some jobs
    items = ServiceItem.objects.count()
    offered = [shop.services.count() for shop in shops]
    assert min(offered) >= items - 5
    assert max(offered) <= items
    assert shops.filter(services__service_item__code="ac_service").count() < 76
    assert ShopService.objects.filter(fixed_price_amount__isnull=False).exists()
    assert set(ShopPartPrice.objects.values_list("shop__kind", flat=True).distinct()) == {
        "chain",
        "dealer_4s",
    }


def test_a_platform_admin_approves_an_application_in_the_admin(client):
    admin_user = UserFactory(role=User.Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True)
    applied = ShopFactory(status="applied")
    active = ShopFactory(status="active")
    client.force_login(admin_user)

    response = client.post(
        "/admin/shops/shop/",
        {"action": "make_active", "_selected_action": [applied.id, active.id]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert Shop.objects.get(id=applied.id).status == "active"
    messages = [str(m) for m in response.context["messages"]]
    assert "1 shop updated." in messages
    assert any("not possible from status" in m for m in messages)
