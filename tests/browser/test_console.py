"""At the counter on a phone: the manager redeems the owner's voucher by typing its code, checks the
car in, logs two steps and completes; the owner sees the health record and reviews the shop."""

from decimal import Decimal

import pytest
from django.conf import settings

from bookings.models import Booking, HealthRecord
from payments.vouchers.models import Voucher
from shops.models import Shop
from tests.bookings.conftest import job  # noqa: F401 - a fixture, used by name
from tests.browser.conftest import PHONE
from tests.console.conftest import counter_for

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def test_manager_redeems_services_and_completes_then_the_owner_reviews(
    job,  # noqa: F811 - the fixture
    browser,
    live_server,
    phone_page,
    screenshot,
):
    counter = counter_for(job)
    page = phone_page
    _log_in(page, counter.manager.username)

    page.goto(page.base_url + "/shop/redeem/")
    page.locator("input[name=code]").fill(counter.code.replace("-", " ").lower())
    page.get_by_role("button", name="查询").click()
    found = page.get_by_test_id("voucher-found")
    assert "浙A12345" in found.inner_text()
    assert "133.00" in found.inner_text()
    screenshot(page, "console-redeem-lookup")
    page.get_by_test_id("confirm-redeem").click()
    assert page.get_by_test_id("console-status").inner_text() == "已付款"
    assert Voucher.objects.get(pk=counter.booking.voucher.pk).status == Voucher.Status.REDEEMED

    page.locator("input[name=odometer_km]").fill("23456")
    page.locator("textarea[name=fault_description]").fill("到期保养")
    page.get_by_role("button", name="车辆进店登记").click()
    for text in ("放出旧机油", "更换机油滤清器"):
        page.locator("input[name=description]").fill(text)
        page.get_by_role("button", name="记录此步骤").click()
    assert page.get_by_test_id("steps").locator("li").count() == 2
    screenshot(page, "console-service-log")
    page.get_by_role("button", name="完成订单").click()
    assert page.get_by_test_id("console-status").inner_text() == "已完工"
    screenshot(page, "console-completed")
    assert Booking.objects.get(pk=counter.booking.pk).status == Booking.Status.COMPLETED

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="zh-CN")
    owner = context.new_page()
    owner.base_url = live_server.url
    _log_in(owner, counter.job.owner.username)
    owner.goto(owner.base_url + f"/garage/{counter.job.vehicle.pk}/")
    entry = owner.get_by_test_id("health-record-entry")
    record = HealthRecord.objects.get()
    assert record.settlement_number in entry.inner_text()
    assert "23456" in entry.inner_text()
    assert "更换机油滤清器" in entry.inner_text()
    screenshot(owner, "owner-health-record")

    owner.goto(owner.base_url + f"/orders/{counter.booking.pk}/")
    owner.locator("select[name=quality]").select_option("5")
    owner.locator("select[name=timeliness]").select_option("4")
    owner.locator("select[name=attitude]").select_option("5")
    owner.locator("select[name=transparency]").select_option("4")
    owner.locator("textarea[name=text]").fill("师傅很细心")
    owner.get_by_role("button", name="发表评价").click()
    assert "师傅很细心" in owner.get_by_test_id("review").inner_text()
    screenshot(owner, "owner-review")
    context.close()

    assert Shop.objects.get(pk=counter.job.shop.pk).rating == Decimal("4.50")
