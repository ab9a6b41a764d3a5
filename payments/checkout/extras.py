"""Paying for approved additional work through the platform, like the booking itself.

The owner pays an approved extra through the same provider interface, hosted page and signed
webhook as the order (``Payment.additional_work`` says what a payment is for). When the payment
succeeds, in the notice's one transaction: the payment is marked, the ledger posts *provider
clearing → escrow*, the extra becomes paid, and — the order's voucher being redeemed already —
the extra gets its own settlement line at once: a ``Redemption`` row with ``additional_work``
set, its commission frozen by the same ``commission_quote`` at that moment, and the ledger's
*escrow → merchant payable + commission*. Settlement then sums it like any other redemption.
A payment that arrives for an extra no longer approved (withdrawn meanwhile) is refunded at once.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import extras as booking_extras
from bookings.models import AdditionalWork, Booking
from bookings.services import booking_lock
from common.errors import NotFound
from payments.checkout.models import Payment
from payments.checkout.providers import provider_get
from payments.checkout.services import AlreadyPaid, NotPayable, PaymentStart, _refund
from payments.ledger import services as ledger
from payments.settlement.commission import commission_quote
from payments.vouchers.models import EXTRA_REQUEST_ID_PREFIX, Redemption, Voucher

logger = logging.getLogger(__name__)
W = AdditionalWork.Status


@transaction.atomic
def extra_payment_start(
    *, booking_id: int, additional_work_id: int, owner, provider: str = "sandbox"
) -> PaymentStart:
    """Open (or reopen) the charge for an approved extra and say where the owner pays.

    Another owner's order is 404; a paid extra answers ``AlreadyPaid`` (409), one not approved
    ``NotPayable`` (409). Tapping twice while a charge is open returns that same charge.
    """
    booking = booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    extra = booking_extras.additional_work_lock(booking=booking, additional_work_id=additional_work_id)
    if extra.status == W.PAID:
        raise AlreadyPaid(_("This additional work is already paid."))
    if extra.status != W.APPROVED:
        raise NotPayable(_("Only additional work you approved can be paid."))
    gateway = provider_get(provider)
    payment = extra.payments.filter(status=Payment.Status.PENDING, provider=provider).first()
    attempt = extra.payments.exclude(status=Payment.Status.PENDING).count()
    checkout = gateway.checkout_start(
        amount=extra.total_amount,
        currency=extra.currency,
        description=f"{booking.number}+{extra.pk} {booking.shop.name}"[:200],
        return_url=reverse("orders:detail", args=[booking.pk]),
        idempotency_key=f"extra-{extra.pk}-{attempt}",
    )
    if payment is None:
        payment = Payment.objects.create(
            booking=booking,
            additional_work=extra,
            provider=provider,
            provider_ref=checkout.provider_ref,
            amount=extra.total_amount,
            currency=extra.currency,
        )
    return PaymentStart(payment=payment, redirect_url=checkout.redirect_url)


def extra_payment_apply(payment: Payment) -> str:
    """A success notice for an extra's payment (inside ``notice_apply``'s transaction, the
    payment locked and its amount already checked against the notice)."""
    booking = booking_lock(payment.booking_id)
    extra = booking_extras.additional_work_lock(
        booking=booking, additional_work_id=payment.additional_work_id
    )
    if payment.amount != extra.total_amount or payment.currency != extra.currency:
        payment.flag = (
            f"payment {payment.amount} {payment.currency}, extra {extra.total_amount} {extra.currency}"
        )
        payment.save(update_fields=["flag", "updated_at"])
        logger.error("extra payment %s amount mismatch: %s", payment.pk, payment.flag)
        return "refused: amount or currency differs from the additional work"
    now = timezone.now()
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = now
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    ledger.post_payment_received(
        order_ref=str(booking.pk), amount=payment.amount, idempotency_key=f"payment:{payment.pk}"
    )
    if extra.status != W.APPROVED:
        _refund(payment, booking=booking, reason=f"paid while the additional work was {extra.status}")
        return "refunded: additional work was no longer approved"
    booking_extras.additional_work_mark_paid(extra, at=now)
    extra_settlement_line(extra=extra, booking=booking, at=now)
    return "extra paid"


def extra_settlement_line(*, extra: AdditionalWork, booking: Booking, at: datetime) -> Redemption:
    """The paid extra's settlement line: commission frozen now, escrow → shop + commission."""
    voucher = Voucher.objects.get(booking=booking)
    split = commission_quote(shop=booking.shop, booking=extra, at=at)
    entry = ledger.post_redemption(
        shop=booking.shop,
        order_ref=str(booking.pk),
        gross_amount=extra.total_amount,
        commission_amount=split.commission_amount,
        subsidy_amount=split.subsidy_amount,
        idempotency_key=f"extra-redemption:{extra.pk}",
        memo=f"additional work {extra.pk}",
    )
    return Redemption.objects.create(
        voucher=voucher,
        booking=booking,
        additional_work=extra,
        shop=booking.shop,
        redeemed_by_id=extra.raised_by_id,
        request_id=f"{EXTRA_REQUEST_ID_PREFIX}{extra.pk}",
        redeemed_at=at,
        gross_amount=extra.total_amount,
        **split.frozen(),
        currency=extra.currency,
        ledger_entry=entry,
    )
