"""The account API: owner sign-up (throttled) and token login."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"


def test_register_creates_an_owner_and_returns_a_token():
    response = APIClient().post(
        REGISTER, {"username": "zhangsan", "password": "Str0ng-pass-2026", "phone": "13912345678"}
    )

    assert response.status_code == 201
    user = User.objects.get(username="zhangsan")
    assert user.role == User.Role.OWNER
    assert user.phone == "13912345678"
    assert user.check_password("Str0ng-pass-2026")
    assert response.json()["user"] == {
        "id": user.pk,
        "username": "zhangsan",
        "phone": "13912345678",
        "role": "owner",
    }
    assert len(response.json()["token"]) == 40


def test_register_rejects_a_bad_phone_with_a_translated_message():
    response = APIClient().post(
        REGISTER,
        {"username": "lisi", "password": "Str0ng-pass-2026", "phone": "12345"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "请更正下面的错误。"
    assert body["errors"]["phone"] == ["请输入中国大陆手机号：以 1 开头的 11 位数字。"]
    assert not User.objects.filter(username="lisi").exists()


def test_register_rejects_a_weak_password_in_english():
    response = APIClient().post(
        REGISTER, {"username": "lisi", "password": "123", "phone": "13912345678"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Please correct the errors below."
    assert (
        "This password is too short. It must contain at least 8 characters."
        in response.json()["errors"]["password"]
    )
    assert User.objects.count() == 0


def test_register_refuses_a_taken_username_with_409():
    UserFactory(username="wangwu", phone="13900000001")

    response = APIClient().post(
        REGISTER,
        {"username": "wangwu", "password": "Str0ng-pass-2026", "phone": "13900000002"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "This username or mobile number is already registered."
    assert User.objects.count() == 1


def test_register_is_throttled(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "3/hour", "token": "30/minute"})
    client = APIClient()
    codes = [
        client.post(
            REGISTER,
            {"username": f"spam{i}", "password": "Str0ng-pass-2026", "phone": f"1391234000{i}"},
            HTTP_ACCEPT_LANGUAGE="en",
        ).status_code
        for i in range(4)
    ]

    assert codes == [201, 201, 201, 429]
    assert User.objects.count() == 3


def test_token_for_valid_credentials_authenticates_api_calls():
    user = UserFactory(username="owner1")

    response = APIClient().post(TOKEN, {"username": "owner1", "password": "demo-pass-2026"})

    assert response.status_code == 200
    assert response.json()["token"] == user.auth_token.key


def test_token_refuses_a_wrong_password():
    UserFactory(username="owner1")

    response = APIClient().post(TOKEN, {"username": "owner1", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["Wrong username or password."]
