"""An owner on a phone searches from a district for a package on a real car: shops sorted by price,
each with its breakdown and free times."""

import csv
import re
from decimal import Decimal

import pytest

from accounts import demo as accounts_demo
from parts.models import Variant
from parts.services import DATA_DIR, catalogue_load
from shops import demo as shops_demo
from tests.shops.factories import future_weekday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network(tmp_path):
    """The real catalogue (Corolla variants only, every part and package) and the 76 demo shops."""
    for source in DATA_DIR.glob("*.csv"):
        if source.name != "vehicles.csv":
            (tmp_path / source.name).write_bytes(source.read_bytes())
    with (DATA_DIR / "vehicles.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["model_slug"] == "corolla"]
    with (tmp_path / "vehicles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    catalogue_load(data_dir=tmp_path)
    accounts_demo.load()
    shops_demo.load()


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_owner_finds_shops_for_a_minor_service_sorted_by_price(network, phone_page, screenshot):
    page = phone_page
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")
    day = future_weekday(2)

    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill("owner")
    page.get_by_label("密码").fill("demo-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.goto(page.base_url + "/bookings/find/")

    page.get_by_label("选车型", exact=True).select_option(str(corolla.id))
    page.get_by_label("保养套餐").select_option(label="标准型小保养")
    page.get_by_label("您在哪里？").select_option(label="杭州市 西湖区 (Xihu District)")
    page.get_by_label("日期").fill(day.isoformat())
    page.get_by_label("排序方式").select_option(label="价格最低")
    page.get_by_role("button", name="搜索").click()

    results = page.get_by_test_id("result")
    assert results.count() >= 10
    totals = [_amount(text) for text in page.get_by_test_id("total").all_inner_texts()]
    assert totals == sorted(totals)
    assert totals[0] > Decimal("100")

    first = results.first
    first.get_by_text("价格明细").click()
    lines = first.get_by_test_id("breakdown").locator("tr").all_inner_texts()
    assert any("机油" in line and "¥" in line for line in lines)
    assert any("更换机油" in line for line in lines)
    breakdown_sum = sum(_amount(line.split("¥")[-1]) for line in lines)
    assert breakdown_sum == totals[0]
    slots = first.get_by_test_id("slots").locator("li").all_inner_texts()
    assert slots[0] == "08:00" or re.fullmatch(r"\d\d:\d\d", slots[0])
    assert "km" in first.get_by_test_id("distance").inner_text()

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    path = screenshot(page, "shop-search-phone-zh")
    assert path.stat().st_size > 10_000
