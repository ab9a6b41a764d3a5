"""The shop API: anyone reads active shops and their free slots; others are 404."""

import pytest

from tests.factories import ShopFactory
from tests.shops.factories import DistrictFactory, SlotCapacityFactory, at, future_weekday

pytestmark = pytest.mark.django_db


def test_anyone_lists_active_shops_of_a_district(client):
    xihu = DistrictFactory()
    shop = ShopFactory(district=xihu, name="西湖修车铺", labour_rate_amount="88.50")
    ShopFactory(district=xihu, status="suspended")
    ShopFactory(district=xihu, status="applied")
    ShopFactory()  # no district

    response = client.get("/api/v1/shops/", {"district": "330106"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == shop.id
    assert item["name"] == "西湖修车铺"
    assert item["district"]["name_en"] == "Xihu District"
    assert item["location"] == {"lat": 30.2431, "lng": 120.1507, "system": "gcj02"}
    assert item["labour_rate"] == {"amount": "88.50", "currency": "CNY"}
    assert item["hours"][0] == {"weekday": "mon", "opens": "08:30", "closes": "18:00"}
    assert "commission_rate" not in item


def test_a_suspended_shop_is_404(client):
    shop = ShopFactory(status="suspended")

    response = client.get(f"/api/v1/shops/{shop.id}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


def test_slots_of_a_day_with_free_places(client):
    shop = ShopFactory(bays=2, weekly_hours=[["09:00", "12:00"]] * 7)
    day = future_weekday()
    SlotCapacityFactory(shop=shop, starts_at=at(day, "10:00"), booked=2)

    response = client.get(f"/api/v1/shops/{shop.id}/slots/", {"date": day.isoformat()})

    assert response.status_code == 200
    slots = response.json()["slots"]
    assert [(s["starts_at"][11:16], s["free"]) for s in slots] == [("09:00", 2), ("10:00", 0), ("11:00", 2)]
    assert slots[0]["starts_at"].endswith("+08:00")


@pytest.mark.parametrize(
    ("language", "detail", "field_error"),
    [
        ("en", "Please correct the errors below.", "Give the date as YYYY-MM-DD."),
        ("zh-hans", "请更正下面的错误。", "请按 YYYY-MM-DD 格式填写日期。"),
    ],
)
def test_slots_without_a_valid_date_is_a_translated_400(client, language, detail, field_error):
    shop = ShopFactory()

    response = client.get(
        f"/api/v1/shops/{shop.id}/slots/", {"date": "next tuesday"}, HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert response.json()["errors"]["date"] == [field_error]
