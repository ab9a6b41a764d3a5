"""The redemption's cost in SQL statements is pinned, so the hot path does not creep back.

``bench/redeem_bench.py`` measures the speed; these tests fix what it depends on: how many
statements one API redemption sends (decision 0014). The client authenticates with a token, as the
counter apps and the bench do.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from payments.checkout.models import SandboxCharge
from payments.ledger.models import JournalEntry
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from payments.vouchers.services import voucher_code
from tests.console.conftest import counter_for
from tests.payments.test_checkout import _charge, _notify

REDEEM = "/api/v1/shop/vouchers/redeem/"


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _two_codes(job):
    counter = counter_for(job)
    second, _payment, charge = _charge(job)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()
    assert _notify(charge, event_id="evt_second").status_code == 200
    second.refresh_from_db()
    return counter, counter.code, voucher_code(second.voucher)


@pytest.mark.django_db
def test_a_redemption_takes_three_statements_in_a_test_transaction(
    job, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given a shop whose ledger accounts exist and are known (a first redemption created them, and
    # its commit put them in the process's cache)
    counter, first_code, second_code = _two_codes(job)
    client = _token_client(counter.cashier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REDEEM, {"code": first_code, "request_id": "warm"}, format="json")
    assert response.status_code == 200

    # when the next code is redeemed (inside the test's transaction; on SQLite the general path:
    # a savepoint pair, the lock, the rules, the entry and its lines, the redemption, the voucher
    # and the attempt one by one)
    postgres = connection.vendor == "postgresql"
    with django_assert_max_num_queries(3 if postgres else 12):
        response = client.post(REDEEM, {"code": second_code, "request_id": "pinned"}, format="json")

    # then it is redeemed, posted, and its attempt logged
    assert response.status_code == 200
    redemption = Redemption.objects.get(request_id="pinned")
    assert redemption.ledger_entry.kind == JournalEntry.Kind.REDEMPTION
    assert redemption.ledger_entry.lines.count() == 3
    assert Voucher.objects.get(pk=redemption.voucher_id).status == Voucher.Status.REDEEMED
    assert RedemptionAttempt.objects.filter(staff=counter.cashier, outcome="ok").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_committed_redemption_is_three_statements_without_begin_or_commit(job):
    # given a first redemption committed (it created the shop's payable account)
    counter, first_code, second_code = _two_codes(job)
    client = _token_client(counter.cashier)
    assert client.post(REDEEM, {"code": first_code, "request_id": "warm"}, format="json").status_code == 200

    # when the next code is redeemed as in production (autocommit)
    with CaptureQueriesContext(connection) as statements:
        response = client.post(REDEEM, {"code": second_code, "request_id": "pinned"}, format="json")

    # then: token, counter shops + throttle, and the redemption's one statement, its own
    # transaction (decision 0016)
    assert response.status_code == 200
    sql = [q["sql"].split()[0].upper() for q in statements.captured_queries]
    assert sql == ["SELECT", "SELECT", "WITH"], "\n".join(q["sql"][:120] for q in statements.captured_queries)
    assert Redemption.objects.filter(undone_at__isnull=True).count() == 2
    assert RedemptionAttempt.objects.filter(staff=counter.cashier, outcome="ok").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_first_redemption_at_a_shop_takes_the_general_path_once(job):
    # given a shop none of whose vouchers was redeemed (this process does not know its payable
    # account, which does not exist yet)
    counter, first_code, _second_code = _two_codes(job)
    client = _token_client(counter.cashier)

    # when its first code is redeemed
    with CaptureQueriesContext(connection) as statements:
        response = client.post(REDEEM, {"code": first_code, "request_id": "first"}, format="json")

    # then the general path redeemed it in its own transaction, creating the account (the one
    # statement was not tried: no query for it)
    assert response.status_code == 200
    sql = [q["sql"].split()[0].upper() for q in statements.captured_queries]
    assert sql[:3] == ["SELECT", "SELECT", "BEGIN"]
    assert sql[-1] == "COMMIT"
    assert "WITH" in sql  # the entry with its lines, and the redemption with voucher and attempt
    assert Redemption.objects.filter(request_id="first").count() == 1
