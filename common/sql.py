"""Written-out SQL for hot paths: an unsaved model instance as the columns and parameters of an
``INSERT``, prepared exactly as the ORM would prepare them (defaults, ``pre_save``, the database's
value adaptation), so a statement built from it stays right when a model gains a field."""

from django.db import models


def insert_columns(obj: models.Model, connection) -> tuple[str, str, list]:
    """``(column list, placeholders, params)`` to insert ``obj`` (its primary key left to the database)."""
    quote = connection.ops.quote_name
    fields = [field for field in obj._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return columns, placeholders, params


def mark_saved(obj: models.Model, pk, connection) -> None:
    """``obj`` now is the row ``pk`` in ``connection``'s database (as ``save()`` would leave it)."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias
