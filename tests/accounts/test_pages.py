"""Account pages: sign up, log in/out, profile, navigation per role, language switch."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_an_owner_and_logs_them_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "chen",
            "phone": "13611112222",
            "password1": "Str0ng-pass-2026",
            "password2": "Str0ng-pass-2026",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/", 302)]
    user = User.objects.get(username="chen")
    assert user.role == User.Role.OWNER
    assert response.context["user"] == user


def test_signup_with_a_taken_phone_shows_the_error_and_creates_nothing(client):
    UserFactory(username="first", phone="13611112222")

    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "second",
            "phone": "13611112222",
            "password1": "Str0ng-pass-2026",
            "password2": "Str0ng-pass-2026",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["This mobile number is already registered."]
    assert not User.objects.filter(username="second").exists()


def test_login_then_logout(client):
    UserFactory(username="owner1")

    response = client.post(reverse("accounts:login"), {"username": "owner1", "password": "demo-pass-2026"})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "owner1"

    client.post(reverse("accounts:logout"))
    assert not client.get("/").context["user"].is_authenticated


def _nav_urls(client):
    return [item["url"] for item in client.get("/").context["nav_items"]]


def test_navigation_follows_the_role(client):
    everyone = ["/", "/catalogue/", "/catalogue/parts/", "/bookings/find/"]
    assert _nav_urls(client) == everyone

    client.force_login(UserFactory(role=User.Role.OWNER))
    assert _nav_urls(client) == [*everyone, "/garage/", "/orders/", "/accounts/me/"]

    client.force_login(MembershipFactory().user)
    assert _nav_urls(client) == [
        *everyone,
        "/shop/console/",
        "/shop/bookings/",
        "/shop/redeem/",
        "/shop/manage/",
        "/accounts/me/",
    ]

    client.force_login(UserFactory(role=User.Role.PLATFORM_ADMIN, is_staff=True))
    assert _nav_urls(client) == [
        *everyone,
        "/platform/reconciliation/",
        "/platform/settlement/",
        "/admin/",
        "/accounts/me/",
    ]


def test_shop_console_lists_only_my_shops_and_refuses_owners(client):
    mine = MembershipFactory(shop__name="西湖汽修")
    MembershipFactory(shop__name="别人的店")
    client.force_login(mine.user)

    response = client.get(reverse("shops:console"))
    assert [m.shop.name for m in response.context["memberships"]] == ["西湖汽修"]

    client.force_login(UserFactory())
    assert client.get(reverse("shops:console")).status_code == 403


def test_language_switch_changes_the_page_language(client):
    assert "登录" in client.get("/").content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page


def test_profile_saves_preferred_language(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "", "last_name": "", "email": "", "phone": user.phone, "preferred_language": "en"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert response.cookies["django_language"].value == "en"
