"""Load the vehicle-and-parts catalogue from parts/data/*.csv (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parts.services import DATA_DIR, CatalogueDataError, catalogue_load


class Command(BaseCommand):
    help = "Load or update the catalogue (vehicles, parts, fitment, service items, packages) from CSV."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder with the CSV files")

    def handle(self, *args, data_dir: Path, **options):
        try:
            result = catalogue_load(data_dir=data_dir)
        except CatalogueDataError as exc:
            raise CommandError(f"catalogue not loaded, nothing changed: {exc}") from exc
        self.stdout.write(
            f"catalogue: {result.brands} brands, {result.models} models, {result.variants} variants, "
            f"{result.parts} parts, {result.fitments} fitments (+{result.fitments_added} "
            f"-{result.fitments_removed}), {result.service_items} service items, {result.packages} packages"
        )
