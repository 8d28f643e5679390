"""A process's sockets re-check their access together (issue 14).

Every open page re-checks, every few seconds (core.consumers), that its
socket's session still belongs to a user who may use it: the session, the
user and their roles, three queries. With 200 open chat pages that was 40
checks and 120 queries a second, each check a trip of its own to the
sockets' database threads, and 38% of daphne's samples while the chat ran
at five messages a second (py-spy, bench/chat.py).

Here the checks that come due together share one trip (core.trips): the
sockets that ask while a trip is under way wait for the next one, which reads all their
sessions, then their users with the roles annotated (two queries however many
sockets), then asks each socket's own refusal_for() as before. A session is
read in bulk the way django.contrib.auth.get_user() reads it; whatever is not
the usual case (a session engine not kept in the database, a backend of its
own, a session hash that does not match: get_user() then ends the session or
rotates its key) is read by get_user() itself, one socket at a time.

A chat message checks its own socket on the way to storing it
(checked_user): one query, compiled once (core.compiled_query), reads the
session with the user it connected as and their roles.
"""

import datetime
from functools import partial
from importlib import import_module
from types import SimpleNamespace

from channels.auth import UserLazyObject
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import empty

from .compiled_query import CompiledBatch, CompiledQuery


def users_of_sessions(session_keys) -> dict:
    """{session key: the user it belongs to now, or AnonymousUser}, as
    django.contrib.auth.get_user() answers, for the keys this can read in
    bulk (two queries); the others are left out, for get_user() itself."""
    return _read_sessions(session_keys)[0]


def _read_sessions(session_keys, classes=()) -> tuple[dict, dict]:
    """users_of_sessions(), and {session key: its data} of the sessions read;
    the users read with what the consumer `classes`' checked_users_query()
    annotates (_checked_users_query), by default nothing."""
    store_class = _database_session_store()
    keys = sorted({key for key in session_keys if key})
    if not keys or store_class is None:
        return {}, {}
    rows = _session_rows(store_class, keys)
    # A session no longer there (ended, expired) is nobody's: get_user()
    # reads an empty session.
    found = dict.fromkeys(keys, AnonymousUser())
    decoder = store_class()
    sessions = {key: decoder.decode(data) for key, data in rows}
    wanted = {key: _user_id_of(session) for key, session in sessions.items()}
    by_id = _users_by_id(
        classes,
        sorted({user_id for user_id in wanted.values() if user_id not in _NOT_A_USER}),
    )
    for key, session in sessions.items():
        user = _user_of_session(session, wanted[key], by_id)
        if user is None:
            del found[key]  # get_user() itself
        else:
            found[key] = user
    return found, sessions


def _session_rows(store_class, keys):
    """(key, data) of the sessions among `keys` that have not expired."""
    batch = _session_batches.get(store_class)
    if batch is None:
        sessions = store_class.get_model_class().objects
        batch = _session_batches[store_class] = CompiledBatch(
            lambda keys, now: sessions.filter(
                session_key__in=keys, expire_date__gt=now
            ).only("session_key", "session_data"),
            padding=lambda i: f"placeholder:no-session-has-this-key:{i}",
            now=_PLACEHOLDER_NOW,
        )
    rows = batch(keys, now=timezone.now())
    return [(row.session_key, row.session_data) for row in rows]


def _users_by_id(classes, ids):
    """{id: user} of the users with these ids, read with what the consumer
    classes' checked_users_query() annotates."""
    if not ids:
        return {}
    batch = _user_batches.get(classes)
    if batch is None:
        batch = _user_batches[classes] = CompiledBatch(
            lambda ids: _users_query(classes).filter(pk__in=ids),
            padding=lambda i: -1 - i,  # no user has it
        )
    return {user.pk: user for user in batch(ids)}


# A batch's queries, compiled for each session store and each set of
# consumer classes (core.compiled_query: the ORM's building and compiling
# was most of an admission trip's Python, issue 14).
_session_batches = {}
_user_batches = {}


def session_user_now(scope, users_query):
    """session_user(), in one query in the usual case: the socket's session
    still belongs to the user it connected as (scope["user"]), whose row is
    read with the session's data and what `users_query(users)` annotates
    (the roles). A session that now names someone else, or that get_user()
    would end or rotate, is read by session_user() itself."""
    store_class = _database_session_store()
    key = scope["session"].session_key
    connected_as = getattr(scope.get("user"), "pk", None)
    if store_class is None or not key or connected_as is None:
        return session_user(scope)
    query = _one_query_checks.get(users_query)
    if query is None:
        query = _one_query_checks[users_query] = CompiledQuery(
            partial(_user_with_session, store_class, users_query),
            user_id=_PLACEHOLDER_USER_ID,
            session_key=_PLACEHOLDER_SESSION_KEY,
            now=_PLACEHOLDER_NOW,
        )
    rows = query(user_id=connected_as, session_key=key, now=timezone.now())
    user = rows[0] if rows else None
    if user is None or user.checked_session_data is None:
        # The user deleted, or the session ended or expired: nobody's (the
        # session of a deleted user is nobody's to get_user() as well).
        return AnonymousUser()
    session = store_class().decode(user.checked_session_data)
    user_id = _user_id_of(session)
    if user_id is _SIGNED_OUT:
        return AnonymousUser()
    if user_id != user.pk:
        return session_user(scope)  # someone else's now, or unreadable
    found = _user_of_session(session, user_id, {user.pk: user})
    return session_user(scope) if found is None else found


def _user_with_session(store_class, users_query, *, user_id, session_key, now):
    session_data = (
        store_class.get_model_class()
        .objects.filter(session_key=session_key, expire_date__gt=now)
        .values("session_data")[:1]
    )
    return (
        users_query(_all_users())
        .filter(pk=user_id)
        .annotate(checked_session_data=Subquery(session_data))
    )


# session_user_now()'s query, compiled once for each users' query (a
# consumer class's checked_users_query), and the values it is compiled with.
_one_query_checks = {}
_PLACEHOLDER_USER_ID = -1  # no user has it
_PLACEHOLDER_SESSION_KEY = "placeholder:no-session-has-this-key"
_PLACEHOLDER_NOW = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _database_session_store():
    """The session engine's store, if it keeps sessions in the database
    (whose rows these read in bulk); else None."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    return store_class if issubclass(store_class, DatabaseSessionStore) else None


def _all_users():
    return get_user_model()._default_manager.all()


# What _user_id_of() answers for a session signed out, and for one whose
# user id get_user() would fail on.
_SIGNED_OUT = object()
_UNREADABLE = object()
_NOT_A_USER = (_SIGNED_OUT, _UNREADABLE)


def _user_id_of(session):
    try:
        return get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except KeyError:
        return _SIGNED_OUT
    except ValidationError:
        return _UNREADABLE


def _user_of_session(session, user_id, by_id):
    """What get_user() answers for a session's data, given its user id
    (_user_id_of) and the users read by id; None where only get_user()
    itself can answer (a backend of its own, a hash that does not match:
    get_user() then ends the session or rotates its key)."""
    if user_id is _UNREADABLE:
        return None  # get_user() raises: let it
    backend_path = session.get(BACKEND_SESSION_KEY)
    if user_id is _SIGNED_OUT or backend_path is None:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user:
        return None
    user = by_id.get(user_id)
    if user is None or not backend.user_can_authenticate(user):
        return AnonymousUser()  # ModelBackend.get_user() answers None
    session_hash = session.get(HASH_SESSION_KEY)
    if session_hash and constant_time_compare(
        session_hash, user.get_session_auth_hash()
    ):
        return user
    # The password changed, or a fallback secret signed it.
    return None


def checked_users(consumers):
    """(user, refusal) of each consumer, or the exception its check raised:
    _checked_user() for a batch, their sessions, users and roles read
    together. Sync: one trip of the sockets' threads."""
    keys, users, _sessions = _read_together(consumers)

    def check(consumer, key):
        # Not read in bulk: get_user() itself (see users_of_sessions).
        user = users[key] if key in users else session_user(consumer.scope)
        return user, consumer._refusal(user)

    return _each(consumers, keys, check)


def checked_user(consumer):
    """checked_users() of one consumer (a chat message's own check), its
    session, user and roles read in one query (session_user_now)."""
    user = session_user_now(consumer.scope, type(consumer).checked_users_query)
    return user, consumer._refusal(user)


def admissions(consumers):
    """consumer.admission() of each connecting socket, or the exception it
    raised: their sessions, users and roles read together first, and handed
    to each socket's scope as its own reads would have found them (the lazy
    user, the session's data). Sync: one trip of the sockets' threads."""
    keys, users, sessions = _read_together(consumers)
    for consumer, key in zip(consumers, keys, strict=True):
        if key not in users:
            continue  # left to get_user(), in admission()
        scope_user = consumer.scope.get("user")
        if isinstance(scope_user, UserLazyObject) and scope_user._wrapped is empty:
            scope_user._wrapped = users[key]
        session = consumer.scope["session"]
        if key in sessions and not hasattr(session, "_session_cache"):
            session._session_cache = sessions[key]  # as SessionStore.load() reads it
    by_class = {}
    for consumer in consumers:
        by_class.setdefault(type(consumer), []).append(consumer)
    for consumer_class, its_consumers in by_class.items():
        consumer_class.prepare_admissions(its_consumers)
    return _each(consumers, keys, lambda consumer, _key: consumer.admission())


def _read_together(consumers):
    """The consumers' session keys, their users and sessions' data (as
    _read_sessions), the users read with what each consumer class's
    checked_users_query() adds (the roles its checks ask)."""
    keys = [consumer.scope["session"].session_key for consumer in consumers]
    users, sessions = _read_sessions(keys, _checked_users_query(consumers))
    return keys, users, sessions


def _checked_users_query(consumers):
    """The consumers' classes whose checked_users_query() the users are read
    with: each class's query once, and one shared by classes once (the site's
    sockets all inherit theirs). A tuple: the compiled queries' key."""
    classes = {}
    for consumer in consumers:
        consumer_class = type(consumer)
        classes.setdefault(consumer_class.checked_users_query.__func__, consumer_class)
    return tuple(classes.values())


def _users_query(classes):
    users = _all_users()
    for consumer_class in classes:
        users = consumer_class.checked_users_query(users)
    return users


def _each(consumers, keys, answer):
    """answer(consumer, key) for each, or the exception it raised: one
    socket's failure is not the others'."""
    answers = []
    for consumer, key in zip(consumers, keys, strict=True):
        try:
            answers.append(answer(consumer, key))
        except Exception as error:
            answers.append(error)
    return answers


def session_user(scope):
    """The user the socket's session belongs to now, read afresh (the scope
    holds the session as it was at the connect): anonymous once it ended."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(
        scope["session"].session_key
    )
    return auth.get_user(SimpleNamespace(session=session))
