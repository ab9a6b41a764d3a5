"""docker-compose.yml cannot rot: each app service's command runs natively here.

No Docker engine runs on the CI machines, so this reads the file, takes the `command` and the
environment of `migrate`, `web`, `worker` and `beat`, and starts them as local processes against
the local PostgreSQL (the test database) and Redis: gunicorn must answer /healthz, the worker
must execute a task, beat must start and keep running.
"""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from carplatform.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(service: dict) -> dict:
    db = connection.settings_dict
    env = {k: str(v) for k, v in service["environment"].items()}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY="native-compose-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        HOME=os.environ.get("HOME", "/tmp"),
    )
    return env


def _argv(service: dict) -> list[str]:
    argv = (
        shlex.split(service["command"]) if isinstance(service["command"], str) else list(service["command"])
    )
    if argv[0] == "python":
        argv[0] = sys.executable
    return argv


@contextmanager
def _running(argv, env, log_path):
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _wait_for(predicate, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} within {timeout}s; log:\n{Path(log_path).read_text()[-3000:]}")


def test_compose_declares_the_production_stack():
    services = _compose()

    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert services["beat"]["command"].startswith("celery -A carplatform beat")


def test_migrate_command_runs(tmp_path):
    service = _compose()["migrate"]

    result = subprocess.run(
        _argv(service), cwd=ROOT, env=_env(service), capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply." in result.stdout


def test_web_command_serves_healthz(tmp_path):
    service = _compose()["web"]
    port = _free_port()
    argv = [a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in _argv(service)]
    assert f"127.0.0.1:{port}" in argv
    log = tmp_path / "web.log"

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                return r.status == 200 and b'"database": "ok"' in r.read()
        except OSError:
            return False

    with _running(argv, _env(service), log):
        _wait_for(healthy, 40, "gunicorn did not answer /healthz with 200", log)


def test_worker_command_executes_a_task(tmp_path):
    service = _compose()["worker"]
    log = tmp_path / "worker.log"

    celery_app.conf.task_always_eager = False  # this one goes through the real broker
    with _running(_argv(service), _env(service), log):
        result = celery_app.send_task("carplatform.ping")
        assert result.get(timeout=60) == "pong"


def test_beat_command_starts_and_keeps_running(tmp_path):
    service = _compose()["beat"]
    log = tmp_path / "beat.log"

    with _running(_argv(service), _env(service), log) as proc:
        _wait_for(lambda: "beat: Starting..." in log.read_text(), 40, "beat did not start", log)
        time.sleep(2)
        assert proc.poll() is None, log.read_text()
