"""A query the ORM builds and compiles once, then runs with other values.

Building a queryset and compiling it to SQL is Python work that a query
repeats at every call. For the sockets' one-query access check at each chat
message (core.access_checks) it was 1.1 of its 2.1 ms, more than the database
took (issue 14). A CompiledQuery keeps the SQL and the parameters the ORM
made from placeholder values, and runs it with each call's own values in the
placeholders' places, making the model's instances as Manager.raw() does (the
annotations set on them) from a shape worked out at the first run.

A placeholder is a value no other parameter of the query has, of the type the
real value has (an id no row has, a key of its own); a datetime is adapted as
the database backend adapts one. Nothing else of the query may change between
calls: the values it was built with besides the placeholders are kept.
"""

import datetime

from django.db import connection, connections


class CompiledQuery:
    def __init__(self, build, **placeholders):
        """`build(**values)`: the queryset, made with the placeholders here
        and compiled once."""
        queryset = build(**placeholders)
        self.model, self.db = queryset.model, queryset.db
        self.sql, params = queryset.query.sql_with_params()
        self.rows = None  # the rows' shape, once the first run has seen it
        self.params = list(params)
        self.slots = {}
        for name, value in placeholders.items():
            adapted = _adapted(value)
            self.slots[name] = [
                i
                for i, param in enumerate(self.params)
                if type(param) is type(adapted) and param == adapted
            ]
            if not self.slots[name]:
                raise ValueError(f"placeholder {name} is not among the parameters")
        taken = [i for slots in self.slots.values() for i in slots]
        if len(taken) != len(set(taken)):
            raise ValueError("two placeholders have the same value")

    def __call__(self, **values) -> list:
        """The query's rows (model instances) with these values."""
        if values.keys() != self.slots.keys():
            raise TypeError(f"values for {sorted(self.slots)} expected")
        params = list(self.params)
        for name, value in values.items():
            for i in self.slots[name]:
                params[i] = _adapted(value)
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            if self.rows is None:
                columns = [column[0] for column in cursor.description]
                self.rows = _Rows(self.model, columns, connection)
            rows = cursor.fetchall()
        return self.rows.instances(rows, connection)


class _Rows:
    """How a row of the query becomes a model instance, as Manager.raw()
    makes it (the model's fields by column, with their converters; any other
    column an attribute), worked out once: raw() works it out at every run,
    most of the Python of a socket's admission trip (issue 14)."""

    def __init__(self, model, columns, connection):
        columns = [connection.introspection.identifier_converter(c) for c in columns]
        fields = [f for f in model._meta.concrete_fields if f.column in columns]
        if model._meta.pk not in fields:
            raise ValueError("a compiled query must read the primary key")
        self.model = model
        self.names = [field.attname for field in fields]  # the model's order
        self.positions = [columns.index(field.column) for field in fields]
        read = {field.column for field in fields}
        self.annotations = [
            (column, i) for i, column in enumerate(columns) if column not in read
        ]
        self.converters = []
        for field, position in zip(fields, self.positions, strict=True):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(
                column
            ) + column.get_db_converters(connection)
            if converters:
                self.converters.append((position, converters, column))

    def instances(self, rows, connection) -> list:
        """The rows as instances; `connection`: this thread's, which read them
        (the converters take it)."""
        made = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, converters, column in self.converters:
                    for converter in converters:
                        row[position] = converter(row[position], column, connection)
            instance = self.model.from_db(
                connection.alias,
                self.names,
                [row[position] for position in self.positions],
            )
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            made.append(instance)
        return made


def _adapted(value):
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompiledBatch:
    """A query of the rows whose field is one of a batch of values (a batch
    of sockets' sessions, users, threads), compiled as a CompiledQuery once
    for each size of BATCH_SIZES: a batch is padded to the next size with
    values no row has, and one larger than the largest is read through the
    ORM as it is."""

    BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)

    def __init__(self, build, padding, **placeholders):
        """`build(values, **others)`: the queryset of a batch (the values a
        list); `padding(i)`: the i-th value no row has, each its own;
        `placeholders`: those of the other values (CompiledQuery's)."""
        self.build = build
        self.padding = padding
        self.placeholders = placeholders
        self.queries = {}

    def __call__(self, values, **others) -> list:
        values = list(values)
        size = next((size for size in self.BATCH_SIZES if size >= len(values)), None)
        if size is None:
            return list(self.build(values, **others))
        padding = [self.padding(i) for i in range(size)]
        names = [f"value{i}" for i in range(size)]
        query = self.queries.get(size)
        if query is None:
            query = self.queries[size] = CompiledQuery(
                lambda **named: self.build(
                    [named[name] for name in names],
                    **{name: named[name] for name in self.placeholders},
                ),
                **dict(zip(names, padding, strict=True)),
                **self.placeholders,
            )
        padded = [*values, *padding[len(values) :]]
        return query(**dict(zip(names, padded, strict=True)), **others)
