"""Suite-wide fixtures and the rule that CI never silently skips what only it can prove.

Tests marked ``postgres`` (locks, constraints, concurrency) or ``services`` (PostgreSQL and Redis)
skip with a visible reason on a laptop running the embedded SQLite default; tests marked
``browser`` skip where no ``chromium`` is on the PATH. With ``CI=true`` each of those is a
failure instead of a skip.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache

from carplatform.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _missing(item) -> str | None:
    if item.get_closest_marker("postgres") and not on_postgres():
        return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/carplatform"
    if item.get_closest_marker("services") and not (on_postgres() and settings.REDIS_URL):
        return "needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL (see README)"
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        return "needs Debian's chromium on the PATH (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    reason = _missing(item)
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but it {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tests run Celery tasks in-process; test_compose proves a real worker executes them."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cache_reads(monkeypatch) -> list:
    """The keys the code reads from the cache while the test runs (the reads still happen)."""
    from django.core.cache import cache

    reads: list = []
    real_get = cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    return reads


@pytest.fixture(autouse=True)
def _fresh_catalogue_sighting():
    """A process keeps the catalogue version it last saw beside the change sequence (decision
    0007); the cache holding the version is emptied between tests, so the sighting is too."""
    from parts.quoting import catalogue_seen_forget

    catalogue_seen_forget()
    yield
    catalogue_seen_forget()


@pytest.fixture(autouse=True)
def _fresh_ledger_accounts():
    """The ledger caches account ids per process (decision 0014); a transactional test's flush
    empties the tables under it, so every test starts with an empty cache."""
    from payments.ledger.services import account_cache_clear

    account_cache_clear()
    yield
    account_cache_clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
