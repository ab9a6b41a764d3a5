"""/healthz, the OpenAPI schema and its docs page."""

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_the_broker_is_unreachable(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["broker"].startswith("down: ")
    assert response.json()["database"] == "ok"


def test_schema_describes_the_auth_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/register/" in paths
    assert "/api/v1/auth/token/" in paths


def test_docs_page_loads_no_asset_from_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert assets
    assert all(not a.startswith(("http://", "https://", "//")) for a in assets), assets
