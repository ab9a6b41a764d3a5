"""Console and owner pages: redeem in two steps, the service log, the health record, the review."""

import pytest
from django.urls import reverse

from bookings.models import Booking, HealthRecord, Review
from payments.vouchers.models import Redemption, Voucher
from shops.models import Shop

pytestmark = pytest.mark.django_db
S = Booking.Status


def _login(client, user):
    client.force_login(user)
    return client


def _redeem_via_page(client, counter):
    looked = client.post(reverse("counter:redeem"), {"step": "lookup", "code": counter.code})
    request_id = looked.context["request_id"]
    return looked, client.post(
        reverse("counter:redeem"), {"step": "redeem", "code": counter.code, "request_id": request_id}
    )


def test_the_redeem_page_looks_up_then_confirms_once(client, counter):
    _login(client, counter.cashier)

    looked, confirmed = _redeem_via_page(client, counter)
    again = client.post(
        reverse("counter:redeem"), {"step": "redeem", "code": counter.code, "request_id": "other"}
    )

    assert looked.status_code == 200
    assert "浙A12345" in looked.content.decode()
    assert "133.00" in looked.content.decode()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("console:booking", args=[counter.booking.pk])
    assert again.status_code == 409
    assert Redemption.objects.count() == 1


def test_the_redeem_page_explains_a_wrong_code_and_changes_nothing(client, counter):
    _login(client, counter.foreign_manager)

    response = client.post(reverse("counter:redeem"), {"step": "lookup", "code": counter.code})

    assert response.status_code == 404
    assert response.context["error"]
    assert Voucher.objects.get(pk=counter.booking.voucher.pk).status == Voucher.Status.ISSUED


def test_the_redeem_page_loads_the_vendored_scanner(client, counter):
    _login(client, counter.cashier)

    response = client.get(reverse("counter:redeem"))

    assert response.status_code == 200
    assert "vendor/jsqr/jsQR.js" in response.content.decode()
    assert 'name="code"' in response.content.decode()


def test_a_technician_cannot_open_the_redeem_page(client, counter):
    _login(client, counter.technician)

    response = client.post(reverse("counter:redeem"), {"step": "lookup", "code": counter.code})

    assert response.status_code == 403


def test_the_console_walks_check_in_steps_and_completion(client, counter):
    _login(client, counter.manager)
    _redeem_via_page(client, counter)
    pk = counter.booking.pk

    client.post(reverse("console:check-in", args=[pk]), {"odometer_km": 20_000})
    client.post(reverse("console:step", args=[pk]), {"description": "Changed the oil", "result": "done"})
    client.post(reverse("console:complete", args=[pk]))
    detail = client.get(reverse("console:booking", args=[pk]))
    settlement = client.get(reverse("console:settlement-list", args=[pk]))

    assert Booking.objects.get(pk=pk).status == S.COMPLETED
    assert "Changed the oil" in detail.content.decode()
    assert settlement.status_code == 200
    assert HealthRecord.objects.get().settlement_number in settlement.content.decode()


def test_a_lower_odometer_on_the_page_asks_to_confirm(client, counter):
    counter.job.vehicle.odometer_km = 90_000
    counter.job.vehicle.save()
    _login(client, counter.manager)
    _redeem_via_page(client, counter)

    response = client.post(reverse("console:check-in", args=[counter.booking.pk]), {"odometer_km": 100})

    assert response.status_code == 400
    assert 'name="confirm_lower"' in response.content.decode()
    assert Booking.objects.get(pk=counter.booking.pk).status == S.PAID


def test_the_day_view_lists_the_shops_bookings_only(client, counter):
    day = counter.booking.starts_at.date().isoformat()

    mine = _login(client, counter.technician).get(reverse("console:bookings") + f"?date={day}")
    client.logout()
    theirs = _login(client, counter.foreign_manager).get(reverse("console:bookings") + f"?date={day}")

    assert counter.booking.vehicle.plate in mine.content.decode()
    assert counter.booking.vehicle.plate not in theirs.content.decode()


def test_another_shops_staff_get_404_on_the_order_page(client, counter):
    response = _login(client, counter.foreign_manager).get(
        reverse("console:booking", args=[counter.booking.pk])
    )

    assert response.status_code == 404


def _complete(client, counter):
    _login(client, counter.manager)
    _redeem_via_page(client, counter)
    pk = counter.booking.pk
    client.post(reverse("console:check-in", args=[pk]), {"odometer_km": 20_000})
    client.post(reverse("console:step", args=[pk]), {"description": "Changed the oil", "result": "done"})
    client.post(reverse("console:complete", args=[pk]))
    client.logout()


def test_the_owner_sees_exports_and_prints_the_health_record(client, counter):
    _complete(client, counter)
    _login(client, counter.job.owner)
    vehicle = counter.job.vehicle.pk

    page = client.get(reverse("orders:vehicle", args=[vehicle]))
    csv = client.get(reverse("orders:health-record-csv", args=[vehicle]))
    printed = client.get(reverse("orders:health-record", args=[vehicle]))

    number = HealthRecord.objects.get().settlement_number
    assert 'data-testid="health-record-entry"' in page.content.decode()
    rows = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 2
    assert rows[0].split(",")[0] == "维修企业"  # the site speaks Chinese by default
    assert number in rows[1]
    assert "MANN-W610/3" in rows[1]
    assert "20000" in rows[1]
    assert number in printed.content.decode()


def test_the_owner_reviews_once_and_the_shop_page_shows_the_rating(client, counter):
    _complete(client, counter)
    _login(client, counter.job.owner)
    url = reverse("orders:review", args=[counter.booking.pk])
    scores = {"quality": 4, "timeliness": 4, "attitude": 5, "transparency": 5, "text": "细致"}

    first = client.post(url, scores)
    second = client.post(url, {**scores, "quality": 1})
    shop = Shop.objects.get(pk=counter.job.shop.pk)
    profile = client.get(reverse("directory:shop", args=[shop.slug]))

    assert first.status_code == 302
    assert second.status_code == 400
    assert Review.objects.get().quality == 4
    assert shop.rating == pytest.approx(4.5)
    assert "★ 4.50" in profile.content.decode()


def test_the_manager_replies_on_the_reviews_page(client, counter):
    _complete(client, counter)
    _login(client, counter.job.owner)
    client.post(
        reverse("orders:review", args=[counter.booking.pk]),
        {"quality": 3, "timeliness": 3, "attitude": 3, "transparency": 3},
    )
    client.logout()
    _login(client, counter.manager)
    review = Review.objects.get()

    client.post(reverse("console:review-reply", args=[counter.job.shop.pk, review.pk]), {"text": "感谢"})
    page = client.get(reverse("console:reviews", args=[counter.job.shop.pk]))

    review.refresh_from_db()
    assert review.reply == "感谢"
    assert "感谢" in page.content.decode()
