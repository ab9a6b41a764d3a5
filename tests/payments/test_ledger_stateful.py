"""Random money paths against a model of orders and payables; the ledger must agree at every step.

Hypothesis runs sequences of payments, refunds (of paid, unredeemed orders), redemptions with
commission and subsidy (of paid orders), redemption undos, penalties, payouts (up to the
payable), failed payouts, reversals and replays. After every step: each entry sums to zero, the
trial balance is zero, escrow equals the paid-but-not-redeemed-or-refunded orders, no order is
redeemed more than once, and each shop's payable equals the model's.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from common.money import ZERO, quantize_fen
from payments.ledger import services
from payments.ledger.models import JournalEntry, JournalLine
from payments.ledger.selectors import escrow_balance, merchant_payable_balance, trial_balance
from tests.factories import ShopFactory

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
rates = st.sampled_from([Decimal("0"), Decimal("0.05"), Decimal("0.1250"), Decimal("0.2")])
subsidies = st.sampled_from([ZERO, Decimal("0.01"), Decimal("5.00"), Decimal("20.00")])


@dataclass
class Order:
    ref: str
    amount: Decimal
    status: str = "paid"  # paid → redeemed | refunded ; reversing the payment → void
    payment: JournalEntry | None = None
    redemption: JournalEntry | None = None
    refund: JournalEntry | None = None
    merchant_share: Decimal = ZERO
    shop_index: int = 0


@dataclass
class Payout:
    shop_index: int
    amount: Decimal
    entry: JournalEntry
    is_open: bool = True  # neither failed nor reversed


@dataclass
class Model:
    orders: list[Order] = field(default_factory=list)
    payable: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])
    payouts: list[Payout] = field(default_factory=list)
    penalties: list[tuple[int, Decimal, JournalEntry]] = field(default_factory=list)
    calls: list = field(default_factory=list)  # (function, kwargs, entry) to replay
    entries: int = 0


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: examples never see each other.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.model = Model()
        self.keys = 0

    @initialize()
    def shops(self):
        self.shops = [ShopFactory(), ShopFactory()]

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def key(self, prefix):
        self.keys += 1
        return f"{prefix}:{self.keys}"

    def post(self, function, **kwargs):
        entry = function(**kwargs)
        self.model.entries += 1
        self.model.calls.append((function, kwargs, entry))
        return entry

    def orders_in(self, status):
        return [order for order in self.model.orders if order.status == status]

    # --- rules ----------------------------------------------------------------------------------

    @rule(amount=amounts)
    def pay(self, amount):
        order = Order(ref=str(len(self.model.orders) + 1), amount=amount)
        order.payment = self.post(
            services.post_payment_received,
            order_ref=order.ref,
            amount=amount,
            idempotency_key=self.key("pay"),
        )
        self.model.orders.append(order)

    @precondition(lambda self: self.orders_in("paid"))
    @rule(data=st.data())
    def refund(self, data):
        order = data.draw(st.sampled_from(self.orders_in("paid")))
        order.refund = self.post(
            services.post_refund, order_ref=order.ref, amount=order.amount, idempotency_key=self.key("refund")
        )
        order.status = "refunded"

    @precondition(lambda self: self.orders_in("paid"))
    @rule(data=st.data(), shop_index=st.integers(0, 1), rate=rates, subsidy=subsidies)
    def redeem(self, data, shop_index, rate, subsidy):
        order = data.draw(st.sampled_from(self.orders_in("paid")))
        commission = quantize_fen(order.amount * rate)
        order.redemption = self.post(
            services.post_redemption,
            shop=self.shops[shop_index],
            order_ref=order.ref,
            gross_amount=order.amount,
            commission_amount=commission,
            subsidy_amount=subsidy,
            idempotency_key=self.key("redeem"),
        )
        order.status, order.shop_index = "redeemed", shop_index
        order.merchant_share = order.amount - commission + subsidy
        self.model.payable[shop_index] += order.merchant_share

    @precondition(lambda self: self.orders_in("redeemed"))
    @rule(data=st.data())
    def undo_redemption(self, data):
        order = data.draw(st.sampled_from(self.orders_in("redeemed")))
        self.post(
            services.post_redemption_undo, redemption=order.redemption, idempotency_key=self.key("undo")
        )
        order.status, order.redemption = "paid", None
        self.model.payable[order.shop_index] -= order.merchant_share

    @rule(shop_index=st.integers(0, 1), amount=st.decimals(min_value=Decimal("0.01"), max_value=50, places=2))
    def penalise(self, shop_index, amount):
        entry = self.post(
            services.post_penalty, shop=self.shops[shop_index], amount=amount, idempotency_key=self.key("pen")
        )
        self.model.penalties.append((shop_index, amount, entry))
        self.model.payable[shop_index] -= amount

    @precondition(lambda self: any(owed > 0 for owed in self.model.payable))
    @rule(data=st.data())
    def pay_out(self, data):
        shop_index = data.draw(st.sampled_from([i for i, owed in enumerate(self.model.payable) if owed > 0]))
        owed = self.model.payable[shop_index]
        amount = data.draw(st.decimals(min_value=Decimal("0.01"), max_value=owed, places=2))
        entry = self.post(
            services.post_payout,
            shop=self.shops[shop_index],
            amount=amount,
            payout_ref=str(len(self.model.payouts) + 1),
            idempotency_key=self.key("payout"),
        )
        self.model.payouts.append(Payout(shop_index, amount, entry))
        self.model.payable[shop_index] -= amount

    @precondition(lambda self: any(owed >= 0 for owed in self.model.payable))
    @rule(shop_index=st.integers(0, 1), extra=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2))
    def refuse_a_payout_above_the_payable(self, shop_index, extra):
        owed = self.model.payable[shop_index]
        if owed < 0:
            return
        before = JournalEntry.objects.count()
        with pytest.raises(services.InsufficientPayable):
            services.post_payout(
                shop=self.shops[shop_index],
                amount=owed + extra,
                payout_ref="X",
                idempotency_key=self.key("over"),
            )
        assert JournalEntry.objects.count() == before

    @precondition(lambda self: any(payout.is_open for payout in self.model.payouts))
    @rule(data=st.data(), reverse=st.booleans())
    def payout_failed_or_reversed(self, data, reverse):
        payout = data.draw(st.sampled_from([p for p in self.model.payouts if p.is_open]))
        if reverse:
            self.post(services.ledger_reverse, entry=payout.entry, idempotency_key=self.key("rev-payout"))
        else:
            self.post(
                services.post_payout_failed,
                shop=self.shops[payout.shop_index],
                amount=payout.amount,
                payout_ref=payout.entry.reference_id,
                idempotency_key=self.key("failed"),
            )
        payout.is_open = False
        self.model.payable[payout.shop_index] += payout.amount

    @precondition(lambda self: self.orders_in("paid") or self.orders_in("refunded"))
    @rule(data=st.data())
    def reverse_payment_or_refund(self, data):
        order = data.draw(st.sampled_from(self.orders_in("paid") + self.orders_in("refunded")))
        if order.status == "paid":  # the payment was posted in error: the order is void
            self.post(services.ledger_reverse, entry=order.payment, idempotency_key=self.key("rev-pay"))
            order.status = "void"
        else:  # the refund was posted in error: the order is paid again
            self.post(services.ledger_reverse, entry=order.refund, idempotency_key=self.key("rev-refund"))
            order.status = "paid"

    @precondition(lambda self: self.model.penalties)
    @rule(data=st.data())
    def reverse_penalty(self, data):
        shop_index, amount, entry = data.draw(st.sampled_from(self.model.penalties))
        self.model.penalties.remove((shop_index, amount, entry))
        self.post(services.ledger_reverse, entry=entry, idempotency_key=self.key("rev-pen"))
        self.model.payable[shop_index] += amount

    @precondition(lambda self: self.model.calls)
    @rule(data=st.data())
    def replay(self, data):
        function, kwargs, entry = data.draw(st.sampled_from(self.model.calls))
        before = (JournalEntry.objects.count(), JournalLine.objects.count())

        again = function(**kwargs)

        assert again.pk == entry.pk
        assert (JournalEntry.objects.count(), JournalLine.objects.count()) == before

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def every_entry_balances(self):
        totals: dict[int, Decimal] = {}
        for entry_id, amount in JournalLine.objects.values_list("entry_id", "amount"):
            totals[entry_id] = totals.get(entry_id, ZERO) + amount
        assert set(totals.values()) <= {ZERO}
        assert JournalEntry.objects.count() == self.model.entries

    @invariant()
    def trial_balance_is_zero(self):
        assert sum((balance for _account, balance in trial_balance()), ZERO) == 0

    @invariant()
    def escrow_holds_the_paid_orders(self):
        assert escrow_balance() == sum((order.amount for order in self.orders_in("paid")), ZERO)

    @invariant()
    def each_order_is_redeemed_at_most_once(self):
        net = dict(
            JournalEntry.objects.filter(reference_type="order")
            .values_list("reference_id")
            .annotate(
                net=Count("id", filter=Q(kind="redemption")) - Count("id", filter=Q(kind="redemption_undo"))
            )
        )
        for order in self.model.orders:
            assert net.get(order.ref, 0) == (1 if order.status == "redeemed" else 0)

    @invariant()
    def merchant_payables_match_the_model(self):
        if hasattr(self, "shops"):
            for shop, owed in zip(self.shops, self.model.payable, strict=True):
                assert merchant_payable_balance(shop) == owed


@pytest.mark.django_db
def test_the_ledger_agrees_with_a_model_of_the_money_path():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
