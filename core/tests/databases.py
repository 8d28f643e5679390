"""What a test needs of the database it runs on."""

import pytest
from django.db import connection


def only_on_postgresql(reason: str) -> pytest.MarkDecorator:
    """Skip the test on SQLite (the README's test command on a machine without
    DATABASE_URL; CI runs on PostgreSQL). For races and row locks: SQLite
    has no row locks and serialises writers, so the race these tests stage
    never happens there."""
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)
