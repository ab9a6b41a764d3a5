"""Shop pages: the public profile, the application, and the manager's pages (own shop only)."""

import pytest

from accounts.models import User
from shops.models import Membership, Shop, ShopClosure
from tests.factories import MembershipFactory, ShopFactory, UserFactory
from tests.shops.factories import DistrictFactory, future_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    membership = MembershipFactory(shop__bays=2)
    client.force_login(membership.user)
    return membership


def test_the_public_profile_shows_hours_and_free_times(client):
    shop = ShopFactory(name="之江汽修", weekly_hours=[["08:00", "18:00"]] * 6 + [None])

    response = client.get(f"/shops/{shop.slug}/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "之江汽修" in html
    assert "08:00–18:00" in html
    assert "Next free times" in html


def test_a_suspended_shop_has_no_public_page(client):
    shop = ShopFactory(status="suspended")

    assert client.get(f"/shops/{shop.slug}/").status_code == 404


def test_a_merchant_applies_and_the_shop_waits_for_approval(client):
    district = DistrictFactory()
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/shop/apply/",
        {
            "name": "滨江快修",
            "name_en": "Binjiang Quick Fix",
            "kind": "independent",
            "phone": "0571-86660000",
            "district": district.code,
            "address": "杭州市滨江区江南大道100号",
        },
    )

    assert response.status_code == 302
    shop = Shop.objects.get(name="滨江快修")
    assert shop.status == Shop.Status.APPLIED
    assert (shop.lat, shop.lng) == (district.lat, district.lng)
    assert Membership.objects.get(shop=shop).user == user
    user.refresh_from_db()
    assert user.role == User.Role.SHOP_STAFF
    assert client.get(f"/shops/{shop.slug}/").status_code == 404


def test_the_manager_changes_capacity_and_labour_rate(client, manager):
    shop = manager.shop
    DistrictFactory()
    form = {
        "name": shop.name,
        "name_en": "",
        "phone": "0571-80000000",
        "district": "330106",
        "address": "杭州市西湖区文三路1号",
        "lat": "30.28",
        "lng": "120.13",
        "service_radius_km": "12",
        "labour_rate_amount": "135.5",
        "bays": "4",
        "slot_minutes": "30",
        "payout_account_name": "",
        "payout_bank": "",
        "payout_account_number": "",
    }

    response = client.post(f"/shop/{shop.id}/settings/", form)

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.bays, shop.slot_minutes, str(shop.labour_rate_amount)) == (4, 30, "135.50")
    assert (shop.lat, shop.lng, shop.service_radius_km) == (30.28, 120.13, 12)


def test_the_manager_sets_hours_and_a_closure(client, manager):
    shop = manager.shop
    hours = {"save_hours": "1", "observes_public_holidays": "on"}
    for weekday in range(6):
        hours |= {f"open_{weekday}": "on", f"opens_{weekday}": "09:00", f"closes_{weekday}": "17:00"}
    day = future_weekday()

    client.post(f"/shop/{shop.id}/hours/", hours)
    client.post(f"/shop/{shop.id}/hours/", {"add_closure": "1", "date": day.isoformat(), "is_open": "closed"})

    shop.refresh_from_db()
    assert shop.weekly_hours == [["09:00", "17:00"]] * 6 + [None]
    assert shop.observes_public_holidays is True
    assert ShopClosure.objects.get(shop=shop).date == day


def test_hours_closing_before_opening_are_refused_with_a_message(client, manager):
    shop = manager.shop
    before = shop.weekly_hours
    form = {"save_hours": "1", "open_0": "on", "opens_0": "18:00", "closes_0": "09:00"}

    response = client.post(f"/shop/{shop.id}/hours/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Give opening and closing time, closing after opening." in response.content.decode()
    shop.refresh_from_db()
    assert shop.weekly_hours == before


def test_the_manager_adds_and_removes_staff(client, manager):
    shop = manager.shop
    technician = UserFactory(username="xiaozhang", role=User.Role.SHOP_STAFF)

    client.post(f"/shop/{shop.id}/staff/", {"username": "xiaozhang", "role": "technician"})
    membership = Membership.objects.get(shop=shop, user=technician)
    client.post(f"/shop/{shop.id}/staff/{membership.id}/remove/")

    assert membership.role == "technician"
    assert not Membership.objects.filter(shop=shop, user=technician).exists()


def test_adding_an_owner_account_as_staff_is_refused(client, manager):
    owner = UserFactory(username="carowner")

    response = client.post(
        f"/shop/{manager.shop.id}/staff/",
        {"username": "carowner", "role": "cashier"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "No shop-staff account has this username." in response.content.decode()
    assert not Membership.objects.filter(user=owner).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/shop/{id}/settings/"),
        ("post", "/shop/{id}/settings/"),
        ("get", "/shop/{id}/hours/"),
        ("post", "/shop/{id}/hours/"),
        ("get", "/shop/{id}/staff/"),
        ("post", "/shop/{id}/staff/"),
        ("post", "/shop/{id}/closures/{closure}/delete/"),
        ("post", "/shop/{id}/staff/{membership}/remove/"),
    ],
)
def test_staff_cannot_read_or_change_another_shop(client, manager, method, path):
    other = ShopFactory(bays=3, name="别家门店")
    other_manager = MembershipFactory(shop=other)
    closure = ShopClosure.objects.create(shop=other, date=future_weekday(), is_open=False)

    url = path.format(id=other.id, closure=closure.id, membership=other_manager.id)
    response = getattr(client, method)(
        url, {"bays": "9", "username": manager.user.username, "role": "manager"}
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.bays == 3
    assert ShopClosure.objects.filter(id=closure.id).exists()
    assert Membership.objects.filter(shop=other).count() == 1


def test_a_technician_cannot_open_the_managers_pages(client):
    membership = MembershipFactory(role=Membership.Role.TECHNICIAN)
    client.force_login(membership.user)

    assert client.get(f"/shop/{membership.shop.id}/settings/").status_code == 404


def test_a_closure_of_the_managers_own_shop_cannot_be_deleted_through_another_shop(client, manager):
    other = MembershipFactory(user=manager.user).shop  # the user manages both shops
    closure = ShopClosure.objects.create(shop=manager.shop, date=future_weekday(), opens=None, is_open=False)

    response = client.post(f"/shop/{other.id}/closures/{closure.id}/delete/")

    assert response.status_code == 404
    assert ShopClosure.objects.filter(id=closure.id).exists()


def test_the_last_manager_stays(client, manager):
    response = client.post(f"/shop/{manager.shop.id}/staff/{manager.id}/remove/", follow=True)

    assert Membership.objects.filter(id=manager.id).exists()
    assert response.status_code == 200
