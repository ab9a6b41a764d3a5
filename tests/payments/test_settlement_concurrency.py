"""Two settlement runs started at once on PostgreSQL: one set of statements and payouts."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from payments.settlement import services as settlement
from payments.settlement.models import Payout, SettlementRun, Statement
from payments.settlement.selectors import redemption_list_unsettled, statement_redemptions
from payments.vouchers import services as vouchers
from payments.vouchers.models import Redemption
from shops.models import ShopService
from tests.factories import ShopFactory
from tests.payments.settle_helpers import paid_booking, redeem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_for_one_period_make_one_set_of_statements(job):
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    shops = [job.shop] + [
        ShopFactory(payout_account_name="店", payout_account_number="6222000011112222") for _ in range(5)
    ]
    for shop in shops[1:]:
        ShopService.objects.create(shop=shop, service_item=job.item)
    for i, shop in enumerate(shops * 2):
        redeem(paid_booking(job, shop=shop), at=noon + timedelta(minutes=i))
    runs = [SettlementRun.objects.create(period_end=noon.date()) for _ in range(4)]
    barrier = threading.Barrier(len(runs))
    errors = []

    def work(run):
        try:
            barrier.wait(timeout=10)
            settlement.settlement_run_execute(run_id=run.pk, chunk_size=2)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert errors == []
    assert Statement.objects.count() == len(shops)
    assert sum(SettlementRun.objects.values_list("statements_created", flat=True)) == len(shops)
    assert Payout.objects.count() == len(shops)
    for statement in Statement.objects.all():
        assert statement.redemption_count == statement_redemptions(statement).count() == 2
    assert not any(redemption_list_unsettled(shop.pk).exists() for shop in shops)


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_an_undo_in_flight_is_committed_before_settlement_sums_the_shop(job):
    now = timezone.now()
    kept = redeem(paid_booking(job), at=now - timedelta(hours=2))
    undone = redeem(paid_booking(job), at=now - timedelta(minutes=59))
    run = SettlementRun.objects.create(period_end=timezone.localdate(now))
    in_undo, release = threading.Event(), threading.Event()
    errors = []

    def undo():
        try:
            with transaction.atomic():
                vouchers.voucher_redeem_undo(redemption_id=undone.pk, manager=job.owner, now=now)
                in_undo.set()
                release.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            in_undo.set()
            connection.close()

    def run_settlement():
        try:  # its clock two minutes ahead: the cutoff (less the hour) passes the undone redemption
            settlement.settlement_run_execute(run_id=run.pk, now=now + timedelta(minutes=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    undoing = threading.Thread(target=undo)
    undoing.start()
    assert in_undo.wait(timeout=10)
    settling = threading.Thread(target=run_settlement)
    settling.start()
    for _ in range(100):  # settlement waits for the shop the undo holds
        if _lock_waiters():
            break
        time.sleep(0.05)
    assert _lock_waiters() == 1
    release.set()
    undoing.join()
    settling.join()
    close_old_connections()

    assert errors == []
    statement = Statement.objects.get()
    assert [r.pk for r in statement_redemptions(statement)] == [kept.pk]
    assert statement.redemption_count == 1
    assert statement.merchant_amount == kept.merchant_amount
    assert Redemption.objects.get(pk=undone.pk).undone_at == now
