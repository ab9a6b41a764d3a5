"""A PostgreSQL sequence moved beside every new catalogue version (decision 0007): the quote's
candidate statement reads it, so a worker knows the catalogue did not change without asking the
cache. Nothing on other databases."""

from django.db import migrations

SEQUENCE = "parts_catalogue_changes"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("parts", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
