"""The API's token scheme answers exactly as DRF's: a known key authenticates its user; an unknown
key or an inactive user is refused in the user's language (403, not 401, because session
authentication comes first and sends no WWW-Authenticate challenge: DRF's rule); the lookup is one
statement."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(key: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def test_a_known_token_authenticates_its_user_in_one_statement(django_assert_num_queries):
    owner = UserFactory(role=User.Role.OWNER)
    key = Token.objects.create(user=owner).key

    with django_assert_num_queries(2):  # the token with its user, then the owner's (empty) garage
        response = _client(key).get("/api/v1/vehicles/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_unknown_token_is_refused_in_the_users_language():
    response = _client("0" * 40, "zh-hans").get("/api/v1/vehicles/")

    assert response.status_code == 403
    assert "认证令牌无效" in response.content.decode()


def test_the_token_of_a_deactivated_user_is_refused():
    owner = UserFactory(role=User.Role.OWNER, is_active=False)
    key = Token.objects.create(user=owner).key

    response = _client(key).get("/api/v1/vehicles/")

    assert response.status_code == 403
    assert "inactive" in response.content.decode()
