"""Settlement API and pages: admins only for /admin/, managers only for their shop's statements."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payments.settlement.models import Payout, SettlementRun, Statement
from shops.models import Membership
from tests.factories import ShopFactory, UserFactory
from tests.payments.settle_helpers import paid_booking, redeem, settle, staff_of

pytestmark = pytest.mark.django_db


def _admin():
    return UserFactory(role="platform_admin", is_staff=True)


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def settled(job):
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    redemption = redeem(paid_booking(job), at=noon)
    settle(noon.date())
    return Statement.objects.get(), redemption


def test_admin_starts_a_run_and_lists_runs(job, django_capture_on_commit_callbacks):
    client = _client(_admin())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/admin/settlements/", {}, format="json")

    assert response.status_code == 202
    assert response.data["period_end"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    assert SettlementRun.objects.get().status == SettlementRun.Status.COMPLETED
    listed = client.get("/api/v1/admin/settlements/")
    assert [row["id"] for row in listed.data["results"]] == [response.data["id"]]


def test_non_admins_get_403_and_nothing_runs(job):
    response = _client(UserFactory()).post(
        "/api/v1/admin/settlements/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 403
    assert response.data["detail"]
    assert SettlementRun.objects.count() == 0


def test_a_future_period_is_refused(job):
    response = _client(_admin()).post(
        "/api/v1/admin/settlements/",
        {"period_end": (timezone.localdate() + timedelta(days=2)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert SettlementRun.objects.count() == 0


def test_commissions_json_and_csv_reconcile_to_zero(settled):
    statement, redemption = settled
    client = _client(_admin())

    data = client.get("/api/v1/admin/commissions/", {"period": statement.period_end.isoformat()}).data
    csv = client.get(
        "/api/v1/admin/commissions/", {"period": statement.period_end.isoformat(), "format": "csv"}
    )

    assert Decimal(data["difference"]) == 0
    assert Decimal(data["commission_amount"]) == redemption.commission_amount
    assert [row["shop"] for row in data["rows"]] == [statement.shop_id]
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert len(lines) == 2
    assert lines[1].split(",")[-1] == "0.00"


def test_payout_hold_release_retry_through_the_api(settled):
    statement, _redemption = settled
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.FAILED  # the shop has no payout account
    client = _client(_admin())

    held = client.post(f"/api/v1/admin/payouts/{payout.pk}/", {"action": "hold"}, format="json")
    again = client.post(f"/api/v1/admin/payouts/{payout.pk}/", {"action": "hold"}, format="json")
    released = client.post(f"/api/v1/admin/payouts/{payout.pk}/", {"action": "release"}, format="json")
    statement.shop.payout_account_name, statement.shop.payout_account_number = "店", "6222000011112222"
    statement.shop.save()
    client.post(f"/api/v1/admin/payouts/{payout.pk}/", {"action": "hold"}, format="json")
    client.post(f"/api/v1/admin/payouts/{payout.pk}/", {"action": "release"}, format="json")
    listed = client.get("/api/v1/admin/payouts/", {"status": "pending"})

    assert held.data["status"] == "held"
    assert again.status_code == 409
    assert again.data["detail"]
    assert released.data["status"] == "pending"
    assert [row["id"] for row in listed.data["results"]] == [payout.pk]


def test_retry_of_a_failed_payout_pays_it(settled):
    statement, _redemption = settled
    statement.shop.payout_account_name, statement.shop.payout_account_number = "店", "6222000011112222"
    statement.shop.save()

    response = _client(_admin()).post(
        f"/api/v1/admin/payouts/{Payout.objects.get().pk}/", {"action": "retry"}, format="json"
    )

    assert response.status_code == 200
    assert (response.data["status"], response.data["attempts"]) == ("paid", 2)


def test_a_manager_reads_their_statements_others_get_404_or_403(settled):
    statement, _redemption = settled
    manager = staff_of(statement.shop)
    technician = staff_of(statement.shop, role=Membership.Role.TECHNICIAN)
    stranger = staff_of(ShopFactory())

    mine = _client(manager).get("/api/v1/shop/statements/", {"shop": statement.shop_id})
    foreign = _client(stranger).get("/api/v1/shop/statements/", {"shop": statement.shop_id})
    not_manager = _client(technician).get("/api/v1/shop/statements/", {"shop": statement.shop_id})

    assert mine.status_code == 200
    assert [row["id"] for row in mine.data["results"]] == [statement.pk]
    assert mine.data["results"][0]["net_amount"] == str(statement.net_amount)
    assert mine.data["results"][0]["payout"]["status"] == "failed"
    assert (foreign.status_code, not_manager.status_code) == (404, 403)


def test_pages_reconciliation_drilldown_csv_and_shop_statements(client, settled):
    statement, redemption = settled
    client.force_login(_admin())
    period = statement.period_end.isoformat()

    page = client.get(f"/platform/reconciliation/{period}/")
    drill = client.get(f"/platform/reconciliation/{period}/shops/{statement.shop_id}/")
    csv = client.get(f"/platform/reconciliation/{period}/commissions.csv")
    runs = client.get("/platform/settlement/")

    assert page.status_code == 200
    assert page.context["recon"].difference == 0
    assert "<svg" in page.content.decode()
    assert redemption.booking.number in drill.content.decode()
    assert csv.status_code == 200
    assert runs.status_code == 200
    client.force_login(staff_of(statement.shop))
    assert client.get(f"/platform/reconciliation/{period}/").status_code == 403
    shop_page = client.get(f"/shop/{statement.shop_id}/statements/")
    assert shop_page.status_code == 200
    assert redemption.booking.number in shop_page.content.decode()
    client.force_login(staff_of(ShopFactory()))
    assert client.get(f"/shop/{statement.shop_id}/statements/").status_code == 404


def test_an_admin_fines_a_shop_in_the_django_admin(client, job):
    from payments.ledger.selectors import merchant_payable_balance
    from payments.settlement.models import Penalty

    admin = UserFactory(role="platform_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/admin/payments/penalty/add/", {"shop": job.shop.pk, "amount": "15.50", "reason": "未按时接车"}
    )

    assert response.status_code == 302
    penalty = Penalty.objects.get()
    assert (penalty.amount, penalty.created_by, penalty.statement) == (Decimal("15.50"), admin, None)
    assert merchant_payable_balance(job.shop) == Decimal("-15.50")
    assert client.get("/admin/payments/payout/").status_code == 200
    assert client.get("/admin/payments/statement/").status_code == 200


def test_an_admin_holds_releases_and_retries_a_payout_on_the_page(client, settled):
    statement, _redemption = settled
    payout = Payout.objects.get()
    client.force_login(_admin())
    url = f"/platform/payouts/{payout.pk}/"

    page = client.get("/platform/settlement/")
    assert payout in page.context["open_payouts"]
    client.post(url, {"action": "hold"})
    assert Payout.objects.get().status == Payout.Status.HELD
    refused = client.post(url, {"action": "retry"}, follow=True)
    assert Payout.objects.get().status == Payout.Status.HELD
    assert [str(m) for m in refused.context["messages"]] == [
        f"打款 #{payout.pk}：已暂停。",
        "该打款在当前状态下无法更改。",
    ]
    client.post(url, {"action": "release"})
    statement.shop.payout_account_name, statement.shop.payout_account_number = "店", "6222000011112222"
    statement.shop.save()
    client.post(url, {"action": "hold"})
    client.post(url, {"action": "release"})
    assert Payout.objects.get().status == Payout.Status.PENDING
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.FAILED)
    client.post(url, {"action": "retry"})

    assert Payout.objects.get().status == Payout.Status.PAID
    client.force_login(staff_of(statement.shop))
    assert client.post(url, {"action": "hold"}).status_code == 403
