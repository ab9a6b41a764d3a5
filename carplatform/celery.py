"""The Celery application: configured from Django settings (``CELERY_*``), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carplatform.settings")

app = Celery("carplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="carplatform.ping")
def ping() -> str:
    """Answer "pong": lets an operator (and the compose test) prove a worker executes tasks."""
    return "pong"
