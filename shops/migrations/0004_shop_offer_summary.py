"""On PostgreSQL each shop row carries a summary of its offer, kept by the database (decision 0007).

``shops_shop.offered_codes`` (text[], sorted) holds the codes of the service items the shop offers,
``shops_shop.fixed_prices`` (text, ``code=amount,…`` sorted by code, NULL when none) its fixed
labour prices, ``shops_shop.has_part_prices`` whether it has any price of its own for a part. The
candidate statement of a quote checks the offer with one ``@>`` on the shop row and reads the fixed
prices from it, instead of probing ``shops_shopservice`` for every shop in the box (~0.3 ms of
PostgreSQL's CPU per quote on the bench), and probes ``shops_shoppartprice`` only for the shops that
have part prices (most have none).

The columns are not model fields: nothing but the candidate statement reads them and nothing but
these triggers writes them. Statement-level triggers on ``shops_shopservice`` (insert, update,
delete: a bulk load or a ``QuerySet.update`` recomputes each touched shop once), the same on
``shops_shoppartprice``, and a row trigger on ``parts_serviceitem`` (a code renamed) recompute the
summary of the shops concerned, after
locking their rows in id order, so that two transactions changing one shop's offer at once leave
the summary of both. SQLite keeps reading ``shops_shopservice`` in the statement: nothing here.
"""

from django.db import migrations

POSTGRES = """
ALTER TABLE shops_shop
    ADD COLUMN offered_codes text[] NOT NULL DEFAULT '{}',
    ADD COLUMN fixed_prices text NULL,
    ADD COLUMN has_part_prices boolean NOT NULL DEFAULT false;

CREATE FUNCTION shops_shop_offer_recompute(shop_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- lock first: the next statement's snapshot then sees what a concurrent writer committed
    PERFORM 1 FROM shops_shop WHERE id = ANY(shop_ids) ORDER BY id FOR UPDATE;
    UPDATE shops_shop s SET
        offered_codes = COALESCE((
            SELECT array_agg(si.code ORDER BY si.code)
            FROM shops_shopservice ss JOIN parts_serviceitem si ON si.id = ss.service_item_id
            WHERE ss.shop_id = s.id), '{}'),
        fixed_prices = (
            SELECT string_agg(si.code || '=' || ss.fixed_price_amount, ',' ORDER BY si.code)
            FROM shops_shopservice ss JOIN parts_serviceitem si ON si.id = ss.service_item_id
            WHERE ss.shop_id = s.id AND ss.fixed_price_amount IS NOT NULL),
        has_part_prices = EXISTS (SELECT 1 FROM shops_shoppartprice pp WHERE pp.shop_id = s.id)
    WHERE s.id = ANY(shop_ids);
END
$$;

CREATE FUNCTION shops_shopservice_offer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM shops_shop_offer_recompute(ARRAY(SELECT DISTINCT shop_id FROM changed));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM shops_shop_offer_recompute(ARRAY(SELECT DISTINCT shop_id FROM previous));
    ELSE
        PERFORM shops_shop_offer_recompute(
            ARRAY(SELECT shop_id FROM changed UNION SELECT shop_id FROM previous));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER shops_shopservice_offer_insert AFTER INSERT ON shops_shopservice
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();
CREATE TRIGGER shops_shopservice_offer_update AFTER UPDATE ON shops_shopservice
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();
CREATE TRIGGER shops_shopservice_offer_delete AFTER DELETE ON shops_shopservice
    REFERENCING OLD TABLE AS previous
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();

CREATE TRIGGER shops_shoppartprice_offer_insert AFTER INSERT ON shops_shoppartprice
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();
CREATE TRIGGER shops_shoppartprice_offer_update AFTER UPDATE ON shops_shoppartprice
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();
CREATE TRIGGER shops_shoppartprice_offer_delete AFTER DELETE ON shops_shoppartprice
    REFERENCING OLD TABLE AS previous
    FOR EACH STATEMENT EXECUTE FUNCTION shops_shopservice_offer_changed();

CREATE FUNCTION parts_serviceitem_code_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shops_shop_offer_recompute(
        ARRAY(SELECT shop_id FROM shops_shopservice WHERE service_item_id = NEW.id));
    RETURN NULL;
END
$$;

CREATE TRIGGER parts_serviceitem_offer_code AFTER UPDATE OF code ON parts_serviceitem
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code)
    EXECUTE FUNCTION parts_serviceitem_code_changed();

SELECT shops_shop_offer_recompute(ARRAY(
    SELECT shop_id FROM shops_shopservice UNION SELECT shop_id FROM shops_shoppartprice));
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS parts_serviceitem_offer_code ON parts_serviceitem;
DROP FUNCTION IF EXISTS parts_serviceitem_code_changed();
DROP TRIGGER IF EXISTS shops_shopservice_offer_insert ON shops_shopservice;
DROP TRIGGER IF EXISTS shops_shopservice_offer_update ON shops_shopservice;
DROP TRIGGER IF EXISTS shops_shopservice_offer_delete ON shops_shopservice;
DROP TRIGGER IF EXISTS shops_shoppartprice_offer_insert ON shops_shoppartprice;
DROP TRIGGER IF EXISTS shops_shoppartprice_offer_update ON shops_shoppartprice;
DROP TRIGGER IF EXISTS shops_shoppartprice_offer_delete ON shops_shoppartprice;
DROP FUNCTION IF EXISTS shops_shopservice_offer_changed();
DROP FUNCTION IF EXISTS shops_shop_offer_recompute(bigint[]);
ALTER TABLE shops_shop DROP COLUMN IF EXISTS offered_codes, DROP COLUMN IF EXISTS fixed_prices,
    DROP COLUMN IF EXISTS has_part_prices;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0001_initial"),
        ("shops", "0003_services_and_part_prices"),
    ]

    operations = [migrations.RunPython(forward, backward)]
