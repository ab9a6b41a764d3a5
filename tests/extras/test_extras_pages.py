"""Additional work on the pages: staff raise it in the console, the owner approves and pays it on
the order page; steps with photos, parts used, and receipts that include paid extras."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import AdditionalWork, AdditionalWorkDecision, PartUsed, ServiceStep
from payments.checkout.models import Payment
from tests.extras.conftest import photo_upload

pytestmark = pytest.mark.django_db
W = AdditionalWork.Status


def _login(client, user):
    client.force_login(user)
    return client


def test_a_technician_raises_extra_work_with_a_photo_in_the_console(client, floor):
    _login(client, floor.counter.technician)
    page = client.get(reverse("console:booking", args=[floor.booking.pk]))

    response = client.post(
        reverse("console:extra-create", args=[floor.booking.pk]),
        {
            "reason": "Front pads are down to 2 mm",
            "service_items": [floor.pads_item.code],
            "part_code": "VALEO-600",
            "part_quantity": "2",
            "labour_hours": "",
            "photo": photo_upload("JPEG", name="pads.jpg"),
        },
    )

    assert 'data-testid="extra-form"' in page.content.decode()
    assert response.status_code == 302
    extra = AdditionalWork.objects.get()
    assert (extra.status, extra.total_amount, extra.photos.count()) == (W.REQUESTED, Decimal("520.00"), 1)
    shown = client.get(reverse("console:booking", args=[floor.booking.pk])).content.decode()
    assert "¥520.00" in shown
    assert reverse("orders:photo", args=[extra.photos.get().pk]) in shown


def test_a_cashier_cannot_raise_extra_work(client, floor):
    _login(client, floor.counter.cashier)

    page = client.get(reverse("console:booking", args=[floor.booking.pk]))
    response = client.post(
        reverse("console:extra-create", args=[floor.booking.pk]), {"reason": "x", "labour_hours": "1"}
    )

    assert 'data-testid="extra-form"' not in page.content.decode()
    assert response.status_code == 403
    assert not AdditionalWork.objects.exists()


def test_a_refused_extra_shows_the_reason_on_the_form(client, floor):
    _login(client, floor.counter.manager)

    response = client.post(
        reverse("console:extra-create", args=[floor.booking.pk]),
        {"reason": "x", "part_code": "NOPE-1", "part_quantity": "1"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "配件库中没有编码为 NOPE-1 的配件。" in response.content.decode()
    assert not AdditionalWork.objects.exists()


def test_the_owner_approves_on_the_order_page_and_is_sent_to_pay(client, floor):
    extra = floor.raise_extra()
    _login(client, floor.booking.owner)

    page = client.get(reverse("orders:detail", args=[floor.booking.pk]))
    approved = client.post(
        reverse("orders:extra-approve", args=[floor.booking.pk, extra.pk]),
        {"offer_sha256": page.context["extras"][0].offer_sha256},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
    )
    after = client.get(reverse("orders:detail", args=[floor.booking.pk]))
    pay = client.post(reverse("payments:extra-pay", args=[floor.booking.pk, extra.pk]))

    html = page.content.decode()
    assert "Front pads are down to 2 mm" in html
    assert 'data-testid="extra-approve"' in html
    assert approved.status_code == 302
    decision = AdditionalWorkDecision.objects.get(additional_work=extra)
    assert (decision.decision, decision.user_agent) == ("approved", "Mozilla/5.0 (iPhone)")
    assert 'data-testid="extra-pay"' in after.content.decode()
    assert decision.snapshot_sha256[:8] in after.content.decode()
    assert pay.status_code == 302
    assert pay["Location"].startswith("/pay/sandbox/pay/")
    assert Payment.objects.get(additional_work=extra).amount == Decimal("595.00")


def test_the_owner_declines_on_the_order_page(client, floor):
    extra = floor.raise_extra()
    _login(client, floor.booking.owner)

    client.post(reverse("orders:extra-decline", args=[floor.booking.pk, extra.pk]))

    assert AdditionalWork.objects.get(pk=extra.pk).status == W.DECLINED


def test_another_owner_cannot_see_or_decide(client, floor, another_owner):
    extra = floor.raise_extra()
    _login(client, another_owner)

    statuses = [
        client.get(reverse("orders:extras", args=[floor.booking.pk])).status_code,
        client.post(reverse("orders:extra-approve", args=[floor.booking.pk, extra.pk])).status_code,
        client.post(reverse("payments:extra-pay", args=[floor.booking.pk, extra.pk])).status_code,
    ]

    assert statuses == [404, 404, 404]
    assert AdditionalWork.objects.get(pk=extra.pk).status == W.REQUESTED


def test_steps_with_photos_and_parts_used_through_the_console(client, floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    _login(client, floor.counter.technician)

    step = client.post(
        reverse("console:step", args=[floor.booking.pk]),
        {
            "description": "Replaced pads",
            "result": "done",
            "additional_work": str(extra.pk),
            "photo": photo_upload(),
        },
    )
    part = client.post(
        reverse("console:part-used", args=[floor.booking.pk]),
        {"code": "BOSCH-BP1", "quantity": "1", "additional_work": str(extra.pk)},
    )
    owner_page = _login(client, floor.booking.owner).get(reverse("orders:detail", args=[floor.booking.pk]))

    assert (step.status_code, part.status_code) == (302, 302)
    saved = ServiceStep.objects.get()
    assert (saved.additional_work, saved.photos.count()) == (extra, 1)
    assert PartUsed.objects.get().code == "BOSCH-BP1"
    assert reverse("orders:photo", args=[saved.photos.get().pk]) in owner_page.content.decode()


def test_the_receipt_includes_paid_extras(client, floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra)
    _login(client, floor.booking.owner)

    receipt = client.get(reverse("orders:receipt", args=[floor.booking.pk])).content.decode()

    assert "Front pads are down to 2 mm" in receipt
    assert "¥728.00" in receipt  # 133.00 booked + 595.00 extra
