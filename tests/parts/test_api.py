"""The catalogue API: anyone may read; lists are paginated; money is an amount and a currency."""

import pytest

from parts.models import Variant

pytestmark = pytest.mark.django_db


def test_brands_are_listed_for_anyone_paginated_and_searchable_by_pinyin_initials(client, real_catalogue):
    everything = client.get("/api/v1/catalogue/brands/")
    by_initials = client.get("/api/v1/catalogue/brands/?q=ft", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert everything.status_code == 200
    assert everything.json()["count"] == 6  # the brands of the loaded models
    assert [(b["slug"], b["name"], b["initials"]) for b in by_initials.json()["results"]] == [
        ("toyota", "丰田", "ft")
    ]


def test_models_of_a_brand(client, real_catalogue):
    response = client.get("/api/v1/catalogue/models/?brand=toyota", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert [(m["slug"], m["name"], m["name_zh"]) for m in response.json()["results"]] == [
        ("corolla", "Corolla", "卡罗拉"),  # by pinyin initials: kll
        ("camry", "Camry", "凯美瑞"),  # kmr
    ]


def test_an_unknown_brand_is_a_404_with_a_detail(client, real_catalogue):
    response = client.get("/api/v1/catalogue/models/?brand=trabant", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such brand.", "code": "not_found"}


def test_variants_of_a_model_carry_their_specs(client, real_catalogue):
    response = client.get("/api/v1/catalogue/variants/?model=corolla", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    first = response.json()["results"][0]
    assert response.json()["count"] == 6
    assert {
        k: first[k] for k in ("slug", "fuel", "engine_code", "oil_capacity_l", "oil_grade", "cylinders")
    } == {
        "slug": "toyota-corolla-1-5l-pioneer-2023",
        "fuel": "petrol",
        "engine_code": "M15B-FKS",
        "oil_capacity_l": "4.00",
        "oil_grade": "0W-20",
        "cylinders": 3,
    }


def test_variants_without_a_model_is_a_400(client):
    response = client.get("/api/v1/catalogue/variants/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Please correct the errors below.",
        "errors": {"model": ["Choose a model: ?model="]},
    }


def test_service_items_list_their_labour_and_needs(client, real_catalogue):
    response = client.get("/api/v1/catalogue/services/?page=1", HTTP_ACCEPT_LANGUAGE="en")

    body = response.json()
    assert body["count"] == 19
    oil = body["results"][0]
    assert {k: oil[k] for k in ("code", "name", "labour_hours", "applies_to", "needs")} == {
        "code": "oil_change",
        "name": "Engine oil change",
        "labour_hours": "0.50",
        "applies_to": "ice",
        "needs": [{"category": "engine_oil", "rule": "oil_capacity", "quantity": "1.00"}],
    }


def test_packages_are_resolved_and_priced_for_one_variant(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get(f"/api/v1/catalogue/packages/?variant={corolla.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12  # minor, major, brake, seasonal × 3 tiers; EV care is for EVs
    minor = next(p for p in body["results"] if p["code"] == "minor_standard")
    assert minor["total_amount"] == {"amount": "627.00", "currency": "CNY"}
    assert minor["parts_amount"] == {"amount": "483.00", "currency": "CNY"}
    assert minor["labour_amount"] == {"amount": "144.00", "currency": "CNY"}
    assert minor["lines"][0] == {
        "kind": "part",
        "service_item_code": "oil_change",
        "sku": "SHELL-HX8-0W20-SP-1L",
        "name_en": "Shell Helix HX8 full synthetic 0W-20 SP/GF-6A 1L",
        "name_zh": minor["lines"][0]["name_zh"],
        "quantity": "5.00",
        "unit_price": {"amount": "85.00", "currency": "CNY"},
        "amount": {"amount": "425.00", "currency": "CNY"},
    }
    assert minor["gaps"] == []
    assert minor["is_complete"] is True
    seasonal_premium = next(p for p in body["results"] if p["code"] == "seasonal_premium")
    assert seasonal_premium["gaps"] == [
        {"service_item_code": "coolant", "category": "coolant", "tier": "premium"}
    ]
    assert seasonal_premium["is_complete"] is False
    assert seasonal_premium["skipped"] == []


def test_a_package_item_the_car_does_not_need_is_listed_as_skipped(client, real_catalogue):
    fit = Variant.objects.get(slug="honda-fit-1-5l-sport-2021")

    response = client.get(f"/api/v1/catalogue/packages/?variant={fit.pk}")

    brake = next(p for p in response.json()["results"] if p["code"] == "brake_economy")
    assert brake["skipped"] == [
        {
            "service_item_code": "brake_pads_rear",
            "name_en": "Rear brake pad replacement",
            "name_zh": "更换后刹车片",
            "categories": ["brake_pads_rear"],
        }
    ]
    assert brake["service_items"] == ["brake_pads_front", "brake_fluid"]
    assert brake["gaps"] == []


def test_an_electric_car_gets_ev_care_and_no_oil_service(client, real_catalogue):
    model_y = Variant.objects.get(slug="tesla-model-y-ev-rwd-2021")

    response = client.get(f"/api/v1/catalogue/packages/?variant={model_y.pk}")

    codes = [p["code"] for p in response.json()["results"]]
    assert codes == [
        "brake_economy", "brake_standard", "brake_premium",
        "seasonal_economy", "seasonal_standard", "seasonal_premium",
        "ev_care_economy", "ev_care_standard", "ev_care_premium",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("", 400, "Please correct the errors below."),
        ("?variant=abc", 400, "Please correct the errors below."),
        ("?variant=999999", 404, "No such car variant."),
    ],
)
def test_packages_need_a_known_variant(client, query, status, detail):
    response = client.get(f"/api/v1/catalogue/packages/{query}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert response.json()["detail"] == detail
