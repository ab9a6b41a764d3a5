"""Settings come from the environment: embedded defaults with nothing set, production with it."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "debug": s.DEBUG,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "cache": s.CACHES["default"]["BACKEND"],
    "secure_cookies": getattr(s, "SESSION_COOKIE_SECURE", False),
    "tz": s.TIME_ZONE, "use_tz": s.USE_TZ, "languages": [c for c, _ in s.LANGUAGES],
    "currency": s.CURRENCY,
    "db_options": {k: v for k, v in s.DATABASES["default"].get("OPTIONS", {}).items() if k != "timeout"},
}))
"""

PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/carplatform",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "k8Jq2-production-like-secret-for-the-deploy-check-7Hf0pLw3xZ9vRt5Yb1Nc",
    "ALLOWED_HOSTS": "carcare.example.cn",
    "DEBUG": "0",
}


def _run(args, extra_env):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **extra_env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _settings(extra_env):
    result = _run(["-c", PROBE], {"DJANGO_SETTINGS_MODULE": "carplatform.settings", **extra_env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_runs_embedded():
    s = _settings({})

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(ROOT / "db.sqlite3")
    assert s["debug"] is True
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert (s["tz"], s["use_tz"], s["languages"], s["currency"]) == (
        "Asia/Shanghai",
        True,
        ["zh-hans", "en"],
        "CNY",
    )


def test_production_variables_switch_to_postgres_redis_and_secure_settings():
    s = _settings(PRODUCTION)

    assert s["engine"] == "common.postgresql"  # Django's, with a health check without a round trip
    assert s["debug"] is False
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/0"
    assert s["cache"] == "common.cache.RedisCache"
    assert s["secure_cookies"] is True


def test_production_without_a_secret_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = _run(["-c", PROBE], {"DJANGO_SETTINGS_MODULE": "carplatform.settings", **env})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_with_production_variables_prints_no_warning():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_postgresql_prepares_its_statements_unless_told_not_to():
    # decision 0015: server-side binding, and a statement run 5 times on a connection is prepared
    assert _settings(PRODUCTION)["db_options"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert _settings({**PRODUCTION, "DB_PREPARED_STATEMENTS": "0"})["db_options"] == {}
    assert _settings({})["db_options"] == {}  # SQLite
