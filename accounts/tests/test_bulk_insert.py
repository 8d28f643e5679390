"""insert_rows() (accounts/bulk_insert.py): one INSERT writes the rows as
given, whether each column's values are all the same (sent once on
PostgreSQL) or differ from row to row, None among them."""

import datetime

import pytest
from django.utils import timezone

from accounts.access_log import AccessChannel, AccessKind, AccessLog, AccessView
from accounts.bulk_insert import insert_rows
from accounts.tests.factories import DoctorFactory, UserFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "customer_id",
    "kind",
    "object_id",
    "view",
    "channel",
    "ip",
    "user_agent",
    "path",
)


def stored():
    return sorted(AccessLog.objects.order_by().values_list(*COLUMNS))


def as_given(rows):
    return sorted(tuple(getattr(row, column) for column in COLUMNS) for row in rows)


def test_rows_with_shared_and_varying_columns_are_stored_as_given(
    django_assert_num_queries,
):
    doctor = DoctorFactory()
    alice, bob = UserFactory(), UserFactory()
    at = timezone.now().replace(microsecond=0)
    rows = [
        AccessLog(
            at=at,
            actor=doctor,
            actor_name="Dr 陈 «Chen»",
            customer=customer,
            kind=kind,
            object_id=object_id,
            view=AccessView.LIST,
            channel=AccessChannel.ADMIN,
            ip=ip,
            user_agent="Mozilla/5.0 (X11)",
            path="/admin/reservations/reservation/",
        )
        for customer, kind, object_id, ip in [
            (alice, AccessKind.VISIT, 1, "203.0.113.7"),
            (bob, AccessKind.PET, 2**62, None),
            (alice, AccessKind.THREAD, 3, "2001:db8::1"),
        ]
    ]

    with django_assert_num_queries(1):
        insert_rows(AccessLog, rows)

    assert stored() == as_given(rows)


def test_rows_by_a_key_and_at_different_moments_are_stored_as_given():
    alice = UserFactory()
    start = timezone.now().replace(microsecond=0)
    rows = [
        AccessLog(
            at=start + datetime.timedelta(seconds=n),
            actor=None,  # an integration key: no account, the same on every row
            actor_name="pharmacy-sync",
            customer=alice,
            kind=AccessKind.VISIT,
            object_id=n,
            view=AccessView.PAGE,
            channel=AccessChannel.API,
            ip=None,
            user_agent="",
            path="",
        )
        for n in range(1, 4)
    ]

    insert_rows(AccessLog, rows)

    assert stored() == as_given(rows)
