"""A query compiled once and run with other values (core/compiled_query.py)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.tests.factories import DoctorFactory, UserFactory
from core.compiled_query import CompiledBatch, CompiledQuery

User = get_user_model()
NO_USER = -1
LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def joined_after(*, user_id, since):
    """A user by id if they joined after `since`, with whether they are in
    the doctors' group (an annotation, with a parameter of its own)."""
    doctors = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name="Doctors"
    )
    return User.objects.filter(pk=user_id, date_joined__gt=since).annotate(
        in_doctors=Exists(doctors)
    )


@pytest.mark.django_db
def test_the_query_runs_with_each_calls_values():
    customer, doctor = UserFactory(), DoctorFactory()
    query = CompiledQuery(joined_after, user_id=NO_USER, since=LONG_AGO)

    found = query(user_id=doctor.pk, since=LONG_AGO)
    assert found == [doctor]
    assert found[0].in_doctors
    assert query(user_id=customer.pk, since=LONG_AGO) == [customer]
    assert not query(user_id=customer.pk, since=LONG_AGO)[0].in_doctors
    later = timezone.now() + datetime.timedelta(days=1)
    assert query(user_id=customer.pk, since=later) == []


@pytest.mark.django_db
def test_its_instances_are_the_orms_deferred_fields_and_converted_values_alike():
    def some_fields(user_id):
        return User.objects.filter(pk=user_id).only("username", "date_joined")

    first, second = UserFactory(), DoctorFactory()
    query = CompiledQuery(some_fields, user_id=NO_USER)
    for user in (first, second):  # the second run reuses the rows' shape
        [compiled] = query(user_id=user.pk)
        [made] = some_fields(user.pk)
        assert (compiled.pk, compiled.username, compiled.date_joined) == (
            made.pk,
            made.username,
            made.date_joined,
        )
        assert isinstance(compiled.date_joined, datetime.datetime)
        assert compiled.get_deferred_fields() == made.get_deferred_fields()
        assert compiled._state.db == made._state.db


@pytest.mark.django_db
def test_a_placeholder_the_query_does_not_hold_is_refused():
    with pytest.raises(ValueError, match="placeholder"):
        CompiledQuery(
            lambda *, user_id, name: User.objects.filter(pk=user_id),
            user_id=NO_USER,
            name="never used",
        )


@pytest.mark.django_db
def test_placeholders_of_the_same_value_are_refused():
    with pytest.raises(ValueError, match="same value"):
        CompiledQuery(
            lambda *, a, b: User.objects.filter(pk=a).exclude(pk=b),
            a=NO_USER,
            b=NO_USER,
        )


@pytest.mark.django_db
def test_every_placeholder_needs_a_value():
    query = CompiledQuery(joined_after, user_id=NO_USER, since=LONG_AGO)

    with pytest.raises(TypeError):
        query(user_id=1)


def joined_after_among(ids, *, since):
    return User.objects.filter(pk__in=ids, date_joined__gt=since).order_by("pk")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3, 65])
def test_a_batch_of_any_size_reads_its_rows(count, django_assert_num_queries):
    # Compiled for sizes up to 64, a batch padded to the next (3 reads as 4);
    # 65, past the largest, is read through the ORM.
    users = UserFactory.create_batch(count)
    batch = CompiledBatch(joined_after_among, padding=lambda i: -1 - i, since=LONG_AGO)

    with django_assert_num_queries(1):
        found = batch([user.pk for user in users], since=LONG_AGO)

    assert sorted(found, key=lambda user: user.pk) == users
    later = timezone.now() + datetime.timedelta(days=1)
    assert batch([user.pk for user in users], since=later) == []
