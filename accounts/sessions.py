"""Signed-in devices (allauth.usersessions) and what the site adds to them.

allauth keeps a row per signed-in session (browser, IP, when it started) and
lets a user sign the other ones out (/accounts/sessions/). Here:
- signing a session out also closes that session's open sockets, and only
  its own (core.sockets.session_tag names it in the "session.end" event);
- "last seen" is kept up to date without a query per request: at most once
  every LAST_SEEN_EVERY_SECONDS per session (allauth's own tracking would
  write on every request);
- staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request,
  "remember me" or not (customers keep it): the session's expiry is moved
  on at most every minute by the person's own requests (not by a page
  redrawing itself on a push), and an expired session is anonymous
  everywhere, its sockets included (they re-read it). A staff session
  without the rule's mark (signed in before the rule, or some other way
  than allauth's sign-in, or by an account made staff since) gets it at
  its next request and times out from then on: not signed out for it, its
  last request being unknown. (The tests raise the timeout, conftest.py,
  for the sessions of force_login that jump the clock);
- the browser is named for people ("Chrome on Android"), not shown as its
  raw User-Agent header.
"""

import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.signals import user_logged_in
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.signals import user_logged_in as django_user_logged_in
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext

from core.realtime import push_after_commit
from core.sockets import session_tag

from .notifications import notification_group
from .second_factor import STAFF_DECISION_KEY, is_staff_account, staff_decision

LAST_SEEN_EVERY_SECONDS = 5 * 60
# When this session's row was last told it was seen (a timestamp).
LAST_SEEN_KEY = "healingpaws_last_seen"
# In a staff member's session: when its idle expiry was last moved on.
STAFF_IDLE_KEY = "healingpaws_staff_active"
STAFF_IDLE_REFRESH_SECONDS = 60
# Sent by static/js/lib/live-regions.js when a page re-reads itself after a
# push: not a sign of anybody's activity.
LIVE_REFRESH_HEADER = "X-Live-Refresh"


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        for session in sessions:
            user_id, tag = session.user_id, session_tag(session.session_key)
            session.end()
            push_after_commit(
                notification_group(user_id),
                {"type": "session.end", "session": tag},
                label=f"end of a session of user {user_id}",
            )


@receiver(user_logged_in, dispatch_uid="accounts.sessions.start_last_seen")
def start_last_seen(sender, request, user, **kwargs):
    # allauth has just written the session's row; a session without this
    # mark (signed in some other way) has none to update.
    request.session[LAST_SEEN_KEY] = time.time()
    staff = is_staff_account(user)
    # Decided once per login: the middlewares ask the session, not the
    # database (second_factor.is_staff_session).
    request.session[STAFF_DECISION_KEY] = staff_decision(user, staff)
    if staff:
        # (Set after allauth's "remember me", which the middleware then
        # overrides at the end of this very request.)
        request.session[STAFF_IDLE_KEY] = 0.0
        # The app's token session, which no middleware sees: idle from its
        # login, staff by their groups too (translators), whose session
        # Django's login left at the default age.
        request.session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)


@receiver(django_user_logged_in, dispatch_uid="accounts.sessions.idle_from_login")
def start_idle_rule_at_login(sender, request, user, **kwargs):
    # Any sign-in of an account staff by its flags (Django's login() sends
    # this; allauth's, above, then does its part): the rule starts with the
    # session, saved by the sign-in anyway, not by a write at its first
    # request. Staff by their groups only (translators) start at that one.
    session = getattr(request, "session", None)
    if session is not None and (user.is_staff or user.is_superuser):
        session[STAFF_IDLE_KEY] = time.time()
        session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)


class SessionActivityMiddleware:
    """Keeps the session's "last seen" (and address and browser) current,
    and a staff session's idle expiry. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get(LIVE_REFRESH_HEADER):
            # A page redrawing itself on a push: nobody is at the keyboard,
            # and any write to the session would move its expiry on.
            response = self.get_response(request)
            bring_under_idle_rule(request)
            return response
        seen = _last_seen(request)
        if seen is not None and time.time() - seen > LAST_SEEN_EVERY_SECONDS:
            _record_seen(request)
        response = self.get_response(request)
        move_staff_expiry_on(request)
        return response


def move_staff_expiry_on(request):
    """A staff session's idle expiry moved on; `request` is anything with
    `user` and `session` (the API passes a session token's)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return  # signed out by this request, or never in
    active = request.session.get(STAFF_IDLE_KEY)
    if active is None:
        if not _known_staff(request):
            return  # a customer's
        # A staff session without the mark (see above): the rule starts now.
        active = 0.0
    timeout = settings.STAFF_IDLE_TIMEOUT_SECONDS
    refresh = min(STAFF_IDLE_REFRESH_SECONDS, timeout / 2)
    if time.time() - active > refresh or request.session.get_expiry_age() > timeout:
        request.session[STAFF_IDLE_KEY] = time.time()
        request.session.set_expiry(timeout)


def bring_under_idle_rule(request):
    """A staff session without the idle rule's mark gets it and its expiry,
    once, even from a redraw (an unattended dashboard would otherwise keep
    "remember me" for good); a marked one is left as it is: a redraw is
    nobody's activity."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    if STAFF_IDLE_KEY in request.session or not _known_staff(request):
        return
    request.session[STAFF_IDLE_KEY] = time.time()
    request.session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)


def _known_staff(request) -> bool:
    """Staff by what costs no query: the flags on the user's row (doctors and
    the front desk are is_staff), or the session's decision (a translator's,
    made by the second-factor rule)."""
    user = request.user
    if user.is_staff or user.is_superuser:
        return True
    return request.session.get(STAFF_DECISION_KEY) == staff_decision(user, True)


def _last_seen(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return request.session.get(LAST_SEEN_KEY)


def _record_seen(request):
    request.session[LAST_SEEN_KEY] = time.time()
    UserSession.objects.filter(
        session_key=request.session.session_key, user=request.user
    ).update(
        last_seen_at=timezone.now(),
        ip=get_account_adapter().get_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_LENGTH],
    )


_USER_AGENT_LENGTH = UserSession._meta.get_field("user_agent").max_length

# Most specific first: Edge and Opera also say "Chrome", Chrome says "Safari".
_BROWSERS = [
    ("MicroMessenger/", "WeChat"),
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def device_name(user_agent: str) -> str:
    """'Chrome on Android', from a User-Agent header; 'Unknown browser' when
    it names none we know."""
    browser = _first(_BROWSERS, user_agent)
    system = _first(_SYSTEMS, user_agent)
    if browser and system:
        return gettext("%(browser)s on %(system)s") % {
            "browser": browser,
            "system": system,
        }
    return browser or system or gettext("Unknown browser")


def _first(known, user_agent):
    for marker, name in known:
        if marker in (user_agent or ""):
            return name
    return None
