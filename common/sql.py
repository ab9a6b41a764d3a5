"""Written-out SQL for hot paths: an unsaved model instance as the columns and parameters of an
``INSERT``, prepared exactly as the ORM would prepare them (defaults, ``pre_save``, the database's
value adaptation), so a statement built from it stays right when a model gains a field."""

from django.db import connections, models, router


def placeholders(values) -> str:
    """``%s, %s, …`` for an ``IN (…)`` list of ``values``; ``NULL`` when empty (``IN (NULL)``
    matches nothing, where ``IN ()`` is a syntax error)."""
    return ", ".join(["%s"] * len(values)) or "NULL"


# Column lists, by model and database vendor: the same for the life of the process.
_TEXTS: dict = {}


def _text(key: tuple, build):
    text = _TEXTS.get(key)
    if text is None:
        text = _TEXTS[key] = build()
    return text


def insert_columns(obj: models.Model, connection) -> tuple[str, str, list]:
    """``(column list, placeholders, params)`` to insert ``obj`` (its primary key left to the database)."""

    def build():
        quote = connection.ops.quote_name
        fields = tuple(field for field in obj._meta.concrete_fields if not field.primary_key)
        return fields, ", ".join(quote(field.column) for field in fields), placeholders(fields)

    fields, columns, marks = _text(("insert", type(obj), connection.vendor), build)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return columns, marks, params


def mark_saved(obj: models.Model, pk, connection) -> None:
    """``obj`` now is the row ``pk`` in ``connection``'s database (as ``save()`` would leave it)."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


# --- reading model instances from written-out SELECTs ------------------------------------------

_PLANS: dict = {}
PLANS_KEPT = 2048


def columns_as(model: type[models.Model], table: str, prefix: str, connection) -> str:
    """Every column of ``model`` read from ``table`` (an alias in the statement), named
    ``<prefix>__<column>``: a joined row for ``fetch_instances(..., related={prefix: model})``."""

    def build():
        quote = connection.ops.quote_name
        return ", ".join(
            f"{table}.{quote(field.column)} AS {quote(f'{prefix}__{field.column}')}"
            for field in model._meta.concrete_fields
        )

    return _text(("columns_as", model, table, prefix, connection.vendor), build)


def fetch_instances(
    model: type[models.Model], sql: str, params, *, using: str | None = None, related: dict | None = None
) -> list:
    """``model.objects.raw(sql, params)``, as a list, for hot paths.

    The same result (model instances; columns that are not the model's fields become attributes;
    the fields the query did not select are deferred; values pass through the same backend and
    field converters), but the mapping from the statement's columns to the model's fields is
    worked out once per statement text and kept, where ``RawQuerySet`` works it out on every call.

    ``related`` (``{"booking": Booking}``) reads a joined row in the same statement, as
    ``select_related`` would: the columns named ``booking__<column>`` make the ``Booking`` that is
    set as the instance's ``booking``.
    """
    alias = using or router.db_for_read(model)
    connection = connections[alias]
    # a statement's text fixes its columns (the schema changes only with a migration, after which
    # the servers restart): the plan is looked up by the text, the result's names read once
    key = (model, alias, sql, tuple(related.items()) if related else ())
    plan = _PLANS.get(key)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if plan is None:
            if len(_PLANS) >= PLANS_KEPT:  # texts with IN lists of every length: start afresh
                _PLANS.clear()
            columns = tuple(column[0] for column in cursor.description)
            plan = _PLANS[key] = _plan(model, connection, columns, related or {})
        rows = cursor.fetchall()
    main, joined, annotations = plan
    instances = []
    for row in rows:
        instance = _instance(model, alias, connection, main, row)
        for attr, related_model, related_plan in joined:
            setattr(instance, attr, _instance(related_model, alias, connection, related_plan, row))
        for column, pos in annotations:
            setattr(instance, column, row[pos])
        instances.append(instance)
    return instances


def _instance(model, alias, connection, plan, row):
    names, positions, converters = plan
    values = [row[pos] for pos in positions]
    for index, functions, expression in converters:
        value = values[index]
        for function in functions:
            value = function(value, expression, connection)
        values[index] = value
    return model.from_db(alias, names, values)


def _plan(model, connection, columns, related: dict):
    convert = connection.introspection.identifier_converter
    prefixes = {f"{attr}__": attr for attr in related}
    own = {
        convert(column): pos for pos, column in enumerate(columns) if not column.startswith(tuple(prefixes))
    }
    main = _model_plan(model, connection, own)
    taken = set(main[1])
    joined = []
    for prefix, attr in prefixes.items():
        position = {
            convert(column[len(prefix) :]): pos
            for pos, column in enumerate(columns)
            if column.startswith(prefix)
        }
        plan = _model_plan(related[attr], connection, position)
        joined.append((attr, related[attr], plan))
        taken.update(position.values())
    annotations = [(column, pos) for pos, column in enumerate(columns) if pos not in taken]
    return main, joined, annotations


def _model_plan(model, connection, position: dict):
    """``from_db``'s field names, the row positions of their values (in the model's field order,
    whatever the statement's column order) and the converters to apply, by value index."""
    convert = connection.introspection.identifier_converter
    fields = [field for field in model._meta.concrete_fields if convert(field.column) in position]
    if model._meta.pk not in fields:
        raise ValueError("the statement must select the primary key")
    names = [field.attname for field in fields]
    positions = [position[convert(field.column)] for field in fields]
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if functions:
            converters.append((index, functions, expression))
    return names, positions, converters


# --- statements of one text whatever the values (prepared once per connection) ------------------


def in_list(connection, values, cast: str) -> tuple[str, list]:
    """``(operator with placeholders, params)`` that match a column against any of ``values``.

    On PostgreSQL ``= ANY(%s::<cast>[])`` with ONE parameter, so that the statement's text is the
    same whatever the number of values, and psycopg prepares it once per connection (decision 0015);
    elsewhere a written-out ``IN (%s, …)`` (``IN (NULL)`` when empty)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"= ANY(%s::{cast}[])", [values]
    return f"IN ({placeholders(values)})", values
