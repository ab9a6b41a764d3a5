"""The service log API: the shop's bookings, check-in, steps, complete → health record; reviews."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingEvent, HealthRecord, Review, ServiceStep
from shops.models import Shop

pytestmark = pytest.mark.django_db
S = Booking.Status


def _url(counter, action=""):
    return f"/api/v1/shop/bookings/{counter.booking.pk}/{action}"


def _redeem(counter):
    response = counter.client(counter.cashier).post(
        "/api/v1/shop/vouchers/redeem/", {"code": counter.code, "request_id": "r"}, format="json"
    )
    assert response.status_code == 200


def _check_in(counter, km=12_000, user=None, **extra):
    return counter.client(user or counter.cashier).post(
        _url(counter, "check-in/"), {"odometer_km": km, **extra}, format="json"
    )


def _done(counter):
    """Redeemed, checked in, two steps logged, completed."""
    _redeem(counter)
    assert _check_in(counter, fault_description="Oil change due").status_code == 200
    for text in ("Drained old oil", "Replaced the oil filter"):
        step = counter.client(counter.technician).post(
            _url(counter, "steps/"), {"description": text}, format="json"
        )
        assert step.status_code == 201
    return counter.client(counter.manager).post(_url(counter, "complete/"))


def test_staff_list_their_shops_bookings_of_a_day(counter):
    day = timezone.localtime(counter.booking.starts_at).date()

    that_day = counter.client(counter.technician).get(f"/api/v1/shop/bookings/?date={day}")
    day_before = counter.client(counter.technician).get(
        f"/api/v1/shop/bookings/?date={day - timedelta(days=1)}"
    )
    foreign = counter.client(counter.foreign_manager).get(f"/api/v1/shop/bookings/?date={day}")
    upcoming = counter.client(counter.manager).get("/api/v1/shop/bookings/")

    assert [b["id"] for b in that_day.json()["results"]] == [counter.booking.pk]
    assert that_day.json()["results"][0]["plate"] == "浙A12345"
    assert day_before.json()["results"] == []
    assert foreign.json()["results"] == []
    assert [b["id"] for b in upcoming.json()["results"]] == [counter.booking.pk]


def test_a_bad_date_is_a_translated_400(counter):
    response = counter.client(counter.manager).get(
        "/api/v1/shop/bookings/?date=tomorrow", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "请更正下面的错误。"


def test_check_in_needs_the_voucher_redeemed_first(counter):
    response = _check_in(counter)

    assert response.status_code == 409
    assert response.json()["code"] == "not_redeemed"
    assert Booking.objects.get(pk=counter.booking.pk).status == S.PAID


def test_check_in_records_the_odometer_on_the_car(counter):
    _redeem(counter)

    response = _check_in(counter, km=12_345)

    assert response.status_code == 200
    assert response.json()["status"] == S.CHECKED_IN
    counter.job.vehicle.refresh_from_db()
    assert counter.job.vehicle.odometer_km == 12_345


def test_a_lower_odometer_asks_for_confirmation(counter):
    counter.job.vehicle.odometer_km = 50_000
    counter.job.vehicle.save()
    _redeem(counter)

    refused = _check_in(counter, km=5_000)
    state_after_refusal = (Booking.objects.get(pk=counter.booking.pk).status, refused.json())
    confirmed = _check_in(counter, km=5_000, confirm_lower=True)

    assert refused.status_code == 409
    assert state_after_refusal[0] == S.PAID
    assert state_after_refusal[1]["last_odometer_km"] == 50_000
    assert confirmed.status_code == 200
    counter.job.vehicle.refresh_from_db()
    assert counter.job.vehicle.odometer_km == 5_000


def test_steps_put_the_order_in_service_and_are_shown(counter):
    _redeem(counter)
    _check_in(counter)

    step = counter.client(counter.technician).post(
        _url(counter, "steps/"), {"description": "Lifted the car", "note": "Rear pads at 40%"}, format="json"
    )
    detail = counter.client(counter.technician).get(_url(counter))

    assert step.status_code == 201
    assert step.json()["technician"] == counter.technician.username
    assert detail.json()["status"] == S.IN_SERVICE
    assert [s["description"] for s in detail.json()["steps"]] == ["Lifted the car"]


def test_steps_before_check_in_are_refused(counter):
    response = counter.client(counter.technician).post(
        _url(counter, "steps/"), {"description": "x"}, format="json"
    )

    assert response.status_code == 409
    assert not ServiceStep.objects.exists()


def test_completing_writes_the_health_record_with_the_jt_t_1132_fields(counter):
    response = _done(counter)

    assert response.status_code == 200
    record = HealthRecord.objects.get(booking=counter.booking)
    assert Booking.objects.get(pk=counter.booking.pk).status == S.COMPLETED
    assert record.shop_name == counter.job.shop.name
    assert record.plate == "浙A12345"
    assert record.drop_off_mileage_km == 12_000
    assert record.fault_description == "Oil change due"
    assert record.settlement_number.startswith("JS")
    assert record.labour_hours == Decimal("0.50")
    assert record.parts == [
        {
            "name_en": record.parts[0]["name_en"],
            "name_zh": record.parts[0]["name_zh"],
            "code": "MANN-W610/3",
            "quantity": "1.00",
        }
    ]
    assert {"en": "Replaced the oil filter", "zh": "Replaced the oil filter"} in record.repair_items
    history = counter.client(counter.job.owner).get(
        f"/api/v1/vehicles/{counter.job.vehicle.pk}/health-record/"
    )
    assert history.json()["results"][0]["settlement_number"] == record.settlement_number


def test_a_technician_logs_steps_but_cannot_check_in_or_complete(counter):
    _redeem(counter)

    check_in = _check_in(counter, user=counter.technician)
    _check_in(counter)
    complete = counter.client(counter.technician).post(_url(counter, "complete/"))

    assert (check_in.status_code, complete.status_code) == (403, 403)
    assert Booking.objects.get(pk=counter.booking.pk).status == S.CHECKED_IN
    assert not HealthRecord.objects.exists()


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("get", "", None),
        ("post", "check-in/", {"odometer_km": 1}),
        ("post", "steps/", {"description": "x"}),
        ("post", "complete/", None),
    ],
)
def test_another_shops_staff_get_404_and_nothing_changes(counter, method, action, body):
    _redeem(counter)
    events = BookingEvent.objects.count()

    response = getattr(counter.client(counter.foreign_manager), method)(
        _url(counter, action), body, format="json"
    )

    assert response.status_code == 404
    assert response.json()["detail"]
    assert BookingEvent.objects.count() == events
    assert Booking.objects.get(pk=counter.booking.pk).status == S.PAID


def test_owners_cannot_use_the_staff_api(counter):
    response = counter.client(counter.job.owner).get("/api/v1/shop/bookings/")

    assert response.status_code == 403


def test_a_review_sets_the_shops_rating_and_is_once_only(counter):
    _done(counter)
    client = counter.client(counter.job.owner)
    url = f"/api/v1/bookings/{counter.booking.pk}/review/"

    first = client.post(
        url, {"quality": 5, "timeliness": 4, "attitude": 5, "transparency": 4, "text": "好"}, format="json"
    )
    second = client.post(
        url, {"quality": 1, "timeliness": 1, "attitude": 1, "transparency": 1}, format="json"
    )

    assert first.status_code == 201
    assert first.json()["shop_rating"] == "4.50"
    assert second.status_code == 409
    assert Shop.objects.get(pk=counter.job.shop.pk).rating == Decimal("4.50")
    assert Review.objects.count() == 1


def test_a_review_before_completion_or_of_anothers_order_is_refused(counter, another_owner):
    url = f"/api/v1/bookings/{counter.booking.pk}/review/"
    scores = {"quality": 5, "timeliness": 5, "attitude": 5, "transparency": 5}

    early = counter.client(counter.job.owner).post(url, scores, format="json")
    _done(counter)
    stranger = counter.client(another_owner).post(url, scores, format="json")
    bad = counter.client(counter.job.owner).post(url, {**scores, "quality": 6}, format="json")

    assert (early.status_code, stranger.status_code, bad.status_code) == (409, 404, 400)
    assert not Review.objects.exists()
    assert Shop.objects.get(pk=counter.job.shop.pk).rating is None


def test_the_manager_replies_once_a_cashier_cannot(counter):
    _done(counter)
    counter.client(counter.job.owner).post(
        f"/api/v1/bookings/{counter.booking.pk}/review/",
        {"quality": 3, "timeliness": 3, "attitude": 3, "transparency": 3},
        format="json",
    )
    review = Review.objects.get()
    url = f"/api/v1/shop/{counter.job.shop.pk}/reviews/{review.pk}/reply/"

    by_cashier = counter.client(counter.cashier).post(url, {"text": "谢谢"}, format="json")
    by_foreign = counter.client(counter.foreign_manager).post(url, {"text": "谢谢"}, format="json")
    reply = counter.client(counter.manager).post(url, {"text": "谢谢您的评价"}, format="json")
    again = counter.client(counter.manager).post(url, {"text": "再次"}, format="json")

    assert (by_cashier.status_code, by_foreign.status_code, reply.status_code, again.status_code) == (
        403,
        404,
        200,
        409,
    )
    review.refresh_from_db()
    assert review.reply == "谢谢您的评价"
