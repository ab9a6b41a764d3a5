"""Price lock on a phone: the technician raises additional work with a photo on a checked-in
order, the owner sees it, approves it and pays in the sandbox, the manager completes the order,
and the shop's statement carries the extra's settlement line beside the order's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from bookings.models import AdditionalWork, AdditionalWorkDecision, Booking, HealthRecord
from payments.settlement.models import Statement
from tests.bookings.conftest import job  # noqa: F401 - a fixture, used by name
from tests.browser.conftest import PHONE
from tests.extras.conftest import floor_for, photo_upload
from tests.payments.settle_helpers import settle

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def _phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


def test_extra_work_is_raised_approved_paid_completed_and_settled(
    job,  # noqa: F811 - the fixture
    browser,
    live_server,
    phone_page,
    screenshot,
    tmp_path,
):
    floor = floor_for(job)
    booking = floor.booking
    picture = tmp_path / "pads.png"
    picture.write_bytes(photo_upload(size=(64, 48)).read())

    # the technician, at the car: front pads are worn; ask the owner, with a photo
    tech = phone_page
    _log_in(tech, floor.counter.technician.username)
    tech.goto(tech.base_url + f"/shop/bookings/{booking.pk}/")
    form = tech.get_by_test_id("extra-form")
    form.locator("textarea[name=reason]").fill("前刹车片只剩 2 毫米")
    form.locator(f"input[name=service_items][value={floor.pads_item.code}]").check()
    form.locator("input[name=part_code]").fill("VALEO-600")
    form.locator("input[name=part_quantity]").fill("2")
    form.locator("input[name=labour_hours]").fill("0.5")
    form.locator("input[name=photo]").set_input_files(str(picture))
    form.get_by_role("button", name="请车主确认").click()
    card = tech.get_by_test_id("console-extra")
    assert card.get_attribute("data-status") == "requested"
    assert "¥595.00" in card.inner_text()
    screenshot(tech, "extras-console-raised")

    # the owner, on their phone: sees why, what and how much, with the photo; approves, pays
    owner = _phone(browser, live_server)
    _log_in(owner, booking.owner.username)
    owner.goto(owner.base_url + f"/orders/{booking.pk}/")
    extra_card = owner.get_by_test_id("extra")
    assert "前刹车片只剩 2 毫米" in extra_card.inner_text()
    assert "¥595.00" in extra_card.get_by_test_id("extra-total").inner_text()
    photo = extra_card.get_by_test_id("photo")
    photo.scroll_into_view_if_needed()
    owner.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    screenshot(owner, "extras-owner-request")
    extra_card.get_by_test_id("extra-approve").click()
    owner.get_by_test_id("extra-pay").click()
    owner.get_by_role("button", name="确认付款").click()
    owner.wait_for_url(f"**/orders/{booking.pk}/")
    owner.wait_for_selector("[data-testid=extra][data-status=paid]")
    assert "已同意并付款" in owner.get_by_test_id("extra").inner_text()
    assert owner.get_by_test_id("extra-evidence").is_visible()
    screenshot(owner, "extras-owner-paid")
    extra = AdditionalWork.objects.get()
    assert extra.status == AdditionalWork.Status.PAID
    decision = AdditionalWorkDecision.objects.get(additional_work=extra)
    assert decision.decision == "approved"
    assert "HeadlessChrome" in decision.user_agent  # the device that approved, as evidence

    # the manager completes the order
    manager = _phone(browser, live_server)
    _log_in(manager, floor.counter.manager.username)
    manager.goto(manager.base_url + f"/shop/bookings/{booking.pk}/")
    manager.get_by_role("button", name="完成订单").click()
    assert manager.get_by_test_id("console-status").inner_text() == "已完工"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED
    assert HealthRecord.objects.get(booking=booking).labour_hours == Decimal("2.00")

    # the nightly settlement: one statement with the order's line and the extra's
    settle(timezone.localdate(), now=timezone.now() + timedelta(days=1, hours=3))
    statement = Statement.objects.get(shop=booking.shop)
    assert statement.gross_amount == Decimal("728.00")
    assert statement.redemption_count == 2
    manager.goto(manager.base_url + f"/shop/{booking.shop_id}/statements/")
    assert f"#{extra.pk}" in manager.get_by_test_id("statement-extra").inner_text()
    assert "¥595.00" in manager.content()
    screenshot(manager, "extras-statement")
