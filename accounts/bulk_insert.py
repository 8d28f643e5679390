"""Rows written in one INSERT without a transaction around it (issue 14)."""

import sqlite3

from django.db import connections, router


def insert_rows(model, rows) -> None:
    """Write new `rows` of `model` as bulk_create does, without the transaction
    it opens around its batches when they fit one statement: one statement is
    atomic by itself, and BEGIN and COMMIT would cost a page two more round
    trips (the access log's rows of every list a doctor opens). More rows than
    one statement takes go through bulk_create, in one transaction."""
    db = router.db_for_write(model)
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    if len(rows) > _rows_per_statement(connections[db], fields, rows):
        model._base_manager.db_manager(db).bulk_create(rows)
        return
    for row in rows:
        row._prepare_related_fields_for_save(operation_name="bulk_create")
    connection = connections[db]
    if connection.vendor == "postgresql" and len(rows) > 1:
        _insert_unnest(connection, model, fields, rows)
        return
    # Model.save() writes its row through the same manager method.
    model._base_manager._insert(rows, fields=fields, using=db)


def _insert_unnest(connection, model, fields, rows) -> None:
    """The INSERT ... SELECT FROM UNNEST that Django writes for PostgreSQL,
    each value prepared by its field as Django prepares it, except that a
    column with the same value on every row is prepared and sent once: the
    access log's page of 40 rows differs in three columns of eleven, and
    Django's preparing of the 440 values was most of the INSERT's time
    (bench/hotspots.py "visits admin")."""
    constants, varying, params, arrays = [], [], [], []
    for field in fields:
        values = [field.pre_save(row, add=True) for row in rows]
        # Not parameters' lengths: a varchar(n)[] cast would cut the values.
        cast = field.db_type(connection).split("(")[0]
        column = connection.ops.quote_name(field.column)
        if all(value == values[0] for value in values[1:]):
            constants.append((column, f"(%s)::{cast}"))
            params.append(field.get_db_prep_save(values[0], connection=connection))
        else:
            varying.append((column, f"(%s)::{cast}[]"))
            arrays.append(
                [
                    field.get_db_prep_save(value, connection=connection)
                    for value in values
                ]
            )
    if not varying:  # the same row over and over: Django's own path
        model._base_manager._insert(rows, fields=fields, using=connection.alias)
        return
    names = [f"c{n}" for n in range(len(varying))]
    # Only quoted names and casts of the model's own fields go in the text;
    # every value is a parameter.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608
        f" ({', '.join(column for column, _ in constants + varying)})"
        f" SELECT {', '.join([cast for _, cast in constants] + names)}"
        f" FROM UNNEST({', '.join(cast for _, cast in varying)})"
        f" AS u({', '.join(names)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *arrays])


def _rows_per_statement(connection, fields, rows) -> int:
    """Django takes SQLite's compile-time default of 999 parameters (90 rows
    of the access log); SQLite says what its library allows (250,000 here),
    and a multi-row VALUES has no other limit. Elsewhere, as Django says."""
    if connection.vendor != "sqlite":
        return connection.ops.bulk_batch_size(fields, rows)
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(limit // max(len(fields), 1), 1)
