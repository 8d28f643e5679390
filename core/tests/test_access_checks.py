"""The sockets' access re-checks in batches (core/access_checks.py): sessions
read in bulk as django.contrib.auth.get_user() reads them one at a time,
two queries for a whole batch, and one for a chat message's own check."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorFactory, UserFactory
from consultation.consumers import ConsultationConsumer
from core.access_checks import (
    checked_user,
    checked_users,
    users_of_sessions,
)
from core.consumers import (
    ACCESS_RECHECK_SECONDS,
    ACCESS_REFRESH_SHARES,
    CHECK_AHEAD_GATHERING,
)
from core.sockets import CLOSE_NOT_MEMBER, CLOSE_SESSION_ENDED


def signed_in(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def one_at_a_time(key):
    """What get_user() answers for the session `key`, read alone."""
    from django.contrib.sessions.backends.db import SessionStore

    return auth.get_user(SimpleNamespace(session=SessionStore(key)))


@pytest.mark.django_db
def test_sessions_read_in_bulk_answer_as_get_user_does():
    customer, doctor, leaving = UserFactory(), DoctorFactory(), UserFactory()
    keys = {
        "customer": signed_in(customer),
        "doctor": signed_in(doctor),
        "ended": signed_in(UserFactory()),
        "expired": signed_in(UserFactory()),
        "deactivated": signed_in(leaving),
        "never": "no-such-session-key",
    }
    Session.objects.filter(session_key=keys["ended"]).delete()
    Session.objects.filter(session_key=keys["expired"]).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    type(leaving).objects.filter(pk=leaving.pk).update(is_active=False)

    found = users_of_sessions(keys.values())

    assert found[keys["customer"]] == customer
    assert found[keys["doctor"]] == doctor
    for name in ("ended", "expired", "deactivated", "never"):
        assert isinstance(found[keys[name]], AnonymousUser), name
    # Each as get_user() answers it alone (AnonymousUser equals any other).
    for key, user in found.items():
        assert one_at_a_time(key) == user


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in_users", [1, 3, 65])
def test_batches_of_any_size_answer_as_get_user_does(signed_in_users):
    # Compiled once for each size up to 64 (core.access_checks), a batch
    # padded to the next: 3 reads as 4; 65, past the largest, through the ORM.
    users = UserFactory.create_batch(signed_in_users)
    keys = [signed_in(user) for user in users]

    found = users_of_sessions([*keys, "no-such-session-key"])

    assert [found[key] for key in keys] == users
    assert isinstance(found["no-such-session-key"], AnonymousUser)


@pytest.mark.django_db
def test_a_session_whose_password_changed_is_left_to_get_user():
    customer = UserFactory()
    key = signed_in(customer)
    customer.set_password("another long pass phrase")
    customer.save()

    assert key not in users_of_sessions([key])
    # get_user() itself ends the session, as it always did.
    assert not one_at_a_time(key).is_authenticated
    assert not Session.objects.filter(session_key=key).exists()


def consultation_socket(user, session_key, *, thread_customer_id):
    socket = ConsultationConsumer()
    socket.scope = {"session": SimpleNamespace(session_key=session_key), "user": user}
    socket.thread_customer_id = thread_customer_id
    return socket


@pytest.mark.django_db
def test_a_batch_of_sockets_is_checked_in_two_queries(django_assert_num_queries):
    customer = UserFactory()
    doctors = [DoctorFactory() for _ in range(4)]
    stranger = UserFactory()
    sockets = [
        consultation_socket(
            customer, signed_in(customer), thread_customer_id=customer.pk
        )
    ]
    sockets += [
        consultation_socket(doctor, signed_in(doctor), thread_customer_id=customer.pk)
        for doctor in doctors
    ]
    # Another customer's page of the thread (never admitted; refused here).
    sockets.append(
        consultation_socket(
            stranger, signed_in(stranger), thread_customer_id=customer.pk
        )
    )
    ended = consultation_socket(
        customer, signed_in(customer), thread_customer_id=customer.pk
    )
    Session.objects.filter(session_key=ended.scope["session"].session_key).delete()
    sockets.append(ended)

    # The sessions, then their users with their roles.
    with django_assert_num_queries(2):
        answers = checked_users(sockets)

    assert [refusal for _user, refusal in answers] == [None] * 5 + [
        CLOSE_NOT_MEMBER,
        CLOSE_SESSION_ENDED,
    ]
    assert [user.pk for user, _ in answers[:5]] == [customer.pk] + [
        doctor.pk for doctor in doctors
    ]


@pytest.mark.django_db
def test_one_socket_is_checked_in_one_query(django_assert_num_queries):
    customer, doctor = UserFactory(), DoctorFactory()
    customer_page = consultation_socket(
        customer, signed_in(customer), thread_customer_id=customer.pk
    )
    doctor_page = consultation_socket(
        doctor, signed_in(doctor), thread_customer_id=customer.pk
    )

    for page, user in ((customer_page, customer), (doctor_page, doctor)):
        with django_assert_num_queries(1):
            found, refusal = checked_user(page)
        assert (found, refusal) == (user, None)


def _changed(change):
    """A customer's page of their own thread, after `change(user, key)`."""
    customer = UserFactory()
    key = signed_in(customer)
    # The user as the connect read it: an instance of its own.
    connected_as = type(customer).objects.get(pk=customer.pk)
    page = consultation_socket(connected_as, key, thread_customer_id=customer.pk)
    change(customer, key)
    return page


def _session_gone(_user, key):
    Session.objects.filter(session_key=key).delete()


def _session_expired(_user, key):
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )


def _deactivated(user, _key):
    type(user).objects.filter(pk=user.pk).update(is_active=False)


def _deleted(user, _key):
    user.delete()


def _password_changed(user, _key):
    user.set_password("another long pass phrase")
    user.save()


def _signed_in_as_another(_user, key):
    # The session's data now names another user (as a session reused by
    # another login would).
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore(key)
    session[auth.SESSION_KEY] = str(UserFactory().pk)
    session.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        _session_gone,
        _session_expired,
        _deactivated,
        _deleted,
        _password_changed,
        _signed_in_as_another,
    ],
)
def test_a_socket_whose_session_ended_is_closed_as_get_user_would(change):
    page = _changed(change)
    key = page.scope["session"].session_key

    user, refusal = checked_user(page)

    assert refusal == CLOSE_SESSION_ENDED
    assert user.pk != page.scope["user"].pk
    if change is _password_changed:
        # Left to get_user(), which ends the session, as it always did.
        assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_doctor_who_lost_the_role_is_refused_at_once():
    doctor, customer = DoctorFactory(), UserFactory()
    page = consultation_socket(
        doctor, signed_in(doctor), thread_customer_id=customer.pk
    )
    doctor.groups.clear()

    assert checked_user(page)[1] == CLOSE_NOT_MEMBER


def test_a_check_ahead_is_done_before_the_checks_limit():
    """Drawn at its latest point and waiting its longest for company, a check
    ahead still ends before pushes would have to wait for one."""
    latest = ACCESS_RECHECK_SECONDS * max(ACCESS_REFRESH_SHARES)
    assert latest + CHECK_AHEAD_GATHERING.seconds < ACCESS_RECHECK_SECONDS
    assert 0 < min(ACCESS_REFRESH_SHARES) < max(ACCESS_REFRESH_SHARES)  # spread
