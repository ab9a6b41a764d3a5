"""The counter's voucher API: look up, redeem once (409 after), 404 elsewhere, throttle, undo."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bookings.models import Booking
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from tests.console.conftest import counter_for

pytestmark = pytest.mark.django_db
LOOKUP = "/api/v1/shop/vouchers/lookup/"
REDEEM = "/api/v1/shop/vouchers/redeem/"


def _undo(redemption_id):
    return f"/api/v1/shop/vouchers/redemptions/{redemption_id}/undo/"


def _voucher_unchanged(counter):
    voucher = Voucher.objects.get(pk=counter.booking.voucher.pk)
    return voucher.status == Voucher.Status.ISSUED and not Redemption.objects.exists()


def test_lookup_shows_what_the_code_is_for(counter):
    response = counter.client(counter.cashier).post(LOOKUP, {"code": counter.code.lower()}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["plate"] == "浙A12345"
    assert body["number"] == counter.booking.number
    assert body["total"] == {"amount": "133.00", "currency": "CNY"}
    assert body["status"] == "issued"
    assert body["is_valid"] is True
    assert len(body["services"]) == 2
    assert _voucher_unchanged(counter)


def test_redeem_once_records_who_and_when_then_409(counter):
    client = counter.client(counter.cashier)

    first = client.post(REDEEM, {"code": counter.code, "request_id": "a1"}, format="json")
    second = counter.client(counter.manager).post(
        REDEEM, {"code": counter.code, "request_id": "b1"}, format="json"
    )

    assert first.status_code == 200
    assert first.json()["redeemed_by"] == counter.cashier.username
    assert first.json()["gross"] == {"amount": "133.00", "currency": "CNY"}
    assert second.status_code == 409
    assert second.json()["code"] == "already_redeemed"
    assert second.json()["detail"]
    voucher = Voucher.objects.get(pk=counter.booking.voucher.pk)
    assert (voucher.status, voucher.redeemed_by) == (Voucher.Status.REDEEMED, counter.cashier)
    assert Redemption.objects.count() == 1


def test_a_retried_request_id_answers_the_same_redemption(counter):
    client = counter.client(counter.cashier)

    first = client.post(REDEEM, {"code": counter.code, "request_id": "same"}, format="json")
    retry = client.post(REDEEM, {"code": counter.code, "request_id": "same"}, format="json")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert Redemption.objects.count() == 1


def test_the_qr_token_redeems_too(counter):
    response = counter.client(counter.manager).post(
        REDEEM, {"code": counter.qr, "request_id": "q1"}, format="json"
    )

    assert response.status_code == 200
    assert Voucher.objects.get(pk=counter.booking.voucher.pk).status == Voucher.Status.REDEEMED


def test_unknown_or_foreign_codes_are_404_and_change_nothing(counter):
    unknown = counter.client(counter.cashier).post(
        REDEEM, {"code": "2222-2222-2222", "request_id": "x"}, format="json"
    )
    foreign = counter.client(counter.foreign_manager).post(
        REDEEM, {"code": counter.code, "request_id": "y"}, format="json"
    )

    assert unknown.status_code in (400, 404)
    assert foreign.status_code == 404
    assert foreign.json()["detail"]
    assert _voucher_unchanged(counter)


def test_a_typo_is_a_clear_400(counter):
    response = counter.client(counter.cashier).post(REDEEM, {"code": "ABC", "request_id": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert _voucher_unchanged(counter)


def test_a_technician_may_not_redeem(counter):
    response = counter.client(counter.technician).post(
        REDEEM, {"code": counter.code, "request_id": "t"}, format="json"
    )
    lookup = counter.client(counter.technician).post(LOOKUP, {"code": counter.code}, format="json")

    assert (response.status_code, lookup.status_code) == (403, 403)
    assert _voucher_unchanged(counter)


def test_owners_are_refused(counter):
    response = counter.client(counter.job.owner).post(
        REDEEM, {"code": counter.code, "request_id": "o"}, format="json"
    )

    assert response.status_code == 403
    assert _voucher_unchanged(counter)


def test_ten_wrong_codes_a_minute_throttle_the_staff_member_and_are_logged(counter):
    client = counter.client(counter.cashier)
    for i in range(10):
        wrong = client.post(LOOKUP, {"code": f"{i}" * 12}, format="json")
        assert wrong.status_code in (400, 404)

    throttled = client.post(REDEEM, {"code": counter.code, "request_id": "late"}, format="json")

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert RedemptionAttempt.objects.filter(staff=counter.cashier, is_failure=True).count() == 10
    assert _voucher_unchanged(counter)
    # another staff member of the shop is not held up by one person's mistakes
    other = counter.client(counter.manager).post(LOOKUP, {"code": counter.code}, format="json")
    assert other.status_code == 200


@override_settings(REDEEM_FAILURES_PER_MINUTE_SHOP=12)
def test_failures_across_a_shop_throttle_the_shop(counter):
    for user in (counter.cashier, counter.manager):
        client = counter.client(user)
        for _ in range(6):
            client.post(LOOKUP, {"code": "2222-2222-2222"}, format="json")

    throttled = counter.client(counter.manager).post(LOOKUP, {"code": counter.code}, format="json")

    assert throttled.status_code == 429
    assert _voucher_unchanged(counter)


def test_failures_a_minute_ago_no_longer_count(counter):
    RedemptionAttempt.objects.bulk_create(
        RedemptionAttempt(
            staff=counter.cashier,
            shop=counter.job.shop,
            step="lookup",
            outcome="not_found",
            is_failure=True,
            created_at=timezone.now() - timedelta(seconds=61),
        )
        for _ in range(20)
    )

    response = counter.client(counter.cashier).post(LOOKUP, {"code": counter.code}, format="json")

    assert response.status_code == 200


def test_a_manager_undoes_within_the_hour_and_the_code_redeems_again(counter):
    first = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "a"}, format="json"
    )

    undone = counter.client(counter.manager).post(_undo(first.json()["id"]))
    again = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "b"}, format="json"
    )

    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert again.status_code == 200
    assert Redemption.objects.filter(undone_at__isnull=True).count() == 1


def test_undo_is_the_managers_alone_and_only_at_their_shop(counter):
    first = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "a"}, format="json"
    )
    rid = first.json()["id"]

    by_cashier = counter.client(counter.cashier).post(_undo(rid))
    by_foreign = counter.client(counter.foreign_manager).post(_undo(rid))

    assert (by_cashier.status_code, by_foreign.status_code) == (403, 404)
    assert Redemption.objects.get(pk=rid).undone_at is None
    assert Voucher.objects.get(pk=counter.booking.voucher.pk).status == Voucher.Status.REDEEMED


def test_undo_after_the_hour_or_after_check_in_is_409(counter):
    first = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "a"}, format="json"
    )
    rid = first.json()["id"]
    Redemption.objects.filter(pk=rid).update(redeemed_at=timezone.now() - timedelta(minutes=61))

    late = counter.client(counter.manager).post(_undo(rid))
    Redemption.objects.filter(pk=rid).update(redeemed_at=timezone.now())
    counter.client(counter.cashier).post(
        f"/api/v1/shop/bookings/{counter.booking.pk}/check-in/", {"odometer_km": 100}, format="json"
    )
    checked_in = counter.client(counter.manager).post(_undo(rid))

    assert (late.status_code, checked_in.status_code) == (409, 409)
    assert Redemption.objects.get(pk=rid).undone_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_api_redemptions_of_one_code_one_200_one_409(job):
    counter = counter_for(job)
    clients = [counter.client(counter.cashier), counter.client(counter.manager)]
    barrier = threading.Barrier(2)
    statuses = []

    def redeem(i):
        try:
            barrier.wait(timeout=30)
            response = clients[i].post(REDEEM, {"code": counter.code, "request_id": f"r{i}"}, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(statuses) == [200, 409]
    assert Redemption.objects.count() == 1
    assert Booking.objects.get(pk=counter.booking.pk).status == Booking.Status.PAID


def test_a_used_code_is_logged_but_not_counted_as_guessing(counter):
    client = counter.client(counter.cashier)
    client.post(REDEEM, {"code": counter.code, "request_id": "first"}, format="json")
    for i in range(12):
        used = client.post(REDEEM, {"code": counter.code, "request_id": f"again-{i}"}, format="json")
        assert used.status_code == 409

    still_answered = client.post(LOOKUP, {"code": counter.code}, format="json")

    assert still_answered.status_code == 200
    assert RedemptionAttempt.objects.filter(outcome="already_redeemed", is_failure=False).count() == 12


def test_the_redeem_answer_is_exactly_the_documented_serializers(counter):
    import json

    from payments.api.counter_serializers import RedemptionOutputSerializer, redemption_data

    response = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "s1"}, format="json"
    )
    redemption = Redemption.objects.select_related("redeemed_by").get()

    assert response.json() == json.loads(json.dumps(RedemptionOutputSerializer(redemption).data))
    redemption.undone_at = timezone.now()  # and once undone, as the undo answers
    assert redemption_data(redemption) == RedemptionOutputSerializer(redemption).data


def test_a_request_id_reserved_for_extras_is_refused_and_changes_nothing(counter):
    response = counter.client(counter.cashier).post(
        REDEEM, {"code": counter.code, "request_id": "extra-1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "no_request_id"
    assert _voucher_unchanged(counter)
