"""Additional work through the API: staff raise, withdraw, log parts and photos; the owner
approves, declines and pays; another owner, another shop and anonymous callers see nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bookings.models import AdditionalWork, AdditionalWorkDecision, PartUsed, ServiceStep
from payments.checkout.models import Payment
from tests.extras.conftest import photo_upload

pytestmark = pytest.mark.django_db
W = AdditionalWork.Status


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _shop_url(floor, action=""):
    return f"/api/v1/shop/bookings/{floor.booking.pk}/{action}"


def _owner_url(floor, extra_id=None, action=""):
    base = f"/api/v1/bookings/{floor.booking.pk}/additional-work/"
    return base if extra_id is None else f"{base}{extra_id}/{action}"


def _raise(floor, user=None, **body):
    payload = {
        "reason": "Front pads are down to 2 mm",
        "service_items": [floor.pads_item.code],
        "parts": [{"code": floor.wiper.sku, "quantity": "2"}],
        "labour_hours": "0.50",
        "labour_description": "Clean the brake calipers",
        **body,
    }
    return _as(user or floor.counter.technician).post(
        _shop_url(floor, "additional-work/"), payload, format="json"
    )


def test_a_technician_raises_an_extra_priced_by_the_server(floor):
    response = _raise(floor, labour_hours="0.50", total="1.00")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "requested"
    assert body["total"] == {"amount": "595.00", "currency": "CNY"}
    assert [line["amount"]["amount"] for line in body["lines"]] == ["280.00", "150.00", "90.00", "75.00"]
    assert body["decision"] is None
    assert len(body["offer_sha256"]) == 64


def test_staff_raise_an_extra_with_a_photo_as_multipart(floor):
    response = _as(floor.counter.manager).post(
        _shop_url(floor, "additional-work/"),
        {
            "reason": "Cracked wiper",
            "parts": '[{"code": "VALEO-600", "quantity": "1"}]',
            "photo": photo_upload(),
        },
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["total"]["amount"] == "45.00"
    assert len(body["photos"]) == 1
    assert body["photos"][0]["url"].startswith("/photos/")


def test_a_bad_photo_is_a_translated_400_and_nothing_is_raised(floor):
    response = _as(floor.counter.manager).post(
        _shop_url(floor, "additional-work/"),
        {"reason": "x", "labour_hours": "1", "photo": photo_upload("GIF", name="x.gif")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "无法使用这张照片：请上传 JPEG、PNG 或 WebP 图片。"
    assert not AdditionalWork.objects.exists()


def test_the_owner_sees_approves_and_pays_an_extra(floor):
    extra_id = _raise(floor).json()["id"]
    owner = _as(floor.booking.owner)

    listed = owner.get(_owner_url(floor))
    seen = listed.json()["results"][0]["offer_sha256"]
    approved = owner.post(
        _owner_url(floor, extra_id, "approve/"),
        {"offer_sha256": seen},
        format="json",
        HTTP_USER_AGENT="Phone/1",
    )
    pay = owner.post(_owner_url(floor, extra_id, "pay/"), HTTP_IDEMPOTENCY_KEY="k1")
    again = owner.post(_owner_url(floor, extra_id, "pay/"), HTTP_IDEMPOTENCY_KEY="k1")

    assert listed.status_code == 200
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decision"]["decision"] == "approved"
    decision = AdditionalWorkDecision.objects.get(additional_work_id=extra_id)
    assert (decision.user_agent, decision.ip_address) == ("Phone/1", "127.0.0.1")
    assert approved.json()["decision"]["snapshot_sha256"] == decision.snapshot_sha256
    assert pay.status_code == 200
    assert pay.json()["redirect_url"].startswith("/pay/sandbox/pay/")
    assert again.json() == pay.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(additional_work_id=extra_id).count() == 1


def test_the_owner_declines_and_the_extra_cannot_be_paid(floor):
    extra_id = _raise(floor).json()["id"]
    owner = _as(floor.booking.owner)

    declined = owner.post(_owner_url(floor, extra_id, "decline/"))
    pay = owner.post(_owner_url(floor, extra_id, "pay/"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    approve = owner.post(_owner_url(floor, extra_id, "approve/"))

    assert declined.json()["status"] == "declined"
    assert (pay.status_code, pay.json()["detail"]) == (409, "只能为您已同意的追加项目付款。")
    assert approve.status_code == 409
    assert not Payment.objects.filter(additional_work_id=extra_id).exists()


def test_a_changed_offer_is_a_409(floor):
    extra_id = _raise(floor).json()["id"]

    response = _as(floor.booking.owner).post(
        _owner_url(floor, extra_id, "approve/"), {"offer_sha256": "f" * 64}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "offer_changed")
    assert AdditionalWork.objects.get(pk=extra_id).status == W.REQUESTED


def test_another_owner_gets_404_for_every_owner_endpoint(floor, another_owner):
    extra_id = _raise(floor).json()["id"]
    stranger = _as(another_owner)

    statuses = [
        stranger.get(_owner_url(floor)).status_code,
        stranger.post(_owner_url(floor, extra_id, "approve/")).status_code,
        stranger.post(_owner_url(floor, extra_id, "decline/")).status_code,
        stranger.post(_owner_url(floor, extra_id, "pay/")).status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    assert AdditionalWork.objects.get(pk=extra_id).status == W.REQUESTED
    assert not AdditionalWorkDecision.objects.exists()


def test_staff_cannot_decide_for_the_owner(floor):
    extra_id = _raise(floor).json()["id"]

    response = _as(floor.counter.manager).post(_owner_url(floor, extra_id, "approve/"))

    assert response.status_code == 403
    assert AdditionalWork.objects.get(pk=extra_id).status == W.REQUESTED


def test_staff_withdraw_an_extra(floor):
    extra_id = _raise(floor).json()["id"]

    response = _as(floor.counter.technician).post(_shop_url(floor, f"additional-work/{extra_id}/withdraw/"))
    again = _as(floor.counter.technician).post(_shop_url(floor, f"additional-work/{extra_id}/withdraw/"))

    assert response.json()["status"] == "withdrawn"
    assert again.status_code == 409


def test_a_step_of_an_unapproved_extra_is_refused_in_the_users_language(floor):
    extra_id = _raise(floor).json()["id"]

    response = _as(floor.counter.technician).post(
        _shop_url(floor, "steps/"),
        {"description": "Replaced front pads", "additional_work": extra_id},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "车主尚未同意该追加项目：暂不能施工或记录。"
    assert not ServiceStep.objects.exists()


def test_steps_with_photos_and_parts_used_show_in_the_staff_detail(floor):
    extra_id = _raise(floor).json()["id"]
    _as(floor.booking.owner).post(_owner_url(floor, extra_id, "approve/"))
    tech = _as(floor.counter.technician)

    step = tech.post(
        _shop_url(floor, "steps/"),
        {"description": "Replaced front pads", "additional_work": extra_id, "photo": photo_upload()},
        format="multipart",
    )
    part = tech.post(
        _shop_url(floor, "parts-used/"),
        {"code": "BOSCH-BP1", "quantity": "1", "additional_work": extra_id},
        format="json",
    )
    detail = tech.get(_shop_url(floor))

    assert step.status_code == 201
    assert step.json()["additional_work"] == extra_id
    assert len(step.json()["photos"]) == 1
    assert part.status_code == 201
    assert part.json()["code"] == "BOSCH-BP1"
    assert [p["code"] for p in detail.json()["parts_used"]] == ["BOSCH-BP1"]
    assert PartUsed.objects.get().quantity == Decimal("1.00")


def test_photos_are_shown_to_the_owner_and_the_shops_staff_only(floor, another_owner):
    step = _as(floor.counter.technician).post(
        _shop_url(floor, "steps/"), {"description": "Old filter", "photo": photo_upload()}, format="multipart"
    )
    url = step.json()["photos"][0]["url"]

    def fetch(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(url)

    owner, staff = fetch(floor.booking.owner), fetch(floor.counter.cashier)
    stranger, foreign, anonymous = fetch(another_owner), fetch(floor.counter.foreign_manager), fetch(None)

    assert (owner.status_code, staff.status_code) == (200, 200)
    assert owner["Content-Type"] == "image/jpeg"
    assert b"".join(owner.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in owner["Cache-Control"]
    assert (stranger.status_code, foreign.status_code) == (404, 404)
    assert anonymous.status_code == 302
