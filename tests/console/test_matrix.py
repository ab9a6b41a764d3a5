"""Every staff endpoint against another shop's staff (404) and a role too low for it (403)."""

import pytest

from bookings.models import Booking, BookingEvent, Review
from payments.vouchers.models import Redemption, Voucher

pytestmark = pytest.mark.django_db


def _endpoints(counter, redemption_id, review_id):
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
    ]


def _snapshot():
    return (
        list(Booking.objects.values_list("status", flat=True)),
        BookingEvent.objects.count(),
        list(Voucher.objects.values_list("status", flat=True)),
        list(Redemption.objects.values_list("undone_at", flat=True)),
        list(Review.objects.values_list("reply", flat=True)),
    )


@pytest.fixture
def prepared(counter):
    """A redeemed voucher (to undo) and a review (to reply to) of the counter's order."""
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
    return redemption.json()["id"], review.pk


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
