"""An owner's decision on additional work is evidence: the database refuses to UPDATE it.

DELETE stays possible at the database level (the test runner's flush needs it; the row is
protected from cascades by PROTECT and from the app by the model); UPDATE raises an integrity
error on PostgreSQL and SQLite alike.
"""

from django.db import migrations

TABLE = "bookings_additionalworkdecision"

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_evidence_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'evidence rows are immutable: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
        ERRCODE = 'restrict_violation';
END
$$
"""


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION bookings_evidence_immutable()",
            params=None,
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'evidence rows are immutable: UPDATE on {TABLE} refused'); END",
            params=None,
        )
    else:
        raise RuntimeError(f"no evidence trigger for the {vendor} database: add it here")


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_evidence_immutable()", params=None)
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update", params=None)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_additional_work_photos_parts_used")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
