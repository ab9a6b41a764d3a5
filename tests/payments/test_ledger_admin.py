"""The Django admin shows the ledger to platform admins and never lets anyone change it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from payments.ledger import services
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role=User.Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def redemption():
    services.post_payment_received(order_ref="1", amount=Decimal("100.00"), idempotency_key="pay:1")
    return services.post_redemption(
        shop=ShopFactory(name="车享门店"),
        order_ref="1",
        gross_amount=Decimal("100.00"),
        commission_amount=Decimal("12.00"),
        idempotency_key="redeem:1",
    )


@pytest.mark.parametrize("model", [LedgerAccount, JournalEntry, JournalLine])
def test_admin_lists_ledger_rows_without_add(admin_client, redemption, model):
    name = model._meta.model_name

    listing = admin_client.get(reverse(f"admin:payments_{name}_changelist"))
    add = admin_client.get(reverse(f"admin:payments_{name}_add"))

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == model.objects.count()
    assert add.status_code == 403


def test_an_entry_page_shows_its_lines_and_refuses_changes(admin_client, redemption):
    url = reverse("admin:payments_journalentry_change", args=[redemption.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"memo": "rewritten"})
    delete = admin_client.post(
        reverse("admin:payments_journalentry_delete", args=[redemption.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert "88.00" in page.content.decode()
    assert posted.status_code == 403
    assert delete.status_code == 403
    assert JournalEntry.objects.get(pk=redemption.pk).memo == ""
    assert JournalEntry.objects.count() == 2


def test_a_merchant_payable_shows_its_shop_name(admin_client, redemption):
    page = admin_client.get(reverse("admin:payments_ledgeraccount_changelist"))

    assert "车享门店" in page.content.decode()
