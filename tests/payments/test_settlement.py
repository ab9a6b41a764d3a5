"""Settlement: one statement per shop and period, set-based; exactly once; payouts and penalties."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.ledger.models import JournalEntry
from payments.ledger.selectors import merchant_payable_balance
from payments.settlement import services as settlement
from payments.settlement.models import SETTLEMENT_EPOCH, Payout, Penalty, SettlementRun, Statement
from payments.settlement.selectors import redemption_list_unsettled, statement_redemptions
from payments.vouchers import services as vouchers
from payments.vouchers.models import Redemption, Voucher
from shops.models import Shop
from tests.factories import ShopFactory, UserFactory
from tests.payments.settle_helpers import paid_booking, redeem, settle

pytestmark = pytest.mark.django_db


def _yesterday_noon():
    now = timezone.localtime()
    return now.replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def _admin():
    return UserFactory(role="platform_admin", is_staff=True)


def test_a_run_gathers_yesterdays_redemptions_into_one_statement_and_a_payout(job):
    job.shop.payout_account_name, job.shop.payout_account_number = "宝顺汽修", "6222020202020202"
    job.shop.save()
    noon = _yesterday_noon()
    first = redeem(paid_booking(job), at=noon)
    second = redeem(paid_booking(job), at=noon + timedelta(hours=1))

    run = settle(noon.date())

    statement = Statement.objects.get(shop=job.shop)
    assert run.status == SettlementRun.Status.COMPLETED
    assert (run.shops_total, run.shops_done, run.statements_created) == (1, 1, 1)
    assert statement.redemption_count == 2
    assert statement.gross_amount == Decimal("266.00")
    assert statement.commission_amount == first.commission_amount + second.commission_amount
    assert statement.merchant_amount == first.merchant_amount + second.merchant_amount
    assert statement.net_amount == statement.merchant_amount
    assert set(statement_redemptions(statement).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert (statement.number, statement.covers_from) == (1, SETTLEMENT_EPOCH)
    assert statement.covers_until == timezone.make_aware(
        datetime.combine(noon.date() + timedelta(days=1), time.min)
    )
    assert redemption_list_unsettled(job.shop.pk).count() == 0
    payout = Payout.objects.get(statement=statement)
    assert (payout.amount, payout.status) == (statement.net_amount, Payout.Status.PAID)
    assert merchant_payable_balance(job.shop) == Decimal("0.00")


def test_a_second_run_for_the_same_period_inserts_nothing(job):
    noon = _yesterday_noon()
    redeem(paid_booking(job), at=noon)
    settle(noon.date())
    counts = (Statement.objects.count(), Payout.objects.count(), JournalEntry.objects.count())

    again = settle(noon.date())

    assert again.statements_created == 0
    assert (Statement.objects.count(), Payout.objects.count(), JournalEntry.objects.count()) == counts


def test_redemptions_inside_the_undo_window_or_undone_wait(job):
    now = timezone.now()
    recent = redeem(paid_booking(job), at=now - timedelta(minutes=10))
    undone = redeem(paid_booking(job), at=now - timedelta(hours=3))
    vouchers.voucher_redeem_undo(
        redemption_id=undone.pk, manager=job.owner, now=undone.redeemed_at + timedelta(minutes=5)
    )

    run = settle(timezone.localdate(now), now=now)

    assert run.statements_created == 0
    assert Statement.objects.count() == 0
    assert list(redemption_list_unsettled(job.shop.pk)) == [recent]


def test_a_settled_redemption_can_no_longer_be_undone(job):
    noon = _yesterday_noon()
    redemption = redeem(paid_booking(job), at=noon)
    settle(noon.date())
    before = JournalEntry.objects.count()

    with pytest.raises(vouchers.RedemptionNotUndoable):
        vouchers.voucher_redeem_undo(
            redemption_id=redemption.pk, manager=job.owner, now=noon + timedelta(minutes=1)
        )

    redemption.refresh_from_db()
    assert redemption.undone_at is None
    assert JournalEntry.objects.count() == before


def test_a_penalty_is_deducted_from_the_next_statement(job):
    noon = _yesterday_noon()
    redemption = redeem(paid_booking(job), at=noon)
    penalty = settlement.penalty_create(
        shop=job.shop, amount=Decimal("20.00"), reason="迟到", actor=_admin(), now=noon
    )

    settle(noon.date())

    statement = Statement.objects.get(shop=job.shop)
    assert statement.penalty_amount == Decimal("20.00")
    assert statement.net_amount == redemption.merchant_amount - Decimal("20.00")
    assert Penalty.objects.get(pk=penalty.pk).statement_id == statement.pk
    assert penalty.ledger_entry.kind == JournalEntry.Kind.PENALTY


def test_penalties_above_the_earnings_carry_over_to_the_next_statement(job):
    noon = _yesterday_noon() - timedelta(days=1)
    redemption = redeem(paid_booking(job), at=noon)
    settlement.penalty_create(
        shop=job.shop, amount=Decimal("300.00"), reason="投诉", actor=_admin(), now=noon
    )
    settle(noon.date())
    later = redeem(paid_booking(job), at=noon + timedelta(days=1))

    settle(noon.date() + timedelta(days=1))

    first, second = Statement.objects.order_by("period_end")
    assert first.net_amount == redemption.merchant_amount - Decimal("300.00")
    assert not Payout.objects.filter(statement=first).exists()
    assert second.opening_amount == first.net_amount
    assert second.net_amount == first.net_amount + later.merchant_amount
    assert not Payout.objects.filter(statement=second).exists()  # still negative
    assert merchant_payable_balance(job.shop) == second.net_amount


def test_weekly_shops_are_settled_on_the_week_ending_sunday(job):
    Shop.objects.filter(pk=job.shop.pk).update(settlement_cycle=Shop.SettlementCycle.WEEKLY)
    noon = _yesterday_noon() - timedelta(days=8)
    redeem(paid_booking(job), at=noon)
    saturday = noon.date() + timedelta(days=(5 - noon.weekday()) % 7)
    sunday = saturday + timedelta(days=1)

    settle(saturday)
    assert Statement.objects.count() == 0

    settle(sunday)
    statement = Statement.objects.get()
    assert (statement.period_start, statement.period_end) == (sunday - timedelta(days=6), sunday)


def test_a_crash_after_some_shops_and_a_rerun_end_like_one_clean_run(job, monkeypatch):
    noon = _yesterday_noon()
    shops = [job.shop] + [ShopFactory(labour_rate_amount=Decimal("150.00")) for _ in range(3)]
    from shops.models import ShopService

    for shop in shops[1:]:
        ShopService.objects.create(shop=shop, service_item=job.item)
    for i, shop in enumerate(shops):
        redeem(paid_booking(job, shop=shop), at=noon + timedelta(minutes=i))
    calls = []

    def crash(run, chunk):
        calls.append(chunk)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(settlement, "_after_chunk", crash)
    with pytest.raises(RuntimeError):
        settle(noon.date(), chunk_size=1)
    failed = SettlementRun.objects.get()
    assert failed.status == SettlementRun.Status.FAILED
    assert Statement.objects.count() == 2
    monkeypatch.setattr(settlement, "_after_chunk", lambda run, chunk: None)

    rerun = settle(noon.date(), chunk_size=1)

    assert rerun.statements_created == 2
    statements = Statement.objects.order_by("shop_id")
    assert [s.shop_id for s in statements] == sorted(s.pk for s in shops)
    for statement in statements:
        linked = statement_redemptions(statement)
        assert statement.redemption_count == linked.count() == 1
        assert statement.merchant_amount == linked.get().merchant_amount
        assert Payout.objects.filter(statement=statement).count() == 1
    assert not any(redemption_list_unsettled(shop.pk).exists() for shop in shops)


def test_a_failed_payout_is_retried_and_a_hold_stops_it(job):
    job.shop.payout_account_name, job.shop.payout_account_number = "宝顺汽修", "FAIL-0001"
    job.shop.save()
    noon = _yesterday_noon()
    redeem(paid_booking(job), at=noon)

    settle(noon.date())

    payout = Payout.objects.get()
    assert (payout.status, payout.attempts, payout.last_error) == (
        Payout.Status.FAILED,
        1,
        "account rejected by the bank",
    )
    assert merchant_payable_balance(job.shop) == payout.amount
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT_FAILED).count() == 1

    settlement.payout_hold(payout_id=payout.pk)
    assert settlement.payouts_send_due(now=timezone.now() + timedelta(days=1)) == 0
    assert Payout.objects.get().status == Payout.Status.HELD

    job.shop.payout_account_number = "6222020202020202"
    job.shop.save()
    settlement.payout_release(payout_id=payout.pk)
    assert settlement.payouts_send_due() == 1

    payout.refresh_from_db()
    assert (payout.status, payout.attempts) == (Payout.Status.PAID, 2)
    assert merchant_payable_balance(job.shop) == Decimal("0.00")


def test_holding_a_paid_payout_is_refused_and_changes_nothing(job):
    job.shop.payout_account_name, job.shop.payout_account_number = "宝顺汽修", "6222020202020202"
    job.shop.save()
    noon = _yesterday_noon()
    redeem(paid_booking(job), at=noon)
    settle(noon.date())
    payout = Payout.objects.get()

    with pytest.raises(settlement.PayoutNotChangeable):
        settlement.payout_hold(payout_id=payout.pk)

    assert Payout.objects.get().status == Payout.Status.PAID


def test_a_redemption_backdated_into_a_settled_range_is_refused_by_the_database(job):
    noon = _yesterday_noon()
    redeem(paid_booking(job), at=noon)
    settle(noon.date())
    late = paid_booking(job)
    counts = (Redemption.objects.count(), JournalEntry.objects.count())

    with pytest.raises(IntegrityError):
        redeem(late, at=noon - timedelta(hours=1))

    assert (Redemption.objects.count(), JournalEntry.objects.count()) == counts
    assert Voucher.objects.get(pk=late.voucher.pk).status == Voucher.Status.ISSUED


def test_a_settled_redemption_cannot_be_undone_or_changed_in_the_database(job):
    noon = _yesterday_noon()
    settled = redeem(paid_booking(job), at=noon)
    settle(noon.date())
    later = redeem(paid_booking(job), at=timezone.now())

    for change in ({"undone_at": noon + timedelta(minutes=5)}, {"merchant_amount": Decimal("1.00")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Redemption.objects.filter(pk=settled.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():  # moved into the settled range
        Redemption.objects.filter(pk=later.pk).update(redeemed_at=noon)
    Redemption.objects.filter(pk=later.pk).update(request_id="renamed")  # other columns stay free

    settled.refresh_from_db()
    assert (settled.undone_at, settled.merchant_amount) == (None, Statement.objects.get().merchant_amount)


def test_statements_of_a_shop_cover_contiguous_ranges_of_redemption_time(job):
    noon = _yesterday_noon() - timedelta(days=2)
    first = redeem(paid_booking(job), at=noon)
    settle(noon.date())
    second = redeem(paid_booking(job), at=noon + timedelta(days=1))
    third = redeem(paid_booking(job), at=noon + timedelta(days=1, hours=1))
    settle(noon.date() + timedelta(days=1))
    settle(noon.date())  # an older period again: nothing left for it

    one, two = Statement.objects.order_by("number")
    assert (one.number, two.number) == (1, 2)
    assert two.covers_from == one.covers_until
    assert [r.pk for r in statement_redemptions(one)] == [first.pk]
    assert [r.pk for r in statement_redemptions(two)] == [second.pk, third.pk]
    assert two.redemption_count == 2
