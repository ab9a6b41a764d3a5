"""Load the demo data of every app (settings.DEMO_LOADERS, in order); idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load realistic demo data and demo accounts. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        for dotted in settings.DEMO_LOADERS:
            with transaction.atomic():
                lines = import_string(dotted)() or []
            for line in lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded. Log in with an account above at /accounts/login/")
        )
