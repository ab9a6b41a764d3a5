"""Writes for checkout: start a payment, apply a provider's notice, cancel and refund an order.

``payments`` sits above ``bookings``: it changes an order's state through
``bookings.services.booking_transition`` inside its own transactions, so a payment, the order's
state, the voucher and the ledger entry change together or not at all.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from bookings import services as booking_services
from bookings.models import Booking
from common.errors import Conflict, NotFound
from payments.checkout.models import Payment, ProviderEvent, Refund
from payments.checkout.providers import ProviderNotice, provider_get
from payments.ledger import services as ledger
from payments.vouchers.models import Voucher
from payments.vouchers.services import voucher_close, voucher_issue

logger = logging.getLogger(__name__)
B = Booking.Status


class AlreadyPaid(Conflict):
    default_message = _("This order is already paid.")
    code = "already_paid"


class NotPayable(Conflict):
    default_message = _("This order can no longer be paid.")
    code = "not_payable"


class CannotCancel(Conflict):
    default_message = _("This order can no longer be cancelled: the car has been checked in.")
    code = "cannot_cancel"


@dataclass(frozen=True)
class PaymentStart:
    payment: Payment
    redirect_url: str


def _order_ref(booking: Booking) -> str:
    return str(booking.pk)


@transaction.atomic
def payment_start(*, booking_id: int, owner, provider: str = "sandbox") -> PaymentStart:
    """Open (or reopen) the order's charge at the provider and say where the owner pays.

    A second attempt while a charge is open returns that same charge, so an owner who taps
    "pay" twice is never charged twice; a paid order answers ``AlreadyPaid`` (409).
    """
    booking = booking_services.booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    own = booking.payments.filter(additional_work__isnull=True)  # not the extras' payments
    if booking.status != B.AWAITING_PAYMENT:
        if own.filter(status=Payment.Status.SUCCEEDED).exists():
            raise AlreadyPaid()
        raise NotPayable()
    if booking.pay_by <= timezone.now():
        raise NotPayable(_("The time to pay for this order has run out. Please book again."))
    gateway = provider_get(provider)
    payment = own.filter(status=Payment.Status.PENDING, provider=provider).first()
    # One key per attempt: an open charge is asked for again under the same key (the provider
    # answers with the same charge); after a failed attempt the next one gets a new key.
    attempt = own.exclude(status=Payment.Status.PENDING).count()
    key = f"order-{booking.pk}-{attempt}"
    checkout = gateway.checkout_start(
        amount=booking.total_amount,
        currency=booking.currency,
        description=f"{booking.number} {booking.shop.name}",
        return_url=reverse("orders:detail", args=[booking.pk]),
        idempotency_key=key,
    )
    if payment is None:
        payment = Payment.objects.create(
            booking=booking,
            provider=provider,
            provider_ref=checkout.provider_ref,
            amount=booking.total_amount,
            currency=booking.currency,
        )
    return PaymentStart(payment=payment, redirect_url=checkout.redirect_url)


def notice_apply(*, provider: str, notice: ProviderNotice) -> str:
    """Apply one verified provider notice exactly once; returns what happened (for the log).

    The event id is recorded under a unique constraint first: a replay finds it and changes
    nothing. Out-of-order notices are harmless: a failure after a success is ignored, a success
    after a failure is applied. A notice whose amount or currency differs from the payment is
    refused and the payment flagged for an admin.
    """
    try:
        with transaction.atomic():
            event = ProviderEvent.objects.create(
                provider=provider, event_id=notice.event_id, payload=notice.payload
            )
            outcome = _notice_apply(provider=provider, notice=notice)
            event.outcome = outcome
            event.save(update_fields=["outcome"])
            return outcome
    except IntegrityError:
        if ProviderEvent.objects.filter(provider=provider, event_id=notice.event_id).exists():
            return "duplicate: already processed"
        raise


def _notice_apply(*, provider: str, notice: ProviderNotice) -> str:
    payment = (
        Payment.objects.select_for_update()
        .filter(provider=provider, provider_ref=notice.provider_ref)
        .first()
    )
    if payment is None:
        logger.warning("payment notice for an unknown charge %s/%s", provider, notice.provider_ref)
        return "ignored: unknown charge"
    if notice.status != "succeeded":
        if payment.status == Payment.Status.PENDING and notice.status == "failed":
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status", "updated_at"])
            return "payment failed"
        return f"ignored: {notice.status} after {payment.status}"
    if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        return "ignored: already succeeded"
    if notice.amount != payment.amount or notice.currency != payment.currency:
        payment.flag = (
            f"notice said {notice.amount} {notice.currency}, expected {payment.amount} {payment.currency}"
        )
        payment.save(update_fields=["flag", "updated_at"])
        logger.error("payment %s amount mismatch: %s", payment.pk, payment.flag)
        return "refused: amount or currency differs from the order"

    if payment.additional_work_id is not None:
        from payments.checkout import extras  # extras builds on this module

        return extras.extra_payment_apply(payment)
    booking = booking_services.booking_lock(payment.booking_id)
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    ledger.post_payment_received(
        order_ref=_order_ref(booking), amount=payment.amount, idempotency_key=f"payment:{payment.pk}"
    )
    if booking.status == B.AWAITING_PAYMENT:
        booking_services.booking_transition(booking, to=B.PAID, reason=gettext_noop("paid"))
        voucher_issue(booking=booking)
        return "paid"
    # Paid after the order expired or was cancelled (or a second charge for a paid order):
    # the money goes straight back.
    _refund(payment, booking=booking, reason=f"paid while the order was {booking.status}")
    return "refunded: order was no longer awaiting payment"


def _refund(payment: Payment, *, booking: Booking, reason: str) -> Refund:
    """Refund a succeeded payment in full, at the provider and in the ledger (caller's transaction)."""
    key = f"refund:{payment.pk}"
    provider_ref = provider_get(payment.provider).refund(
        provider_ref=payment.provider_ref, amount=payment.amount, idempotency_key=key
    )
    refund = Refund.objects.create(
        payment=payment,
        provider_ref=provider_ref,
        amount=payment.amount,
        currency=payment.currency,
        reason=reason,
    )
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["status", "updated_at"])
    ledger.post_refund(order_ref=_order_ref(booking), amount=payment.amount, idempotency_key=key)
    return refund


@transaction.atomic
def order_cancel(*, booking_id: int, actor, reason: str = "") -> Booking:
    """The owner cancels before check-in: unpaid → cancelled; paid → refunded in full.

    Either way the slot's place is released in the same transaction. After check-in the work has
    started and the order can no longer be cancelled (409).
    """
    booking = booking_services.booking_lock(booking_id)
    reason = reason or gettext_noop("cancelled by owner")
    if booking.status == B.AWAITING_PAYMENT:
        return booking_services.booking_transition(booking, to=B.CANCELLED, actor=actor, reason=reason)
    if booking.status != B.PAID:
        if booking.status in (B.CANCELLED, B.REFUNDED, B.EXPIRED):
            raise Conflict(_("This order is already closed."), code="already_closed")
        raise CannotCancel()
    voucher = Voucher.objects.select_for_update().filter(booking=booking).first()
    if voucher is not None and voucher.status == Voucher.Status.REDEEMED:
        raise CannotCancel(_("This order can no longer be cancelled: its voucher was redeemed."))
    payment = booking.payments.select_for_update().get(
        status=Payment.Status.SUCCEEDED, additional_work__isnull=True
    )
    _refund(payment, booking=booking, reason=reason)
    if voucher is not None:
        voucher_close(voucher=voucher, to=Voucher.Status.REFUNDED)
    return booking_services.booking_transition(booking, to=B.REFUNDED, actor=actor, reason=reason)


def vouchers_expire_due(*, now: datetime | None = None, batch: int = 100) -> int:
    """Refund every voucher that expired unredeemed (过期退); idempotent, safe to run twice at once."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Voucher.objects.select_for_update(skip_locked=True)
                .filter(status=Voucher.Status.ISSUED, expires_at__lte=now)
                .order_by("expires_at")[:batch]
            )
            for voucher in due:
                booking = booking_services.booking_lock(voucher.booking_id)
                payment = (
                    booking.payments.select_for_update()
                    .filter(status=Payment.Status.SUCCEEDED, additional_work__isnull=True)
                    .first()
                )
                if payment is not None:
                    _refund(payment, booking=booking, reason=gettext_noop("voucher expired"))
                voucher_close(voucher=voucher, to=Voucher.Status.EXPIRED)
                if booking.status in (B.PAID, B.NO_SHOW):
                    booking_services.booking_transition(
                        booking, to=B.REFUNDED, reason=gettext_noop("voucher expired")
                    )
        done += len(due)
        if len(due) < batch:
            return done


def payments_reconcile_pending(*, older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """Ask the provider about charges left pending (a notification that never came) and apply
    the answer like a notice; the query's event id makes a repeated poll change nothing."""
    cutoff = timezone.now() - older_than
    applied = 0
    pending = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lte=cutoff).order_by(
        "created_at"
    )
    for payment in pending[:limit]:
        notice = provider_get(payment.provider).charge_query(provider_ref=payment.provider_ref)
        if notice.status == "pending":
            continue
        notice_apply(provider=payment.provider, notice=notice)
        applied += 1
    return applied
