"""POST /api/v1/quotes/: anyone quotes; the SQL cost is constant; bad input is a translated 400."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.api.serializers import QuoteOutputSerializer
from parts.models import Part
from shops.models import ShopService
from shops.selectors import district_point
from tests.factories import ShopFactory
from tests.parts.factories import PackageFactory, PackageItemFactory, VariantFactory, fitting, item_needing
from tests.shops.factories import DistrictFactory, future_weekday

pytestmark = pytest.mark.django_db

KM = 1 / 111.195


@pytest.fixture
def catalogue():
    variant = VariantFactory()
    item = item_needing("filter_job", Part.Category.OIL_FILTER, hours="0.5")
    fitting(variant, category=Part.Category.OIL_FILTER, list_price_amount=Decimal("40.00"))
    package = PackageFactory(code="filter_package")
    PackageItemFactory(package=package, service_item=item)
    return {"variant": variant, "item": item, "package": package}


def _shops(catalogue, count, district):
    for n in range(count):
        shop = ShopFactory(lat=district.lat + 0.05 * n * KM, lng=district.lng, district=district)
        ShopService.objects.create(shop=shop, service_item=catalogue["item"])


def _post(client, body, language="en"):
    return client.post(
        "/api/v1/quotes/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


def test_a_quote_from_a_district_lists_priced_shops_with_free_slots(client, catalogue):
    district = DistrictFactory()
    _shops(catalogue, 2, district)
    day = future_weekday()

    response = _post(
        client,
        {
            "variant": catalogue["variant"].id,
            "package": "filter_package",
            "district": "330106",
            "date": str(day),
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["service_items"] == ["filter_job"]
    assert body["count"] == 2
    first = body["results"][0]
    assert first["price"]["parts"] == {"amount": "40.00", "currency": "CNY"}
    assert first["price"]["labour"] == {"amount": "50.00", "currency": "CNY"}
    assert first["price"]["total"] == {"amount": "90.00", "currency": "CNY"}
    assert [line["kind"] for line in first["price"]["lines"]] == ["part", "labour"]
    assert first["next_free_slots"][0]["starts_at"] == f"{day}T08:30:00+08:00"
    assert first["free_slot_count"] == 9
    assert body["dispatch"]["shop"]["id"] in {r["shop"]["id"] for r in body["results"]}
    documented = QuoteOutputSerializer(data=body)
    assert documented.is_valid(), documented.errors


@pytest.mark.parametrize("count", [1, 20, 50])
def test_a_quote_costs_the_same_few_queries_whatever_the_number_of_shops(client, catalogue, count):
    district = DistrictFactory()
    _shops(catalogue, count, district)
    body = {
        "variant": catalogue["variant"].id,
        "package": "filter_package",
        "district": "330106",
        "date": str(future_weekday()),
        "limit": 50,
    }
    district_point("330106")  # districts are cached reference data, as in production

    with CaptureQueriesContext(connection) as cold:
        response = _post(client, body)
    with CaptureQueriesContext(connection) as warm:
        _post(client, body)

    assert response.json()["count"] == count
    # variant, package, service items, fitting parts; the shops with their prices and booked places
    assert len(cold) == 5
    # the job's resolution for this car is cached: the shops with their prices and booked places
    assert len(warm) == 1


def test_gps_coordinates_are_converted_to_gcj02(client, catalogue):
    response = _post(
        client,
        {
            "variant": catalogue["variant"].id,
            "service_items": ["filter_job"],
            "location": {"lat": 30.2431, "lng": 120.1507, "system": "wgs84"},
            "date": str(future_weekday()),
        },
    )

    location = response.json()["location"]
    assert location["system"] == "gcj02"
    assert 30.240 < location["lat"] < 30.2431
    assert 120.1507 < location["lng"] < 120.160


@pytest.mark.parametrize(
    ("body", "field", "message_en", "message_zh"),
    [
        (
            {"district": "330106"},
            "service_items",
            "Choose at least one service or a maintenance package.",
            "请至少选择一项服务或一个保养套餐。",
        ),
        (
            {"service_items": ["filter_job"]},
            "location",
            "Give either a location or a district, not both.",
            "请提供位置或区县，二者选其一。",
        ),
        (
            {"service_items": ["filter_job"], "district": "330106", "date": "2020-01-01"},
            "date",
            "Pick today or a later day.",
            "请选择今天或之后的日期。",
        ),
        (
            {"service_items": ["filter_job"], "district": "330106", "variant": 0},
            "variant",
            "Unknown car variant.",
            "未知的车型。",
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bad_input_is_a_translated_400_with_the_field(
    client, catalogue, body, field, message_en, message_zh, language
):
    request = {"variant": catalogue["variant"].id, "date": str(future_weekday())} | body

    response = _post(client, request, language)

    assert response.status_code == 400
    assert response.json()["errors"][field] == [message_en if language == "en" else message_zh]


def test_an_unknown_district_is_a_clear_400(client, catalogue):
    response = _post(
        client,
        {
            "variant": catalogue["variant"].id,
            "service_items": ["filter_job"],
            "district": "999999",
            "date": str(future_weekday()),
        },
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Unknown district."


def test_the_fast_renderer_writes_the_bytes_drf_writes(client, catalogue):
    from decimal import Decimal

    from django.utils.translation import gettext_lazy
    from rest_framework.renderers import JSONRenderer

    from common.api import FastJSONRenderer

    _shops(catalogue, 3, DistrictFactory())
    response = _post(
        client,
        {
            "variant": catalogue["variant"].id,
            "package": "filter_package",
            "district": "330106",
            "date": str(future_weekday()),
        },
        language="zh-hans",
    )
    body = response.json()
    assert response.content == JSONRenderer().render(body)
    assert body["results"]  # a real quote: shops, prices, lines, slots, Chinese names
    odd = {
        "text": "a\u2028b\u2029c 保养",
        "money": Decimal("1.50"),
        "lazy": gettext_lazy("Unknown district."),
    }
    fast, drf = FastJSONRenderer(), JSONRenderer()

    for data in (body, odd, {"big": 2**70}, [1.5, None, True, "x"]):
        assert fast.render(data) == drf.render(data)
    indented = "application/json; indent=4"
    assert fast.render(body, indented) == drf.render(body, indented)


def _shown(shop) -> tuple[dict, str | None]:
    """What the body showed of a shop when it was built from the ``Shop`` instance."""
    district = shop.district
    return {
        "id": shop.id,
        "slug": shop.slug,
        "name": shop.name,
        "name_en": shop.name_en,
        "kind": shop.kind,
        "phone": shop.phone,
        "address": shop.address,
        "district": {
            "code": district.code,
            "name_zh": district.name_zh,
            "name_en": district.name_en,
            "city_zh": district.city_zh,
        }
        if district
        else None,
        "location": {"lat": shop.lat, "lng": shop.lng, "system": "gcj02"},
        "dispatch_priority": shop.dispatch_priority,
    }, str(shop.rating) if shop.rating is not None else None


def test_the_body_shows_of_each_shop_what_its_shop_instance_holds_and_builds_none(
    client, catalogue, monkeypatch
):
    from bookings.matching import match
    from shops.models import Shop
    from tests.shops.factories import SlotCapacityFactory, at

    district = DistrictFactory()
    day = future_weekday()
    shops = [
        ShopFactory(lat=district.lat, lng=district.lng, district=district, rating=Decimal("4.5"), bays=2),
        ShopFactory(lat=district.lat + KM, lng=district.lng, district=None, rating=None, dispatch_priority=3),
        ShopFactory(lat=district.lat + 2 * KM, lng=district.lng, rating=Decimal("3.25"), name_en=""),
    ]
    for shop in shops:
        ShopService.objects.create(shop=shop, service_item=catalogue["item"])
    SlotCapacityFactory(shop=shops[0], starts_at=at(day, "08:30"), booked=2)  # full
    SlotCapacityFactory(shop=shops[0], starts_at=at(day, "10:30"), booked=1)
    point = {"lat": district.lat, "lng": district.lng}

    result = match(variant=catalogue["variant"], package="filter_package", day=day, **point)

    assert len(result.matches) == 3
    for m in result.matches:
        assert m.candidate.display() == _shown(Shop.objects.select_related("district").get(id=m.candidate.id))
        assert (m.free_slot_count, m.next_free_slots) == (len(m.slots), m.slots[:3])
    assert result.matches[0].free_slot_count == 8

    built = []
    monkeypatch.setattr(Shop, "from_db", classmethod(lambda cls, *args: built.append(args)))
    response = _post(client, {"variant": catalogue["variant"].id, "package": "filter_package",
                              "location": point, "date": str(day)})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["results"][0]["free_slot_count"] == 8
    assert built == []


def test_no_other_pattern_answers_the_quote_path_so_its_place_in_the_map_is_free():
    """The quote include sits early in ``api_v1`` (a path resolves down the list): that changes
    nothing only while no other pattern matches its path."""
    import types

    from django.urls import Resolver404, include, path, resolve

    from bookings.api.views import QuoteApi
    from carplatform import urls

    others = [p for p in urls.api_v1 if str(p.pattern) != "quotes/"]
    without = types.ModuleType("without_quotes")
    without.urlpatterns = [path("api/v1/", include(others))]

    assert len(others) == len(urls.api_v1) - 1
    assert resolve("/api/v1/quotes/").func.view_class is QuoteApi
    with pytest.raises(Resolver404):
        resolve("/api/v1/quotes/", urlconf=without)


@pytest.mark.postgres
def test_a_warm_quote_reads_no_cache_and_still_sees_a_catalogue_change_at_once(
    client, catalogue, cache_reads
):
    # decision 0007: the candidate statement reads where the catalogue's change sequence stands;
    # while it has not moved, the process's version holds and the cache is not asked
    district = DistrictFactory()
    _shops(catalogue, 3, district)
    body = {"variant": catalogue["variant"].id, "package": "filter_package", "date": str(future_weekday())}
    body["location"] = {"lat": district.lat, "lng": district.lng, "system": "gcj02"}
    first = _post(client, body).json()
    assert first["count"] == 3
    cache_reads.clear()

    # when the same job is quoted again
    again = _post(client, body).json()
    # then nothing was read from the cache (the version, the resolution: all known)
    assert cache_reads == []
    assert again["results"] == first["results"]

    # when the catalogue changes (a part's list price), the next quote shows it at once
    part = Part.objects.get(category=Part.Category.OIL_FILTER)
    part.list_price_amount += Decimal("10.00")
    part.save()
    changed = _post(client, body).json()

    totals = [Decimal(r["price"]["total"]["amount"]) for r in first["results"]]
    assert [Decimal(r["price"]["total"]["amount"]) for r in changed["results"]] == [
        total + Decimal("10.00") for total in totals
    ]


@pytest.mark.postgres
def test_a_version_set_after_the_sighting_moves_the_sequence_past_it():
    from parts import quoting

    seen = quoting.catalogue_version_seen(quoting.catalogue_changes_read())
    assert quoting.catalogue_version_seen(quoting.catalogue_changes_read()) == seen  # nothing moved

    quoting.catalogue_changed()  # a writer: the version, then the sequence

    assert (
        quoting.catalogue_version_seen(quoting.catalogue_changes_read())
        == quoting.catalogue_version()
        != seen
    )
