"""Run every periodic task of settings.CELERY_BEAT_SCHEDULE once, in this process.

For the embedded mode, where no beat runs: `python manage.py run_scheduled`. Each task is
idempotent, so running it by hand next to a real beat changes nothing twice.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from carplatform.celery import app


class Command(BaseCommand):
    help = "Run each scheduled (beat) task once, in-process, and print what it returned."

    def handle(self, *args, **options):
        app.loader.import_default_modules()  # autodiscovery, as a worker does at start
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            result = app.tasks[entry["task"]].apply()
            self.stdout.write(f"{name}: {result.result!r}")
