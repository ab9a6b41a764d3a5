"""Paying through the sandbox: signed webhooks, replays, out-of-order notices, refunds, vouchers."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from payments.checkout import services
from payments.checkout.models import Payment, ProviderEvent, SandboxCharge
from payments.ledger.models import JournalEntry
from payments.ledger.selectors import escrow_balance
from payments.vouchers.models import Voucher
from payments.webhook_signing import HEADER, signature_header

pytestmark = pytest.mark.django_db
S = Booking.Status
WEBHOOK = "/api/v1/payments/webhooks/sandbox/"


def _charge(job):
    booking = job.book()
    start = services.payment_start(booking_id=booking.pk, owner=job.owner)
    return booking, start.payment, SandboxCharge.objects.get(ref=start.payment.provider_ref)


def _notify(charge, *, status="succeeded", amount=None, event_id="evt_1", timestamp=None, secret=None):
    body = json.dumps(
        {
            "event_id": event_id,
            "charge": charge.ref,
            "status": status,
            "amount": str(amount or charge.amount),
            "currency": "CNY",
        }
    ).encode()
    from django.conf import settings

    header = signature_header(
        body, secret=secret or settings.SANDBOX_WEBHOOK_SECRET, timestamp=timestamp or int(time.time())
    )
    return APIClient().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        **{"HTTP_" + HEADER.upper().replace("-", "_"): header},
    )


def _pay(job):
    booking, payment, charge = _charge(job)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()
    assert _notify(charge).status_code == 200
    booking.refresh_from_db()
    return booking, payment, charge


def test_paying_marks_the_order_paid_issues_a_voucher_and_fills_escrow(job):
    booking, payment, _charge_ = _pay(job)

    payment.refresh_from_db()
    assert booking.status == S.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert booking.voucher.status == Voucher.Status.ISSUED
    assert booking.voucher.shop_id == job.shop.pk
    assert escrow_balance() == Decimal("133.00")
    assert JournalEntry.objects.filter(kind="payment").count() == 1


def test_the_hosted_sandbox_page_confirms_and_the_signed_notice_pays_the_order(
    client, job, django_capture_on_commit_callbacks
):
    booking, payment, charge = _charge(job)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:sandbox-pay", args=[charge.ref]), {"decision": "confirm"})

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[booking.pk])
    booking.refresh_from_db()
    assert booking.status == S.PAID
    assert ProviderEvent.objects.filter(provider="sandbox").count() == 1


def test_declining_on_the_sandbox_page_leaves_the_order_payable(
    client, job, django_capture_on_commit_callbacks
):
    booking, payment, charge = _charge(job)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:sandbox-pay", args=[charge.ref]), {"decision": "decline"})

    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    assert payment.status == Payment.Status.FAILED


def test_a_bad_signature_is_refused_and_changes_nothing(job):
    booking, payment, charge = _charge(job)

    response = _notify(charge, secret="not-the-secret")

    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT


def test_a_notice_older_than_five_minutes_is_refused(job):
    booking, payment, charge = _charge(job)

    response = _notify(charge, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert response.json()["code"] == "stale"
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT


def test_a_replayed_notice_changes_nothing(job):
    booking, payment, charge = _pay(job)

    replay = _notify(charge)

    assert replay.status_code == 200
    assert replay.json()["detail"] == "duplicate: already processed"
    assert ProviderEvent.objects.count() == 1
    assert JournalEntry.objects.filter(kind="payment").count() == 1
    assert Voucher.objects.count() == 1


def test_out_of_order_notices_a_late_failure_after_success_is_ignored(job):
    booking, payment, charge = _pay(job)

    _notify(charge, status="failed", event_id="evt_2")

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert booking.status == S.PAID


def test_out_of_order_notices_a_success_after_a_failure_pays(job):
    booking, payment, charge = _charge(job)
    _notify(charge, status="failed", event_id="evt_1")

    _notify(charge, status="succeeded", event_id="evt_2")

    booking.refresh_from_db()
    assert booking.status == S.PAID


def test_a_notice_for_a_different_amount_is_refused_and_flagged(job):
    booking, payment, charge = _charge(job)

    response = _notify(charge, amount=Decimal("1.33"))

    assert response.status_code == 400
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert "expected 133.00 CNY" in payment.flag
    assert booking.status == S.AWAITING_PAYMENT
    assert JournalEntry.objects.count() == 0


def test_paying_twice_reuses_the_open_charge_and_a_paid_order_is_409(job):
    booking, payment, charge = _charge(job)

    again = services.payment_start(booking_id=booking.pk, owner=job.owner)
    assert again.payment.pk == payment.pk
    assert Payment.objects.count() == 1

    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()
    _notify(charge)
    with pytest.raises(services.AlreadyPaid):
        services.payment_start(booking_id=booking.pk, owner=job.owner)
    assert Payment.objects.count() == 1


def test_cancelling_a_paid_order_refunds_it_in_full_and_releases_the_slot(job):
    booking, payment, charge = _pay(job)

    services.order_cancel(booking_id=booking.pk, actor=job.owner)

    booking.refresh_from_db()
    payment.refresh_from_db()
    charge.refresh_from_db()
    assert booking.status == S.REFUNDED
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund.amount == Decimal("133.00")
    assert charge.status == SandboxCharge.Status.REFUNDED
    assert booking.voucher.status == Voucher.Status.REFUNDED
    assert escrow_balance() == Decimal("0.00")
    from shops.models import SlotCapacity

    assert SlotCapacity.objects.get(shop=job.shop, starts_at=job.slot).booked == 0


def test_cancel_after_check_in_is_refused_and_nothing_changes(job):
    booking, payment, charge = _pay(job)
    Booking.objects.filter(pk=booking.pk).update(status=S.CHECKED_IN)

    with pytest.raises(services.CannotCancel) as excinfo:
        services.order_cancel(booking_id=booking.pk, actor=job.owner)

    assert excinfo.value.status_code == 409
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Booking.objects.get(pk=booking.pk).status == S.CHECKED_IN
    assert escrow_balance() == Decimal("133.00")


def test_a_payment_arriving_after_expiry_is_refunded_at_once(job):
    booking, payment, charge = _charge(job)
    from bookings.services import booking_expire_due

    booking_expire_due(now=booking.pay_by + timedelta(seconds=1))
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()

    response = _notify(charge)

    assert response.json()["detail"] == "refunded: order was no longer awaiting payment"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert booking.status == S.EXPIRED
    assert escrow_balance() == Decimal("0.00")


def test_expired_vouchers_are_refunded_automatically_once(job):
    booking, payment, charge = _pay(job)
    later = booking.voucher.expires_at + timedelta(seconds=1)

    assert services.vouchers_expire_due(now=later) == 1
    assert services.vouchers_expire_due(now=later) == 0

    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.voucher.status == Voucher.Status.EXPIRED
    assert booking.status == S.REFUNDED
    assert payment.status == Payment.Status.REFUNDED
    assert JournalEntry.objects.filter(kind="refund").count() == 1


def test_a_lost_notification_is_found_by_asking_the_provider(job):
    booking, payment, charge = _charge(job)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()  # paid at the provider, but the notice never arrived
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    applied = services.payments_reconcile_pending()
    again = services.payments_reconcile_pending()

    booking.refresh_from_db()
    assert (applied, again) == (1, 0)
    assert booking.status == S.PAID


def test_the_voucher_code_is_encrypted_at_rest(job):
    booking, payment, charge = _pay(job)
    from payments.vouchers.services import voucher_code

    code = voucher_code(booking.voucher).replace("-", "")
    row = Voucher.objects.values().get(pk=booking.voucher.pk)

    assert all(code not in str(value) for value in row.values())
    assert len(code) == 12
