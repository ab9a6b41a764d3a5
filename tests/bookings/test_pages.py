"""The owner's search page: prefilled from a shop page, clear errors, priced results."""

from decimal import Decimal

import pytest

from parts.models import Part
from shops.models import ShopService
from tests.factories import ShopFactory
from tests.parts.factories import VariantFactory, fitting, item_needing
from tests.shops.factories import DistrictFactory, future_weekday

pytestmark = pytest.mark.django_db


def test_the_search_page_prefills_the_district_from_a_shop_page_link(client):
    DistrictFactory()

    response = client.get("/bookings/find/", {"district": "330106"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="330106" selected>' in html
    assert 'class="error"' not in html


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Choose at least one service or a maintenance package."),
        ("zh-hans", "请至少选择一项服务或一个保养套餐。"),
    ],
)
def test_a_search_without_a_service_says_what_is_missing(client, language, message):
    DistrictFactory()
    variant = VariantFactory()

    response = client.get(
        "/bookings/find/",
        {"variant": variant.id, "district": "330106", "date": str(future_weekday())},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert message in response.content.decode()
    assert response.context["result"] is None


def test_a_search_lists_priced_shops_with_free_times(client):
    district = DistrictFactory()
    variant = VariantFactory()
    item = item_needing("filter_job", Part.Category.OIL_FILTER, hours="0.5", name_en="Oil filter job")
    fitting(variant, category=Part.Category.OIL_FILTER, list_price_amount=Decimal("40.00"))
    shop = ShopFactory(name_en="West Lake Garage", district=district, labour_rate_amount=Decimal("100.00"))
    ShopService.objects.create(shop=shop, service_item=item)

    response = client.get(
        "/bookings/find/",
        {
            "variant": variant.id,
            "service_items": "filter_job",
            "district": "330106",
            "date": str(future_weekday()),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert "West Lake Garage" in html
    assert '<span class="total" data-testid="total">¥90.00</span>' in html
    assert "parts ¥40.00 + labour ¥50.00" in html
    assert "08:30" in html
