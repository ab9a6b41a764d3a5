"""A car owner picks a real car through the cascade on a phone and sees the package tiers with prices."""

import pytest

from parts.services import catalogue_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_picks_a_corolla_and_sees_the_minor_service_in_three_tiers(phone_page, screenshot):
    catalogue_load()
    page = phone_page
    page.goto(page.base_url + "/catalogue/")
    assert page.locator("h1").inner_text() == "选择车型"
    page.evaluate("window.sameDocument = true")

    # brand → model → variant, each step swapped in by htmx (no full reload)
    page.locator("#cascade").get_by_role("link", name="丰田", exact=True).click()
    page.get_by_role("heading", name="丰田：请选择车系").wait_for()
    page.locator("#cascade").get_by_role("link", name="卡罗拉 Corolla").click()
    page.get_by_role("heading", name="您的丰田 卡罗拉是哪一款？").wait_for()
    assert page.evaluate("window.sameDocument") is True
    assert page.url.endswith("/catalogue/?model=corolla")
    screenshot(page, "catalogue-picker-phone-zh")

    page.get_by_role("link", name="1.2T S-CVT 先锋版 2019-2022款").click()
    page.get_by_role("heading", name="这辆车的保养套餐").wait_for()

    totals = {
        code: page.get_by_test_id(f"package-{code}").get_by_test_id("total").inner_text()
        for code in ("minor_economy", "minor_standard", "minor_premium")
    }
    assert totals == {"minor_economy": "¥492.00", "minor_standard": "¥627.00", "minor_premium": "¥802.00"}
    standard = page.get_by_test_id("package-minor_standard")
    assert "SHELL-HX8-0W20-SP-1L" in standard.inner_text()
    assert "5 × ¥85.00" in standard.inner_text()
    seasonal_premium = page.get_by_test_id("package-seasonal_premium")
    assert "没有适配这辆车的尊享型配件：冷却液。" in seasonal_premium.inner_text()

    # phone width: nothing overflows sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    path = screenshot(page, "catalogue-variant-phone-zh")

    # build a quote: ticking a service prices it at once
    page.get_by_label("更换机油", exact=True).check()
    total = page.locator("#quote-result .total")
    total.wait_for()
    assert total.inner_text() == "¥370.00"  # 5 × ¥62.00 of the cheapest fitting oil + 0.5 h × ¥120.00
    assert path.stat().st_size > 10_000


def test_owner_searches_by_pinyin_initials_and_decodes_a_vin(phone_page, screenshot):
    catalogue_load()
    page = phone_page
    page.goto(page.base_url + "/catalogue/")

    page.locator("#picker-q").fill("kll")
    page.locator("#cascade").get_by_role("link", name="丰田 卡罗拉").wait_for()

    page.locator("#vin-input").fill("LFV2A21K0J3000000")
    page.get_by_role("button", name="识别").click()
    error = page.locator(".vin-error")
    error.wait_for()
    assert error.inner_text() == "校验位（第9位）应为 6，而不是 0：请检查是否输错。"

    page.locator("#vin-input").fill("LW433B109P1000000")
    page.get_by_role("button", name="识别").click()
    page.locator(".vin-card").wait_for()
    assert "Li Auto" in page.locator(".vin-card").inner_text()
    assert page.locator(".vin-card .pick").count() == 6  # Li Auto variants of model year 2023
    # the picker below jumps to the brand the VIN names (swapped out of band by htmx)
    page.get_by_role("heading", name="理想：请选择车系").wait_for()
    screenshot(page, "catalogue-vin-phone-zh")
