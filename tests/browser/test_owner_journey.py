"""The whole owner path on a phone: sign up, search for a real car, add it, book, pay in the sandbox,
see the voucher with its QR, then book again, pay, cancel and see the refund."""

import pytest

from bookings.models import Booking, Vehicle
from parts.models import Variant
from tests.browser.test_shop_search import network  # noqa: F401 - the real catalogue and demo shops
from tests.shops.factories import future_weekday

# Paying writes ledger rows, which are append-only: only PostgreSQL can empty them between tests.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _search(page, corolla, day):
    page.goto(page.base_url + "/bookings/find/")
    page.get_by_label("选车型", exact=True).select_option(str(corolla.id))
    page.get_by_label("保养套餐").select_option(label="标准型小保养")
    page.get_by_label("您在哪里？").select_option(label="杭州市 西湖区 (Xihu District)")
    page.get_by_label("日期").fill(day.isoformat())
    page.get_by_label("排序方式").select_option(label="价格最低")
    page.get_by_role("button", name="搜索").click()


def _book_and_pay(page, *, slot_index: int) -> str:
    page.get_by_test_id("result").first.locator("a.slot-link").nth(slot_index).click()
    total = page.get_by_test_id("quote-total").inner_text()
    page.get_by_test_id("confirm-booking").click()
    assert page.get_by_test_id("order-status").get_attribute("data-status") == "awaiting_payment"
    page.get_by_role("button", name="立即付款").click()
    assert "沙箱环境" in page.content()
    page.get_by_role("button", name="确认付款").click()
    return total


def test_owner_signs_up_books_pays_sees_the_voucher_and_cancels_for_a_refund(network, phone_page, screenshot):  # noqa: F811
    page = phone_page
    corolla = Variant.objects.get(slug="toyota-corolla-1-2t-pioneer-2019")
    day = future_weekday(3)

    page.goto(page.base_url + "/accounts/signup/")
    page.get_by_label("用户名").fill("zhaoliu")
    page.get_by_label("手机号").fill("13566667777")
    page.locator("#id_password1").fill("Str0ng-pass-2026")
    page.locator("#id_password2").fill("Str0ng-pass-2026")
    page.get_by_role("button", name="注册").click()

    _search(page, corolla, day)
    page.get_by_test_id("result").first.locator("a.slot-link").first.click()
    page.get_by_test_id("add-car").click()  # the searched car is not in the new garage yet
    page.get_by_label("车牌").fill("浙A5K8T2")
    page.get_by_label("里程（公里）").fill("36500")
    page.get_by_role("button", name="保存").click()
    assert Vehicle.objects.get(plate="浙A5K8T2").variant == corolla
    page.get_by_test_id("confirm-booking").click()
    page.get_by_role("button", name="立即付款").click()
    page.get_by_role("button", name="确认付款").click()

    status = page.get_by_test_id("order-status")
    assert status.get_attribute("data-status") == "paid"
    code = page.get_by_test_id("voucher-code").inner_text()
    assert len(code) == 14
    assert code.count("-") == 2
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=voucher-qr]');"
        " return img && img.complete && img.naturalWidth > 100; }"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "owner-voucher-phone-zh")

    _search(page, corolla, day)
    total = _book_and_pay(page, slot_index=1)
    page.get_by_test_id("cancel").click()
    assert page.get_by_test_id("order-status").get_attribute("data-status") == "refunded"
    assert total in page.get_by_test_id("refunded").inner_text()
    screenshot(page, "owner-refunded-phone-zh")

    statuses = sorted(Booking.objects.filter(owner__username="zhaoliu").values_list("status", flat=True))
    assert statuses == ["paid", "refunded"]
