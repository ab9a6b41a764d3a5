"""Statements cover a range of redemption time; redemptions carry no statement link (decision 0012).

1. ``Statement.number``, ``covers_from``, ``covers_until``, filled for existing statements: per
   shop in period order, each statement's range ends at the cutoff its run used (the period's
   end, or the run's moment less the undo window, whichever came first) and starts where the
   previous one ended, which is exactly the set of redemptions the old link gave it.
2. ``Redemption.statement``, ``settled_at``, the partial index of the old link path, and the
   shop_id index (``vouchers_redemption_shop_idx`` leads with the shop) go.
3. A trigger refuses a redemption inserted, undone or changed inside a shop's settled range; it
   first takes the shop row ``FOR KEY SHARE``, the lock a settlement chunk takes ``FOR UPDATE``,
   so the two are ordered (PostgreSQL; on SQLite writers are serial and the check suffices).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def fill_ranges(apps, schema_editor):
    Statement = apps.get_model("payments", "Statement")
    window = timedelta(minutes=settings.REDEMPTION_UNDO_MINUTES)
    zone = ZoneInfo(settings.TIME_ZONE)
    shop_id, number, since = None, 0, EPOCH
    for statement in Statement.objects.order_by("shop_id", "period_end", "id").iterator():
        if statement.shop_id != shop_id:
            shop_id, number, since = statement.shop_id, 0, EPOCH
        end = datetime.combine(statement.period_end + timedelta(days=1), time.min, tzinfo=zone)
        until = max(min(end, statement.created_at - window), since + timedelta(microseconds=1))
        number += 1
        Statement.objects.filter(pk=statement.pk).update(number=number, covers_from=since, covers_until=until)
        since = until


def relink(apps, schema_editor):
    """Backwards: give the redemptions their statement link again, from the ranges."""
    schema_editor.execute(
        "UPDATE payments_redemption SET statement_id = st.id, settled_at = st.created_at"
        " FROM payments_statement st WHERE payments_redemption.shop_id = st.shop_id"
        " AND payments_redemption.undone_at IS NULL AND payments_redemption.redeemed_at >= st.covers_from"
        " AND payments_redemption.redeemed_at < st.covers_until",
        params=None,
    )


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION payments_redemption_outside_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- ordered against a settlement chunk, which holds its shops FOR UPDATE until it commits
    PERFORM 1 FROM shops_shop WHERE id = NEW.shop_id FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM payments_statement st
               WHERE st.shop_id = NEW.shop_id AND st.covers_until > NEW.redeemed_at)
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM payments_statement st
               WHERE st.shop_id = OLD.shop_id AND st.covers_until > OLD.redeemed_at)) THEN
        RAISE EXCEPTION USING
            MESSAGE = 'redemption ' || TG_OP || ' inside a settled statement range refused',
            ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$
"""

CHANGED = (
    "OLD.undone_at IS DISTINCT FROM NEW.undone_at OR OLD.redeemed_at IS DISTINCT FROM NEW.redeemed_at"
    " OR OLD.shop_id IS DISTINCT FROM NEW.shop_id OR OLD.gross_amount IS DISTINCT FROM NEW.gross_amount"
    " OR OLD.commission_amount IS DISTINCT FROM NEW.commission_amount"
    " OR OLD.subsidy_amount IS DISTINCT FROM NEW.subsidy_amount"
    " OR OLD.merchant_amount IS DISTINCT FROM NEW.merchant_amount"
)


def _sqlite_settled(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM payments_statement st WHERE st.shop_id = {row}.shop_id"
        f" AND st.covers_until > {row}.redeemed_at)"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        schema_editor.execute(
            "CREATE TRIGGER payments_redemption_settled_insert BEFORE INSERT ON payments_redemption "
            "FOR EACH ROW EXECUTE FUNCTION payments_redemption_outside_settled()",
            params=None,
        )
        schema_editor.execute(
            "CREATE TRIGGER payments_redemption_settled_update BEFORE UPDATE ON payments_redemption "
            f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION payments_redemption_outside_settled()",
            params=None,
        )
    elif vendor == "sqlite":
        changed = CHANGED.replace("IS DISTINCT FROM", "IS NOT")
        schema_editor.execute(
            "CREATE TRIGGER payments_redemption_settled_insert BEFORE INSERT ON payments_redemption "
            f"WHEN {_sqlite_settled('NEW')} "
            "BEGIN SELECT RAISE(ABORT, 'redemption INSERT inside a settled statement range refused'); END",
            params=None,
        )
        schema_editor.execute(
            "CREATE TRIGGER payments_redemption_settled_update BEFORE UPDATE ON payments_redemption "
            f"WHEN ({changed}) AND ({_sqlite_settled('NEW')} OR {_sqlite_settled('OLD')}) "
            "BEGIN SELECT RAISE(ABORT, 'redemption UPDATE inside a settled statement range refused'); END",
            params=None,
        )
    else:
        raise RuntimeError(f"no settled-range triggers for the {vendor} database: add them here")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in ("payments_redemption_settled_insert", "payments_redemption_settled_update"):
        suffix = " ON payments_redemption" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS payments_redemption_outside_settled()", params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_merge_console_and_settlement"), ("shops", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="statement",
            name="number",
            field=models.PositiveIntegerField(null=True, verbose_name="statement number"),
        ),
        migrations.AddField(
            model_name="statement",
            name="covers_from",
            field=models.DateTimeField(null=True, verbose_name="redeemed from"),
        ),
        migrations.AddField(
            model_name="statement",
            name="covers_until",
            field=models.DateTimeField(null=True, verbose_name="redeemed before"),
        ),
        migrations.RunPython(fill_ranges, relink),
        migrations.AlterField(
            model_name="statement",
            name="number",
            field=models.PositiveIntegerField(verbose_name="statement number"),
        ),
        migrations.AlterField(
            model_name="statement",
            name="covers_from",
            field=models.DateTimeField(verbose_name="redeemed from"),
        ),
        migrations.AlterField(
            model_name="statement",
            name="covers_until",
            field=models.DateTimeField(verbose_name="redeemed before"),
        ),
        migrations.AddConstraint(
            model_name="statement",
            constraint=models.UniqueConstraint(fields=("shop", "number"), name="payments_statement_number_unique"),
        ),
        migrations.AddConstraint(
            model_name="statement",
            constraint=models.CheckConstraint(
                condition=models.Q(("covers_until__gt", models.F("covers_from"))),
                name="payments_statement_covers_ordered",
            ),
        ),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(fields=["shop", "covers_until"], name="payments_statement_covers_idx"),
        ),
        migrations.RemoveIndex(model_name="redemption", name="vouchers_redemption_due_idx"),
        migrations.RemoveField(model_name="redemption", name="settled_at"),
        migrations.RemoveField(model_name="redemption", name="statement"),
        migrations.AlterField(
            model_name="redemption",
            name="shop",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="redemptions",
                to="shops.shop",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
