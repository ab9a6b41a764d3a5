"""Error pages speak the visitor's language and keep the page shell (no bare English default)."""

import pytest
from django.test import override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_a_missing_page_is_a_translated_404(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_forbidden_page_is_a_translated_403(client):
    client.force_login(UserFactory())  # an owner opening the shop console
    response = client.get("/shop/console/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert "Your account cannot open this page." in response.content.decode()
