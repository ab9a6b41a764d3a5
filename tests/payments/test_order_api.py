"""The owner's order API: book, pay and cancel with Idempotency-Key; nobody sees another's orders."""

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking
from payments.checkout.models import Payment, SandboxCharge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _book(job, client=None):
    client = client or _client(job.owner)
    return client.post(
        "/api/v1/bookings/",
        {
            "vehicle": job.vehicle.pk,
            "shop": job.shop.pk,
            "starts_at": job.slot.isoformat(),
            "service_items": [job.item.code],
            "total": {"amount": "0.01", "currency": "CNY"},  # ignored: prices are recomputed
        },
        format="json",
    )


def test_booking_through_the_api_recomputes_prices(job):
    response = _book(job)

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == {"amount": "133.00", "currency": "CNY"}
    assert body["status"] == "awaiting_payment"
    assert [line["amount"]["amount"] for line in body["lines"]] == ["58.00", "75.00"]


def test_a_full_slot_answers_409_with_next_free_slots(job):
    job.shop.bays = 1
    job.shop.save()
    assert _book(job).status_code == 201
    other = UserFactory()
    from bookings.services import vehicle_add

    car = vehicle_add(owner=other, variant=job.vehicle.variant, plate="浙C11111")
    response = _client(other).post(
        "/api/v1/bookings/",
        {
            "vehicle": car.pk,
            "shop": job.shop.pk,
            "starts_at": job.slot.isoformat(),
            "service_items": [job.item.code],
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert response.json()["next_free_slots"]
    assert Booking.objects.count() == 1


def test_pay_with_the_same_idempotency_key_answers_the_same_and_charges_once(job):
    booking_id = _book(job).json()["id"]
    client = _client(job.owner)

    first = client.post(f"/api/v1/bookings/{booking_id}/pay/", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(f"/api/v1/bookings/{booking_id}/pay/", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert SandboxCharge.objects.count() == 1


def test_cancel_with_the_same_key_replays_and_a_different_body_is_409(job):
    booking_id = _book(job).json()["id"]
    client = _client(job.owner)

    first = client.post(
        f"/api/v1/bookings/{booking_id}/cancel/", {"reason": "plans changed"}, HTTP_IDEMPOTENCY_KEY="c-1"
    )
    again = client.post(
        f"/api/v1/bookings/{booking_id}/cancel/", {"reason": "plans changed"}, HTTP_IDEMPOTENCY_KEY="c-1"
    )
    other = client.post(
        f"/api/v1/bookings/{booking_id}/cancel/", {"reason": "other"}, HTTP_IDEMPOTENCY_KEY="c-1"
    )

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"id": booking_id, "status": "cancelled", "refunded": None}
    assert other.status_code == 409
    assert Booking.objects.get(pk=booking_id).events.count() == 2


@pytest.mark.parametrize(
    "path",
    ["/api/v1/bookings/{id}/", "/api/v1/bookings/{id}/pay/", "/api/v1/bookings/{id}/cancel/"],
)
def test_another_owner_gets_404_for_my_order(job, path):
    booking_id = _book(job).json()["id"]
    stranger = _client(UserFactory())

    url = path.format(id=booking_id)
    response = stranger.get(url) if url.endswith(f"{booking_id}/") else stranger.post(url)

    assert response.status_code == 404
    assert Booking.objects.get(pk=booking_id).status == "awaiting_payment"


def test_vouchers_list_only_mine_and_the_qr_is_mine_only(client, job):
    booking_id = _book(job).json()["id"]
    from payments.checkout import services
    from tests.payments.test_checkout import _notify

    start = services.payment_start(booking_id=booking_id, owner=job.owner)
    charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()
    _notify(charge)

    mine = _client(job.owner).get("/api/v1/vouchers/").json()
    theirs = _client(UserFactory()).get("/api/v1/vouchers/").json()

    assert mine["count"] == 1
    assert len(mine["results"][0]["code"]) == 14
    assert theirs["count"] == 0
    client.force_login(UserFactory())
    assert client.get(f"/pay/orders/{booking_id}/voucher.svg").status_code == 404
    client.force_login(job.owner)
    qr = client.get(f"/pay/orders/{booking_id}/voucher.svg")
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
