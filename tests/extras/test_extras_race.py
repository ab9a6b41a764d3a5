"""On PostgreSQL with real concurrent connections: an extra is paid and settled once, and a
withdrawal racing its payment leaves either a paid extra or a refunded payment, never both."""

from decimal import Decimal

import pytest

from bookings import extras
from bookings.models import AdditionalWork
from common.errors import DomainError
from payments.checkout import extras as checkout_extras
from payments.checkout import services as checkout
from payments.checkout.models import Payment, Refund, SandboxCharge
from payments.checkout.providers import ProviderNotice
from payments.ledger.models import JournalEntry
from payments.ledger.selectors import escrow_balance
from payments.vouchers.models import Redemption
from tests.bookings.test_booking_race import _run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
W = AdditionalWork.Status


def _approved_with_open_charge(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    start = checkout_extras.extra_payment_start(
        booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=floor.booking.owner
    )
    # the payer confirmed at the provider; the notices are what races
    SandboxCharge.objects.filter(ref=start.payment.provider_ref).update(status=SandboxCharge.Status.SUCCEEDED)
    return extra, start.payment


def _notice(payment, i):
    return ProviderNotice(
        event_id=f"evt_extra_{i}",
        provider_ref=payment.provider_ref,
        status="succeeded",
        amount=Decimal("595.00"),
        currency="CNY",
        payload={"i": i},
    )


def test_eight_concurrent_success_notices_pay_and_settle_the_extra_once(floor):
    extra, payment = _approved_with_open_charge(floor)

    outcomes = _run_together(
        8, lambda i: checkout.notice_apply(provider="sandbox", notice=_notice(payment, i))
    )

    assert sorted(outcomes).count("extra paid") == 1
    assert AdditionalWork.objects.get(pk=extra.pk).status == W.PAID
    assert Redemption.objects.filter(additional_work=extra).count() == 1
    assert JournalEntry.objects.filter(idempotency_key=f"payment:{payment.pk}").count() == 1
    assert escrow_balance() == Decimal("0.00")


def test_a_withdrawal_racing_the_payment_leaves_one_consistent_outcome(floor):
    extra, payment = _approved_with_open_charge(floor)

    def work(i):
        if i == 0:
            try:
                extras.additional_work_withdraw(
                    booking_id=floor.booking.pk, additional_work_id=extra.pk, staff=floor.counter.manager
                )
            except DomainError as exc:
                return exc.code
            return "withdrawn"
        return checkout.notice_apply(provider="sandbox", notice=_notice(payment, i))

    outcomes = _run_together(2, work)

    extra.refresh_from_db()
    payment.refresh_from_db()
    if extra.status == W.PAID:
        assert outcomes == ["invalid_transition", "extra paid"]
        assert Redemption.objects.filter(additional_work=extra).count() == 1
        assert not Refund.objects.exists()
    else:
        assert outcomes == ["withdrawn", "refunded: additional work was no longer approved"]
        assert extra.status == W.WITHDRAWN
        assert payment.status == Payment.Status.REFUNDED
        assert not Redemption.objects.filter(additional_work=extra).exists()
    assert escrow_balance() == Decimal("0.00")
