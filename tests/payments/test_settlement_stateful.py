"""Random money paths through the real services, settlement included; the books must agree.

Hypothesis runs sequences of payments, redemptions (and undos), cancellations with refunds,
penalties, settlement runs (with payouts that succeed or fail) and retries of failed payouts.
After every step: every entry sums to zero; escrow equals the paid-but-unredeemed orders; each
redemption is in at most one statement, and each statement adds up its redemptions; and for each
shop, what the ledger says is payable equals what the statements still owe plus what is not
settled yet.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from bookings.models import Booking
from common.errors import DomainError
from common.money import ZERO
from payments.checkout import services as checkout
from payments.ledger.models import JournalLine
from payments.ledger.selectors import escrow_balance, merchant_payable_balance
from payments.settlement import services as settlement
from payments.settlement.models import SETTLEMENT_EPOCH, Payout, Penalty, Statement
from payments.settlement.selectors import redemption_list_unsettled, statement_redemptions
from payments.vouchers import services as vouchers
from payments.vouchers.models import Redemption
from shops.models import ShopService
from tests.factories import ShopFactory, UserFactory
from tests.payments.settle_helpers import paid_booking, settle, staff_of

OWED = (Payout.Status.PENDING, Payout.Status.FAILED, Payout.Status.HELD)


class SettlementMachine(RuleBasedStateMachine):
    job = None  # set by the test

    @initialize()
    def setup(self):
        self.now = timezone.now().replace(microsecond=0) - timedelta(days=2)
        self.shops = [
            ShopFactory(
                labour_rate_amount=Decimal("150.00"), payout_account_name="店", payout_account_number=number
            )
            for number in ("6222000011112222", "FAIL-9")
        ]
        for shop in self.shops:
            ShopService.objects.create(shop=shop, service_item=self.job.item)
        self.staff = {shop.pk: staff_of(shop) for shop in self.shops}
        self.admin = UserFactory(role="platform_admin", is_staff=True)
        self.bookings: list[Booking] = []
        self.escrow_base = escrow_balance()
        self.day = 0

    def _tick(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(shop=st.integers(0, 1), minutes=st.integers(0, 90))
    def pay(self, shop, minutes):
        self._tick(minutes)
        self.bookings.append(paid_booking(self.job, shop=self.shops[shop]))

    @rule(pick=st.integers(0, 50), minutes=st.integers(0, 90))
    def redeem(self, pick, minutes):
        self._tick(minutes)
        paid = [b for b in self.bookings if Booking.objects.get(pk=b.pk).status == Booking.Status.PAID]
        if not paid:
            return
        booking = paid[pick % len(paid)]
        voucher = booking.voucher
        voucher.refresh_from_db()
        if voucher.status != voucher.Status.ISSUED:
            return
        vouchers.voucher_redeem(
            voucher_id=voucher.pk,
            shop=booking.shop,
            staff=self.staff[booking.shop_id],
            request_id=f"m{voucher.pk}-{self.now.timestamp()}",
            now=self.now,
        )

    @rule(pick=st.integers(0, 50), minutes=st.integers(0, 90))
    def undo(self, pick, minutes):
        self._tick(minutes)
        live = list(Redemption.objects.filter(shop__in=self.shops, undone_at__isnull=True).order_by("pk"))
        if not live:
            return
        redemption = live[pick % len(live)]
        settled_before = Statement.objects.filter(
            shop_id=redemption.shop_id, covers_until__gt=redemption.redeemed_at
        ).exists()
        lines_before = JournalLine.objects.count()
        try:
            vouchers.voucher_redeem_undo(
                redemption_id=redemption.pk, manager=self.staff[redemption.shop_id], now=self.now
            )
        except vouchers.RedemptionNotUndoable:
            assert JournalLine.objects.count() == lines_before
            assert Redemption.objects.get(pk=redemption.pk).undone_at is None
        else:
            assert not settled_before

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick):
        if not self.bookings:
            return
        booking = Booking.objects.get(pk=self.bookings[pick % len(self.bookings)].pk)
        lines_before = JournalLine.objects.count()
        try:
            checkout.order_cancel(booking_id=booking.pk, actor=self.job.owner)
        except DomainError:
            assert JournalLine.objects.count() == lines_before

    @rule(shop=st.integers(0, 1), fen=st.integers(1, 30000))
    def penalise(self, shop, fen):
        settlement.penalty_create(
            shop=self.shops[shop], amount=Decimal(fen) / 100, reason="投诉", actor=self.admin, now=self.now
        )

    @rule(twice=st.booleans())
    def run_settlement(self, twice):
        self._tick(60 * 24)
        period_end = timezone.localdate(self.now) - timedelta(days=1)
        settle(period_end, now=self.now)
        if twice:
            statements = Statement.objects.count()
            settle(period_end, now=self.now)
            assert Statement.objects.count() == statements

    @rule()
    def retry_payouts(self):
        self._tick(60 * 24)
        with TestCase.captureOnCommitCallbacks(execute=True):
            settlement.payouts_send_due(now=self.now)

    @invariant()
    def every_entry_balances(self):
        assert not JournalLine.objects.values("entry").annotate(total=Sum("amount")).exclude(total=0).exists()

    @invariant()
    def escrow_holds_the_paid_unredeemed_orders(self):
        if not hasattr(self, "bookings"):
            return
        held = sum(
            (
                b.total_amount
                for b in Booking.objects.filter(
                    pk__in=[b.pk for b in self.bookings], status=Booking.Status.PAID
                )
                if not Redemption.objects.filter(booking=b, undone_at__isnull=True).exists()
            ),
            ZERO,
        )
        assert escrow_balance() - self.escrow_base == held

    @invariant()
    def each_redemption_is_settled_at_most_once_and_statements_add_up(self):
        if not hasattr(self, "shops"):
            return
        for shop in self.shops:
            statements = list(Statement.objects.filter(shop=shop).order_by("number"))
            since = SETTLEMENT_EPOCH
            for number, statement in enumerate(statements, start=1):
                # contiguous, disjoint ranges: statement n + 1 starts where statement n ended
                assert (statement.number, statement.covers_from) == (number, since)
                assert statement.covers_until > since
                since = statement.covers_until
                linked = statement_redemptions(statement)
                assert linked.count() == statement.redemption_count
                assert sum((r.merchant_amount for r in linked), ZERO) == statement.merchant_amount
            for redemption in Redemption.objects.filter(shop=shop, undone_at__isnull=True):
                covering = [s for s in statements if s.covers_from <= redemption.redeemed_at < s.covers_until]
                assert len(covering) <= 1

    @invariant()
    def payable_minus_paid_equals_what_statements_still_owe(self):
        if not hasattr(self, "shops"):
            return
        for shop in self.shops:
            unsettled = sum(
                (r.merchant_amount for r in redemption_list_unsettled(shop.pk)),
                ZERO,
            )
            open_penalties = sum(
                (p.amount for p in Penalty.objects.filter(shop=shop, statement__isnull=True)), ZERO
            )
            unpaid = sum((p.amount for p in Payout.objects.filter(shop=shop, status__in=OWED)), ZERO)
            last = Statement.objects.filter(shop=shop).order_by("-period_end").first()
            carried = min(last.net_amount, ZERO) if last else ZERO
            assert merchant_payable_balance(shop) == unsettled - open_penalties + unpaid + carried


@pytest.mark.django_db
def test_settlement_agrees_with_the_ledger_along_random_money_paths(job):
    SettlementMachine.job = job
    run_state_machine_as_test(
        SettlementMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=14,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
