"""Two settlement runs started at once on PostgreSQL: one set of statements and payouts."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from payments.settlement import services as settlement
from payments.settlement.models import Payout, SettlementRun, Statement
from payments.settlement.selectors import redemption_list_unsettled, statement_redemptions
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
