"""Complaints: the owner files one per paid order (API and order page); a platform admin resolves
or rejects it with a note, and may fine the shop in the same transaction."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Booking, Complaint
from common.errors import Conflict, DomainError, PermissionDenied
from payments.ledger.models import JournalEntry
from payments.ledger.selectors import merchant_payable_balance
from payments.settlement.models import Penalty
from payments.settlement.services import complaint_resolve_with_penalty
from tests.factories import UserFactory
from tests.payments.settle_helpers import paid_booking

pytestmark = pytest.mark.django_db

S = Booking.Status


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(booking) -> str:
    return f"/api/v1/bookings/{booking.pk}/complaint/"


def _in_state(job, status) -> Booking:
    booking = job.book()
    Booking.objects.filter(pk=booking.pk).update(status=status)
    return booking


def _admin():
    return UserFactory(role="platform_admin", is_staff=True, is_superuser=True)


def _filed(job) -> Complaint:
    booking = paid_booking(job)
    return services.complaint_create(
        booking_id=booking.pk, owner=job.owner, category="price", text="结账时多收了 80 元"
    )


@pytest.mark.parametrize("status", [S.PAID, S.CHECKED_IN, S.IN_SERVICE, S.COMPLETED, S.NO_SHOW])
def test_an_owner_complains_about_a_paid_or_later_order(job, status):
    booking = _in_state(job, status)

    response = _api(job.owner).post(
        _url(booking), {"category": "quality", "text": "  机油滤芯没换  "}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["booking"], body["number"], body["category"], body["text"], body["status"]) == (
        booking.pk,
        booking.number,
        "quality",
        "机油滤芯没换",
        "open",
    )
    complaint = Complaint.objects.get()
    assert (complaint.owner, complaint.shop_id, complaint.decided_at) == (job.owner, job.shop.pk, None)
    assert _api(job.owner).get(_url(booking)).json()["id"] == complaint.pk


@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.CANCELLED, S.REFUNDED, S.EXPIRED])
def test_no_complaint_about_an_unpaid_cancelled_or_expired_order(job, status):
    booking = _in_state(job, status)
    client = _api(job.owner)

    english = client.post(
        _url(booking), {"category": "other", "text": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    chinese = client.post(
        _url(booking), {"category": "other", "text": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert (english.status_code, chinese.status_code) == (409, 409)
    assert english.json()["detail"].startswith("You can complain about an order once it is paid")
    assert chinese.json()["detail"] == "订单付款后才能投诉，已取消或已过期的订单不能投诉。"
    assert not Complaint.objects.exists()


def test_another_owners_order_answers_404_and_files_nothing(job):
    booking = _in_state(job, S.PAID)
    stranger = _api(UserFactory(role="owner"))

    post = stranger.post(_url(booking), {"category": "attitude", "text": "态度差"}, format="json")
    get = stranger.get(_url(booking))

    assert (post.status_code, get.status_code) == (404, 404)
    assert not Complaint.objects.exists()


def test_empty_text_or_an_unknown_category_is_400_and_a_second_complaint_409(job):
    booking = _in_state(job, S.COMPLETED)
    client = _api(job.owner)

    empty = client.post(_url(booking), {"category": "price", "text": "   "}, format="json")
    unknown = client.post(_url(booking), {"category": "weather", "text": "下雨"}, format="json")
    too_long = client.post(_url(booking), {"category": "price", "text": "多" * 1001}, format="json")
    before = client.get(_url(booking))
    first = client.post(_url(booking), {"category": "price", "text": "多收钱"}, format="json")
    second = client.post(
        _url(booking), {"category": "other", "text": "再投诉"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert (empty.status_code, unknown.status_code, too_long.status_code) == (400, 400, 400)
    assert before.status_code == 404
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["detail"] == "您已投诉过此订单。"
    assert list(Complaint.objects.values_list("text", flat=True)) == ["多收钱"]


def test_the_service_refuses_blank_text_and_unknown_categories(job):
    booking = _in_state(job, S.PAID)

    with pytest.raises(DomainError) as blank:
        services.complaint_create(booking_id=booking.pk, owner=job.owner, category="price", text=" \n ")
    with pytest.raises(DomainError) as category:
        services.complaint_create(booking_id=booking.pk, owner=job.owner, category="nope", text="x")

    assert (blank.value.code, category.value.code) == ("empty_text", "invalid_category")
    assert not Complaint.objects.exists()


def test_the_order_page_files_a_complaint_and_then_shows_its_status(client, job):
    booking = _in_state(job, S.COMPLETED)
    client.force_login(job.owner)
    page = reverse("orders:detail", args=[booking.pk])
    url = reverse("orders:complaint", args=[booking.pk])

    form_page = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    empty = client.post(
        url, {"complaint-category": "timeliness", "complaint-text": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    filed = client.post(url, {"complaint-category": "timeliness", "complaint-text": "等了两个小时"})
    after = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "遇到问题？向平台投诉" in form_page
    assert empty.status_code == 400
    assert filed["Location"] == page + "#complaint"
    assert 'data-testid="complaint-form"' not in after
    assert "您的投诉" in after
    assert "待处理" in after
    assert "等了两个小时" in after
    assert Complaint.objects.get().category == "timeliness"


def test_the_order_page_refuses_an_unpaid_order_and_shows_no_form(client, job):
    booking = job.book()
    client.force_login(job.owner)

    page = client.get(reverse("orders:detail", args=[booking.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    refused = client.post(
        reverse("orders:complaint", args=[booking.pk]),
        {"complaint-category": "other", "complaint-text": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert 'data-testid="complaint-form"' not in page
    assert refused.status_code == 409
    assert "You can complain about an order once it is paid" in refused.content.decode()
    assert not Complaint.objects.exists()


def test_an_admin_resolves_with_a_fine_in_the_django_admin_and_the_ledger_moves(client, job):
    complaint = _filed(job)
    admin = _admin()
    client.force_login(admin)
    url = reverse("admin:bookings_complaint_change", args=[complaint.pk])

    response = client.post(
        url, {"decision": "resolve", "note": "核实多收，罚款并退差价", "penalty_amount": "80.00"}
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.decided_by, complaint.resolution_note) == (
        "resolved",
        admin,
        "核实多收，罚款并退差价",
    )
    penalty = Penalty.objects.get()
    assert (penalty.complaint, penalty.shop_id, penalty.amount, penalty.created_by) == (
        complaint,
        job.shop.pk,
        Decimal("80.00"),
        admin,
    )
    assert penalty.reason.startswith(complaint.booking.number)
    assert penalty.ledger_entry.kind == JournalEntry.Kind.PENALTY
    assert merchant_payable_balance(job.shop) == Decimal("-80.00")
    again = client.post(url, {"decision": "reject", "note": "再来一次"})
    assert again.status_code == 403
    assert client.get(url).status_code == 200
    assert Penalty.objects.count() == 1
    assert Complaint.objects.get().status == "resolved"


def test_an_admin_rejects_without_a_fine_and_a_fine_on_a_rejection_is_refused(client, job):
    complaint = _filed(job)
    client.force_login(_admin())
    url = reverse("admin:bookings_complaint_change", args=[complaint.pk])

    refused = client.post(url, {"decision": "reject", "note": "不成立", "penalty_amount": "10.00"})
    assert refused.status_code == 200
    assert Complaint.objects.get().status == "open"

    rejected = client.post(url, {"decision": "reject", "note": "价格与预订一致，投诉不成立"})

    assert rejected.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_note) == ("rejected", "价格与预订一致，投诉不成立")
    assert not Penalty.objects.exists()
    assert merchant_payable_balance(job.shop) == Decimal("0.00")


def test_the_admin_list_filters_and_finds_a_complaint_by_order_number(client, job):
    complaint = _filed(job)
    client.force_login(_admin())
    base = reverse("admin:bookings_complaint_changelist")

    found = client.get(base, {"q": complaint.booking.number})
    missed = client.get(base, {"q": "CP010101999999"})
    filtered = client.get(
        base, {"status__exact": "open", "category__exact": "price", "shop__id__exact": job.shop.pk}
    )

    assert found.context["cl"].result_count == 1
    assert missed.context["cl"].result_count == 0
    assert filtered.context["cl"].result_count == 1
    assert client.get(reverse("admin:bookings_complaint_change", args=[complaint.pk])).status_code == 200


def test_a_bad_fine_rolls_back_the_decision_too(job):
    complaint = _filed(job)
    entries = JournalEntry.objects.count()

    with pytest.raises(DomainError):
        complaint_resolve_with_penalty(
            complaint_id=complaint.pk, note="罚款", amount=Decimal("0.005"), actor=_admin()
        )

    complaint.refresh_from_db()
    assert (complaint.status, complaint.decided_at) == ("open", None)
    assert not Penalty.objects.exists()
    assert JournalEntry.objects.count() == entries


def test_only_a_platform_admin_decides_once_with_a_note(job):
    complaint = _filed(job)
    admin = _admin()

    with pytest.raises(PermissionDenied):
        services.complaint_decide(complaint_id=complaint.pk, resolve=True, note="好", actor=job.owner)
    with pytest.raises(DomainError) as no_note:
        services.complaint_decide(complaint_id=complaint.pk, resolve=True, note="  ", actor=admin)
    services.complaint_decide(complaint_id=complaint.pk, resolve=False, note="不成立", actor=admin)
    with pytest.raises(Conflict):
        services.complaint_decide(complaint_id=complaint.pk, resolve=True, note="改判", actor=admin)

    assert no_note.value.code == "empty_note"
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_note, complaint.decided_by) == (
        "rejected",
        "不成立",
        admin,
    )
