"""Redeeming a voucher: once, at its shop, the split frozen and posted; undo within the hour."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from common.errors import NotFound
from payments.checkout import services as checkout
from payments.ledger.selectors import escrow_balance, merchant_payable_balance
from payments.vouchers import services
from payments.vouchers.models import Redemption, Voucher
from tests.factories import ShopFactory, UserFactory
from tests.payments.settle_helpers import settle
from tests.payments.test_checkout import _pay

pytestmark = pytest.mark.django_db


def _staff():
    return UserFactory(role="shop_staff")


def test_redeeming_freezes_the_split_and_moves_escrow_to_the_shop(job):
    booking, _payment, _charge = _pay(job)
    staff = _staff()

    redemption = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=staff, request_id="r1"
    )

    assert (redemption.gross_amount, redemption.commission_rate) == (
        Decimal("133.00"),
        job.shop.commission_rate,
    )
    assert redemption.commission_amount + redemption.merchant_amount == Decimal("133.00")
    assert Voucher.objects.get(pk=booking.voucher.pk).status == Voucher.Status.REDEEMED
    assert escrow_balance() == Decimal("0.00")
    assert merchant_payable_balance(job.shop) == redemption.merchant_amount


def test_a_second_redemption_is_409_and_a_retry_of_the_same_request_replays(job):
    booking, _payment, _charge = _pay(job)
    staff = _staff()
    first = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=staff, request_id="r1"
    )

    again = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=staff, request_id="r1"
    )
    with pytest.raises(services.VoucherNotRedeemable) as excinfo:
        services.voucher_redeem(voucher_id=booking.voucher.pk, shop=job.shop, staff=_staff(), request_id="r2")

    assert again.pk == first.pk
    assert excinfo.value.status_code == 409
    assert Redemption.objects.count() == 1


def test_a_voucher_is_not_found_at_another_shop(job):
    booking, _payment, _charge = _pay(job)

    with pytest.raises(NotFound):
        services.voucher_redeem(
            voucher_id=booking.voucher.pk, shop=ShopFactory(), staff=_staff(), request_id="r1"
        )

    assert Redemption.objects.count() == 0
    assert Voucher.objects.get(pk=booking.voucher.pk).status == Voucher.Status.ISSUED


def test_a_redeemed_order_cannot_be_cancelled(job):
    booking, _payment, _charge = _pay(job)
    services.voucher_redeem(voucher_id=booking.voucher.pk, shop=job.shop, staff=_staff(), request_id="r1")

    with pytest.raises(checkout.CannotCancel):
        checkout.order_cancel(booking_id=booking.pk, actor=job.owner)

    booking.refresh_from_db()
    assert booking.status == "paid"


def test_undo_within_the_hour_makes_the_voucher_redeemable_again(job):
    booking, _payment, _charge = _pay(job)
    first = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=_staff(), request_id="r1"
    )

    services.voucher_redeem_undo(redemption_id=first.pk, manager=_staff())
    second = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=_staff(), request_id="r2"
    )

    first.refresh_from_db()
    assert first.undone_at is not None
    assert second.is_live
    assert merchant_payable_balance(job.shop) == second.merchant_amount
    assert escrow_balance() == Decimal("0.00")


def test_undo_after_an_hour_or_after_settlement_is_refused(job):
    booking, _payment, _charge = _pay(job)
    redeemed_at = timezone.now() - timedelta(minutes=30)
    redemption = services.voucher_redeem(
        voucher_id=booking.voucher.pk, shop=job.shop, staff=_staff(), request_id="r1", now=redeemed_at
    )

    with pytest.raises(services.RedemptionNotUndoable):
        services.voucher_redeem_undo(
            redemption_id=redemption.pk, manager=_staff(), now=redeemed_at + timedelta(minutes=61)
        )
    # a settlement run whose clock is ahead: its cutoff (its moment less the hour) covers the redemption
    settle(timezone.localdate(), now=redeemed_at + timedelta(minutes=61))
    with pytest.raises(services.RedemptionNotUndoable):
        services.voucher_redeem_undo(redemption_id=redemption.pk, manager=_staff())

    assert Redemption.objects.get(pk=redemption.pk).undone_at is None
    assert Voucher.objects.get(pk=booking.voucher.pk).status == Voucher.Status.REDEEMED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_of_one_code_one_wins_one_409(job):
    booking, _payment, _charge = _pay(job)
    staff = [_staff(), _staff()]
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem(i):
        try:
            barrier.wait(timeout=30)
            services.voucher_redeem(
                voucher_id=booking.voucher.pk, shop=job.shop, staff=staff[i], request_id=f"r{i}"
            )
            outcomes.append("ok")
        except services.VoucherNotRedeemable:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["409", "ok"]
    assert Redemption.objects.count() == 1
