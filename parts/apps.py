"""Parts: the vehicle-and-parts catalogue, service items, maintenance packages and the quote engine."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "parts"
    verbose_name = _("Catalogue")

    def ready(self):
        from django.db.models.signals import post_save

        from parts import models, quoting

        # Saves from anywhere make cached resolutions unreachable. Deletes are announced where they
        # happen (the catalogue admin, catalogue_load): a delete receiver would make every bulk
        # delete of these tables load its rows into Python to send the signal.
        def changed(**kwargs):
            quoting.catalogue_changed()

        for model in (
            models.Brand,
            models.VehicleModel,
            models.Variant,
            models.Part,
            models.Fitment,
            models.ServiceItem,
            models.ServiceItemPart,
            models.Package,
            models.PackageItem,
        ):
            post_save.connect(changed, sender=model, dispatch_uid=f"catalogue-changed-save-{model.__name__}")
