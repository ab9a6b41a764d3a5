"""The owner's pages: garage, book a slot, order detail with voucher, cancel, receipt."""

import pytest
from django.urls import reverse

from bookings.models import Booking, Vehicle
from payments.checkout.models import SandboxCharge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_adding_a_car_needs_a_valid_plate_and_lands_on_its_page(client, job):
    client.force_login(job.owner)
    url = reverse("orders:vehicle-add") + f"?variant={job.vehicle.variant_id}"

    bad = client.post(
        url, {"variant": job.vehicle.variant_id, "plate": "ABC", "odometer_km": 0}, HTTP_ACCEPT_LANGUAGE="en"
    )
    good = client.post(
        url,
        {"variant": job.vehicle.variant_id, "plate": "浙b88888", "nickname": "小白", "odometer_km": 52000},
    )

    assert bad.status_code == 200
    assert "Enter a mainland China plate" in bad.content.decode()
    car = Vehicle.objects.get(plate="浙B88888")
    assert good["Location"] == reverse("orders:vehicle", args=[car.pk])
    assert (car.owner, car.nickname, car.odometer_km) == (job.owner, "小白", 52000)


def test_a_bad_vin_is_refused_with_a_clear_message(client, job):
    client.force_login(job.owner)

    response = client.post(
        reverse("orders:vehicle-add") + f"?variant={job.vehicle.variant_id}",
        {"variant": job.vehicle.variant_id, "plate": "浙B88888", "vin": "123", "odometer_km": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["vin"]
    assert not Vehicle.objects.filter(plate="浙B88888").exists()


def test_the_car_page_shows_an_empty_health_record(client, job):
    client.force_login(job.owner)

    page = client.get(reverse("orders:vehicle", args=[job.vehicle.pk]))

    assert page.status_code == 200
    assert b'data-testid="health-record-empty"' in page.content


def test_another_owners_car_and_order_are_404(client, job):
    booking = job.book()
    client.force_login(UserFactory())

    assert client.get(reverse("orders:vehicle", args=[job.vehicle.pk])).status_code == 404
    assert client.get(reverse("orders:detail", args=[booking.pk])).status_code == 404
    assert client.get(reverse("orders:receipt", args=[booking.pk])).status_code == 404
    assert client.post(reverse("payments:cancel", args=[booking.pk])).status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "awaiting_payment"


def test_the_book_page_shows_the_breakdown_and_booking_creates_the_order(client, job):
    client.force_login(job.owner)
    query = {
        "shop": job.shop.pk,
        "vehicle": job.vehicle.pk,
        "items": job.item.code,
        "slot": job.slot.isoformat(),
    }

    page = client.get(reverse("orders:book"), query)
    assert page.status_code == 200
    assert page.context["quote"].total_amount == 133
    assert any(s.starts_at == job.slot for s in page.context["slots"])

    response = client.post(reverse("orders:book"), query)

    booking = Booking.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[booking.pk])
    assert booking.total_amount == 133


def test_pay_then_the_order_page_shows_the_voucher_code_and_qr(
    client, job, django_capture_on_commit_callbacks
):
    booking = job.book()
    client.force_login(job.owner)

    to_provider = client.post(reverse("payments:pay", args=[booking.pk]))
    ref = SandboxCharge.objects.get().ref
    assert to_provider["Location"] == reverse("payments:sandbox-pay", args=[ref])
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(to_provider["Location"], {"decision": "confirm"})
    page = client.get(back["Location"])

    content = page.content.decode()
    assert 'data-status="paid"' in content
    assert 'data-testid="voucher-code"' in content
    assert reverse("payments:voucher-qr", args=[booking.pk]) in content


def test_cancel_from_the_page_refunds_a_paid_order(client, job, django_capture_on_commit_callbacks):
    booking = job.book()
    client.force_login(job.owner)
    client.post(reverse("payments:pay", args=[booking.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("payments:sandbox-pay", args=[SandboxCharge.objects.get().ref]), {"decision": "confirm"}
        )

    response = client.post(
        reverse("payments:cancel", args=[booking.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    booking.refresh_from_db()
    assert booking.status == "refunded"
    assert 'data-testid="refunded"' in response.content.decode()


def test_the_receipt_lists_the_frozen_lines(client, job):
    booking = job.book()
    client.force_login(job.owner)

    page = client.get(reverse("orders:receipt", args=[booking.pk]))

    assert page.status_code == 200
    assert "MANN-W610/3" in page.content.decode()
    assert "¥133.00" in page.content.decode()
