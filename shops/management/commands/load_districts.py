"""Store the districts of one or more cities from the data packages (safe to run again)."""

from django.core.management.base import BaseCommand

from shops import places
from shops.services import district_sync


class Command(BaseCommand):
    help = "Load county-level districts (codes, names, GCJ-02 points) of cities from the data packages."

    def add_arguments(self, parser):
        parser.add_argument("city_codes", nargs="*", default=[places.HANGZHOU], help="6-digit city codes")

    def handle(self, *args, city_codes, **options):
        for city_code in city_codes:
            stored = district_sync(city_code=city_code)
            self.stdout.write(f"{city_code}: {len(stored)} districts (data as of {places.DATA_AS_OF})")
