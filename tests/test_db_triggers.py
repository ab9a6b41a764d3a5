"""Every database trigger the money and evidence rules rely on exists after all migrations.

On SQLite a later migration that alters a column rebuilds the table and silently drops its
triggers (it happened once: payments 0009 now re-creates them); this catches it on both databases.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SETTLED = {"payments_redemption_settled_insert", "payments_redemption_settled_update"}
EXPECTED = {
    # PostgreSQL: one trigger per table, a function that raises
    "postgresql": {
        "payments_journalentry_append_only",
        "payments_journalline_append_only",
        "bookings_additionalworkdecision_immutable",
        # shops 0004: the shop row's summary of its offer
        "shops_shopservice_offer_insert",
        "shops_shopservice_offer_update",
        "shops_shopservice_offer_delete",
        "shops_shoppartprice_offer_insert",
        "shops_shoppartprice_offer_update",
        "shops_shoppartprice_offer_delete",
        "parts_serviceitem_offer_code",
        *SETTLED,
    },
    # SQLite: one trigger per table and statement
    "sqlite": {
        "payments_journalentry_no_update",
        "payments_journalentry_no_delete",
        "payments_journalline_no_update",
        "payments_journalline_no_delete",
        "bookings_additionalworkdecision_no_update",
        *SETTLED,
    },
}


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def test_every_rule_trigger_exists():
    assert EXPECTED[connection.vendor] <= _triggers()
