"""`manage.py run_scheduled` runs each beat task once, in-process (the embedded mode has no beat)."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_runs_and_reports():
    out = StringIO()

    call_command("run_scheduled", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == list(settings.CELERY_BEAT_SCHEDULE)
    results = dict(line.split(": ", 1) for line in lines)
    assert results["bookings-expire-unpaid"] == "0"
    assert results["vouchers-expire-due"] == "0"
