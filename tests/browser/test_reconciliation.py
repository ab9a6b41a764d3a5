"""An admin opens the reconciliation page of the demo period, sees difference 0, downloads the CSV."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from payments.settlement.models import Statement

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_admin_reconciles_the_demo_period_and_downloads_the_csv(phone_page, screenshot):
    call_command("demo_load", stdout=StringIO())
    statement = Statement.objects.get()
    page = phone_page

    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("demo-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.goto(page.base_url + "/platform/reconciliation/")

    assert page.get_by_test_id("difference").inner_text() == "¥0.00"
    assert statement.shop.name in page.locator("table").first.inner_text()
    screenshot(page, "reconciliation")
    with page.expect_download() as download_info:
        page.locator("a[download]").click()
    download = download_info.value
    body = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert download.suggested_filename == f"commissions-{statement.period_end.isoformat()}.csv"
    assert len(body) == 2
    assert body[1].endswith(",0.00")
