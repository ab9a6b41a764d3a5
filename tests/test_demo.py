"""The demo loader: idempotent, and the printed demo accounts log in."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from shops.models import Membership, Shop

pytestmark = pytest.mark.django_db


def _counts():
    return User.objects.count(), Shop.objects.count(), Membership.objects.count()


def test_demo_load_twice_changes_nothing_the_second_time():
    call_command("demo_load", stdout=StringIO())
    first = _counts()

    out = StringIO()
    call_command("demo_load", stdout=out)

    assert _counts() == first
    for username in ("owner", "manager", "admin"):
        assert username in out.getvalue()


@pytest.mark.parametrize(
    ("username", "role"), [("owner", "owner"), ("manager", "shop_staff"), ("admin", "platform_admin")]
)
def test_demo_accounts_log_in(client, username, role):
    call_command("demo_load", stdout=StringIO())

    assert client.login(username=username, password="demo-pass-2026")
    assert User.objects.get(username=username).role == role


def test_demo_admin_reaches_the_admin_site(client):
    call_command("demo_load", stdout=StringIO())
    client.login(username="admin", password="demo-pass-2026")

    assert client.get("/admin/").status_code == 200
