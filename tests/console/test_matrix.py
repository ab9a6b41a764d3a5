"""Every staff endpoint against another shop's staff (404) and a role too low for it (403)."""

from decimal import Decimal

import pytest

from bookings import extras, services
from bookings.models import AdditionalWork, Booking, BookingEvent, PartUsed, Review, ServiceStep
from payments.vouchers.models import Redemption, Voucher

pytestmark = pytest.mark.django_db


def _endpoints(counter, redemption_id, review_id, extra_id):
    b, shop = counter.booking.pk, counter.job.shop.pk
    return [
        # (method, url, body, the role too low for it)
        ("get", f"/api/v1/shop/bookings/?shop={shop}", None, "owner"),
        ("get", f"/api/v1/shop/bookings/{b}/", None, "owner"),
        ("post", f"/api/v1/shop/bookings/{b}/check-in/", {"odometer_km": 1}, "technician"),
        ("post", f"/api/v1/shop/bookings/{b}/steps/", {"description": "x"}, "owner"),
        ("post", f"/api/v1/shop/bookings/{b}/complete/", None, "technician"),
        ("post", "/api/v1/shop/vouchers/lookup/", {"code": counter.code, "shop": shop}, "technician"),
        (
            "post",
            "/api/v1/shop/vouchers/redeem/",
            {"code": counter.code, "request_id": "m", "shop": shop},
            "technician",
        ),
        ("post", f"/api/v1/shop/vouchers/redemptions/{redemption_id}/undo/", None, "cashier"),
        ("post", f"/api/v1/shop/{shop}/reviews/{review_id}/reply/", {"text": "谢谢"}, "cashier"),
        ("get", f"/api/v1/shop/bookings/{b}/additional-work/", None, "owner"),
        (
            "post",
            f"/api/v1/shop/bookings/{b}/additional-work/",
            {"reason": "worn", "labour_hours": "1.00"},
            "cashier",
        ),
        ("post", f"/api/v1/shop/bookings/{b}/additional-work/{extra_id}/withdraw/", None, "cashier"),
        (
            "post",
            f"/api/v1/shop/bookings/{b}/parts-used/",
            {"code": "X-1", "quantity": "1", "name": "x"},
            "owner",
        ),
    ]


def _snapshot():
    return (
        list(Booking.objects.values_list("status", flat=True)),
        BookingEvent.objects.count(),
        list(Voucher.objects.values_list("status", flat=True)),
        list(Redemption.objects.values_list("undone_at", flat=True)),
        list(Review.objects.values_list("reply", flat=True)),
        list(AdditionalWork.objects.values_list("status", flat=True)),
        PartUsed.objects.count(),
        ServiceStep.objects.count(),
    )


@pytest.fixture
def prepared(counter):
    """A redeemed voucher (to undo), a review (to reply to) and, the car checked in, an extra
    waiting for the owner (to withdraw) of the counter's order."""
    redemption = counter.client(counter.cashier).post(
        "/api/v1/shop/vouchers/redeem/", {"code": counter.code, "request_id": "first"}, format="json"
    )
    booking = counter.booking
    review = Review.objects.create(
        booking=booking,
        shop=booking.shop,
        owner=booking.owner,
        quality=4,
        timeliness=4,
        attitude=4,
        transparency=4,
    )
    services.booking_check_in(booking_id=booking.pk, staff=counter.cashier, odometer_km=1)
    extra = extras.additional_work_request(
        booking_id=booking.pk, staff=counter.technician, reason="worn", labour_hours=Decimal("1")
    )
    return redemption.json()["id"], review.pk, extra.pk


def test_another_shops_manager_gets_404_everywhere(counter, prepared):
    before = _snapshot()

    statuses = [
        getattr(counter.client(counter.foreign_manager), method)(url, body, format="json").status_code
        for method, url, body, _low in _endpoints(counter, *prepared)
    ]

    assert statuses == [404] * len(statuses)
    assert _snapshot() == before


def test_a_role_too_low_gets_403_everywhere(counter, prepared):
    before = _snapshot()
    users = {"owner": counter.job.owner, "technician": counter.technician, "cashier": counter.cashier}

    statuses = [
        getattr(counter.client(users[low]), method)(url, body, format="json").status_code
        for method, url, body, low in _endpoints(counter, *prepared)
    ]

    assert statuses == [403] * len(statuses)
    assert _snapshot() == before
