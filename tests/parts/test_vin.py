"""VIN validation and decoding, and the VIN endpoint: a bad VIN is a 400 with the reason."""

from datetime import date

import pytest
from django.utils import translation

from parts.models import Brand
from parts.vin import InvalidVin, check_digit, vin_decode

TODAY = date(2026, 11, 22)


def test_a_chinese_vin_decodes_maker_model_year_and_our_brands():
    decoded = vin_decode("lfv2a21k6j3000000", today=TODAY)

    assert decoded.vin == "LFV2A21K6J3000000"
    assert decoded.manufacturer == "FAW-Volkswagen"
    assert decoded.country == "China"
    assert decoded.model_year == 2018
    assert decoded.check_digit_checked is True
    assert decoded.brand_slugs == ("volkswagen", "audi")


def test_a_new_ev_maker_that_vininfo_lacks_is_known():
    decoded = vin_decode("LW433B109P1000000", today=TODAY)

    assert (decoded.manufacturer, decoded.model_year, decoded.brand_slugs) == ("Li Auto", 2023, ("li-auto",))


def test_spaces_and_dashes_are_ignored():
    assert vin_decode(" LFV2A21K6J-3000 000 ", today=TODAY).vin == "LFV2A21K6J3000000"


def test_the_check_digit_follows_iso_3779():
    assert check_digit("1HGCM82633A004352") == "3"
    assert check_digit("5YJ3E1EA0KF317000") == "2"
    assert check_digit("LRW3E7FA0MC000001") == "X"


@pytest.mark.parametrize(
    ("vin", "code", "message"),
    [
        ("LFV2A21K", "invalid_vin_length", "A VIN has exactly 17 characters; this one has 8."),
        (
            "LFV2A21K6J300000O",
            "invalid_vin_characters",
            "A VIN uses only digits and capital letters other than I, O and Q; found: O.",
        ),
        (
            "LFV2A21K0J3000000",
            "invalid_vin_check_digit",
            "The check digit (9th character) should be 6, not 0: check for a typing mistake.",
        ),
        (
            "1HGCM82653A004352",
            "invalid_vin_check_digit",
            "The check digit (9th character) should be 3, not 5: check for a typing mistake.",
        ),
    ],
)
def test_bad_vins_are_refused_with_the_reason(vin, code, message):
    with translation.override("en"), pytest.raises(InvalidVin) as refused:
        vin_decode(vin)

    assert refused.value.code == code
    assert str(refused.value.message) == message


def test_a_european_vin_needs_no_check_digit():
    decoded = vin_decode("WBA3A5C50CF256651", today=TODAY)  # position 9 is not the check digit (7)

    assert (decoded.manufacturer, decoded.check_digit_checked, decoded.brand_slugs) == (
        "BMW",
        False,
        ("bmw",),
    )


# --- the endpoint --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_vin_endpoint_offers_the_catalogue_variants_of_that_maker_and_year(client, real_catalogue):
    response = client.get("/api/v1/catalogue/vin/LW433B109P1000000/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert (body["manufacturer"], body["model_year"], body["check_digit_checked"]) == ("Li Auto", 2023, True)
    assert [b["slug"] for b in body["brands"]] == ["li-auto"]
    assert [v["slug"] for v in body["variants"]] == [
        "li-auto-l7-1-5t-erev-pro-2023",
        "li-auto-l7-1-5t-erev-max-2023",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "en",
            "The check digit (9th character) should be 6, not 0: check for a typing mistake.",
        ),
        ("zh-hans", "校验位（第9位）应为 6，而不是 0：请检查是否输错。"),
    ],
)
def test_a_bad_vin_is_a_400_with_a_translated_reason_and_changes_nothing(client, language, detail):
    brands_before = Brand.objects.count()

    response = client.get("/api/v1/catalogue/vin/LFV2A21K0J3000000/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "invalid_vin_check_digit"}
    assert Brand.objects.count() == brands_before
