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
    # Model.save() writes its row through the same manager method.
    model._base_manager._insert(rows, fields=fields, using=db)


def _rows_per_statement(connection, fields, rows) -> int:
    """Django takes SQLite's compile-time default of 999 parameters (90 rows
    of the access log); SQLite says what its library allows (250,000 here),
    and a multi-row VALUES has no other limit. Elsewhere, as Django says."""
    if connection.vendor != "sqlite":
        return connection.ops.bulk_batch_size(fields, rows)
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(limit // max(len(fields), 1), 1)
