"""Helpers for settlement tests: paid orders, redemptions at a given time, one settlement run."""

from datetime import datetime, timedelta

from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from payments.checkout import sandbox
from payments.checkout import services as checkout
from payments.checkout.models import SandboxCharge
from payments.checkout.webhooks import webhook_receive
from payments.settlement import services as settlement
from payments.settlement.models import SettlementRun
from payments.vouchers import services as vouchers
from shops.models import Membership
from tests.factories import UserFactory

_counter = iter(range(10**9))


def paid_booking(job, *, shop=None, n: int | None = None):
    """A paid order of the job's owner (a fresh slot each time), through the signed sandbox notice."""
    n = next(_counter) if n is None else n
    starts_at = job.slot + timedelta(days=n // 8, hours=n % 8 - 2)
    booking = job.book(starts_at=starts_at, **({"shop": shop} if shop else {}))
    start = checkout.payment_start(booking_id=booking.pk, owner=job.owner)
    charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save(update_fields=["status", "updated_at"])
    body, headers = sandbox.sandbox_notification(charge)
    webhook_receive(provider="sandbox", body=body, headers=headers)
    booking.refresh_from_db()
    return booking


def staff_of(shop, role=Membership.Role.MANAGER) -> User:
    user = UserFactory(role=User.Role.SHOP_STAFF)
    Membership.objects.create(shop=shop, user=user, role=role)
    return user


def redeem(booking, *, at: datetime, staff=None):
    staff = staff or staff_of(booking.shop)
    return vouchers.voucher_redeem(
        voucher_id=booking.voucher.pk,
        shop=booking.shop,
        staff=staff,
        request_id=f"r{booking.pk}-{at.timestamp()}",
        now=at,
    )


def settle(period_end, *, now: datetime | None = None, chunk_size: int | None = None) -> SettlementRun:
    now = now or timezone.now()
    run = SettlementRun.objects.create(period_end=period_end, created_at=now)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the payouts task, after commit
        return settlement.settlement_run_execute(run_id=run.pk, now=now, chunk_size=chunk_size)
