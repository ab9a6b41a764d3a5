"""The catalogue pages: the picker cascade (full page and htmx partial), VIN box, packages, parts."""

import pytest
from django.utils.translation import override

from parts.models import Variant

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_picker_lists_brands_and_an_htmx_click_returns_only_the_models(client, real_catalogue):
    page = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    partial = client.get("/catalogue/?brand=toyota", HTTP_ACCEPT_LANGUAGE="zh-hans", **HTMX)

    assert page.status_code == 200
    assert "<html" in page.text
    assert "丰田" in page.text
    assert 'name="vin"' in page.text
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "卡罗拉" in partial.text
    assert "凯美瑞" in partial.text
    assert "宝马" not in partial.text


@pytest.mark.parametrize("q", ["卡罗", "kll", "kaluo", "corolla"])
def test_search_finds_a_model_in_chinese_pinyin_initials_or_english(client, real_catalogue, q):
    response = client.get("/catalogue/", {"q": q}, HTTP_ACCEPT_LANGUAGE="zh-hans", **HTMX)

    assert response.status_code == 200
    assert '?model=corolla"' in response.text
    assert "?model=camry" not in response.text


def test_a_model_lists_its_variants_with_links_to_their_page(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get("/catalogue/?model=corolla", HTTP_ACCEPT_LANGUAGE="en")

    assert f'href="/catalogue/variants/{corolla.pk}/"' in response.text
    assert "1.2T S-CVT Pioneer 2019-2022" in response.text


def test_an_unknown_brand_says_so(client, real_catalogue):
    response = client.get("/catalogue/?brand=trabant", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert "No such brand." in response.text


def test_the_variant_page_shows_its_packages_with_prices_and_gaps(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get(f"/catalogue/variants/{corolla.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = response.text
    assert "Standard minor service" in text
    assert "¥627.00" in text
    assert "SHELL-HX8-0W20-SP-1L" in text
    assert "No premium-tier part fits this car: Coolant." in text
    assert client.session["parts_variant_id"] == corolla.pk


def test_the_quote_builder_prices_chosen_services(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get(
        f"/catalogue/variants/{corolla.pk}/quote/",
        {"items": ["oil_change", "oil_filter"], "tier": "standard"},
        HTTP_ACCEPT_LANGUAGE="en",
        **HTMX,
    )

    assert response.status_code == 200
    assert "¥567.00" in response.text  # 425.00 + 60.00 + 58.00 + 24.00


def test_the_quote_builder_refuses_nothing_chosen_and_a_service_the_car_cannot_have(client, real_catalogue):
    model_y = Variant.objects.get(slug="tesla-model-y-ev-rwd-2021")
    url = f"/catalogue/variants/{model_y.pk}/quote/"

    empty = client.get(url, {"tier": "standard"}, HTTP_ACCEPT_LANGUAGE="en")
    engine_job = client.get(url, {"items": ["oil_change"]}, HTTP_ACCEPT_LANGUAGE="en")

    assert empty.status_code == 400
    assert "Choose at least one service." in empty.text
    assert engine_job.status_code == 400
    assert "Select a valid choice. oil_change is not one of the available choices." in engine_job.text


def test_the_parts_browser_marks_what_fits_the_chosen_car(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get(
        "/catalogue/parts/",
        {"variant": corolla.pk, "q": "HU7019", "category": "oil_filter"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    bmw_filter = client.get("/catalogue/parts/", {"q": "BOSCH-OF-BMW-B"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["page"].object_list[0].sku == "MANN-HU7019z"
    assert "Fits your car" in response.text
    assert [p.fits for p in bmw_filter.context["page"].object_list] == [False]
    assert "Does not fit your car" in bmw_filter.text


def test_only_fitting_parts_when_asked(client, real_catalogue):
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")

    response = client.get(
        "/catalogue/parts/", {"variant": corolla.pk, "category": "wiper_blade", "fits": "on"}
    )

    assert sorted(p.sku for p in response.context["page"].object_list) == [
        "3M-FLAT-400",
        "3M-FLAT-650",
        "BOSCH-AEROTWIN-400",
        "BOSCH-AEROTWIN-650",
        "VALEO-FIRST-MC-400",
        "VALEO-FIRST-MC-650",
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "A VIN has exactly 17 characters; this one has 6."),
        ("zh-hans", "车架号（VIN）应为 17 位，您输入了 6 位。"),
    ],
)
def test_the_vin_box_explains_a_bad_vin(client, language, message):
    response = client.get("/catalogue/vin/", {"vin": "LFV2A2"}, HTTP_ACCEPT_LANGUAGE=language)
    partial = client.get("/catalogue/vin/", {"vin": "LFV2A2"}, HTTP_ACCEPT_LANGUAGE=language, **HTMX)

    assert response.status_code == 400
    assert message in response.text
    assert partial.status_code == 200  # htmx swaps successful responses only
    assert message in partial.text


def test_the_vin_box_offers_the_variants(client, real_catalogue):
    response = client.get("/catalogue/vin/", {"vin": "LW433B109P1000000"}, HTTP_ACCEPT_LANGUAGE="en", **HTMX)

    assert "Li Auto" in response.text
    with override("en"):
        expected = str(Variant.objects.get(slug="li-auto-l7-1-5t-erev-pro-2023"))
    assert expected in response.text


def test_the_vin_box_speaks_chinese(client, real_catalogue):
    response = client.get("/catalogue/vin/", {"vin": "LW433B109P1000000"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert "<dd>中国</dd>" in response.text
    assert "<dd>理想</dd>" in response.text
    assert "理想 L7 1.5T 增程 Pro 2023款起" in response.text


def test_the_variant_page_says_why_a_package_item_is_not_priced(client, real_catalogue):
    fit = Variant.objects.get(slug="honda-fit-1-5l-sport-2021")

    response = client.get(f"/catalogue/variants/{fit.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "这辆车无需此项：更换后刹车片（该处为鼓式制动器）。" in response.text


def test_a_vin_in_the_picker_pre_fills_the_cascade(client, real_catalogue):
    one_model = client.get(
        "/catalogue/vin/", {"vin": "LW433B109P1000000"}, HTTP_ACCEPT_LANGUAGE="zh-hans", **HTMX
    )
    two_brands = client.get(
        "/catalogue/vin/", {"vin": "LFV2A21K6J3000000"}, HTTP_ACCEPT_LANGUAGE="zh-hans", **HTMX
    )

    assert '<div id="cascade" hx-swap-oob="true"' in one_model.text
    assert "您的理想 L7是哪一款？" in one_model.text
    assert one_model.context["cascade"]["step"] == "variants"
    assert two_brands.context["cascade"] is None  # FAW-VW builds VW and Audi: the owner picks
