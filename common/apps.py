"""The ground floor shared by every app: money, domain errors, API plumbing, navigation."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"
