"""Two-factor sign-in (allauth.mfa) and the rule that staff must use it.

allauth asks for the second factor at every login of an account that has one
(its AuthenticateStage, whichever page the login started on: the admin's
login is allauth's, healingpaws/admin.py). What allauth leaves to the site is
the rule "staff must have one": with MFA_REQUIRED_FOR_STAFF on (by default
when DEBUG is off), a staff member's session that has not passed a second
factor reaches nothing but the pages to set one up (or to prove it, for an
account that has one: a session from before the rule) and signing out.

Whether a session passed a second factor is read from the session itself
(allauth's authentication records, and a mark set when a factor is added in
it): no query on the pages of a session that did. Whether its account is
staff's is decided once per session too (STAFF_DECISION_KEY), so that a
customer's pages cost no query for the rule; the decision holds the
account's groups_version, which a change of its groups moves on: every
session of the account (whether allauth has a row of it or not, and one
that a request in flight saves back) decides again at its next request.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from allauth.mfa.webauthn.views import remove_webauthn
from django.conf import settings
from django.contrib import messages
from django.db.models import F
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .mfa_secrets import secret_decrypt, secret_encrypt
from .models import User
from .roles import DOCTORS_GROUP, FRONT_DESK_GROUP, TRANSLATORS_GROUP

# Any of these makes an account staff: it opens customers' data or the site's
# texts (doctors and the front desk are is_staff too, a group left is enough).
STAFF_GROUPS = (DOCTORS_GROUP, FRONT_DESK_GROUP, TRANSLATORS_GROUP)

# Kinds that are a second factor by themselves (recovery codes only stand in).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# How authenticator apps name the account's entry, and security keys' and
# passkey managers' prompts name the site (allauth's default: the host).
TOTP_ISSUER = "Healing Paws"

# Set in a session when a second factor was added in it (allauth records the
# factors used to log in, not one just set up).
SESSION_MARK = "healingpaws_second_factor"
# In a session: [user id, whether the account is staff's by its groups,
# the account's groups_version then] (staff_decision).
STAFF_DECISION_KEY = "healingpaws_staff_account"

SET_UP_MESSAGE = _(
    "Hospital staff sign in with a second factor. Set up an authenticator app "
    "or a security key to continue."
)
PROVE_MESSAGE = _("Confirm it is you with your second factor to continue.")
LAST_FACTOR_MESSAGE = _(
    "Hospital staff must keep a second factor: add another one before removing "
    "this one."
)

# The pages a held staff session (one that has not passed a second factor)
# may open: to prove the factor it has, and to leave.
PROVE_URL_NAMES = frozenset(
    {
        "account_logout",
        "mfa_reauthenticate",
        "mfa_reauthenticate_webauthn",
        "set_language",
        "javascript-catalog",
        "healthz",
        "favicon",
    }
)
# ... and, only while the account has no second factor at all, to set one up.
# Never once it has one: a password alone must not reach its recovery codes
# or add a security key of its own (either would pass the factor).
SET_UP_URL_NAMES = frozenset(
    {
        "account_reauthenticate",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
    }
)


def is_staff_account(user) -> bool:
    """Whether the account must sign in with a second factor (when the rule
    is on): staff, superusers and members of the staff groups."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=STAFF_GROUPS).exists()


def is_staff_session(request) -> bool:
    """is_staff_account for the session's user, asking the database once per
    session: the flags are on the user's row (read anyway), the groups are
    remembered in the session until they change (forget_staff_decisions)."""
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff or user.is_superuser:
        return True
    decided = request.session.get(STAFF_DECISION_KEY)
    for staff in (True, False):
        if decided == staff_decision(user, staff):
            return staff
    staff = is_staff_account(user)
    request.session[STAFF_DECISION_KEY] = staff_decision(user, staff)
    return staff


def staff_decision(user, staff: bool) -> list:
    """What a session remembers: valid for this account at these groups."""
    return [user.pk, staff, user.groups_version]


@receiver(
    m2m_changed, sender=User.groups.through, dispatch_uid="accounts.staff_decisions"
)
def forget_staff_decisions(sender, instance, action, reverse, pk_set, **kwargs):
    """A user who joins or leaves a group (translators, say) is decided again
    at the next request of each of their signed-in sessions: their
    groups_version moves on. Any way of changing groups but a raw write to
    the table, as for the sockets (accounts/receivers.py)."""
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if not reverse:
        user_ids = {instance.pk}
    elif action == "pre_clear":
        user_ids = set(instance.user_set.values_list("pk", flat=True))
    else:
        user_ids = set(pk_set or ())
    if not user_ids:
        return
    User.objects.filter(pk__in=user_ids).update(groups_version=F("groups_version") + 1)
    if not reverse:  # the instance a caller holds is current too
        instance.refresh_from_db(fields=["groups_version"])


def session_passed_second_factor(request) -> bool:
    if request.session.get(SESSION_MARK) == request.user.pk:
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


@receiver(authenticator_added, dispatch_uid="accounts.second_factor_added")
def mark_session_on_factor_added(sender, request, user, authenticator, **kwargs):
    # Setting up the account's first factor passes it; adding another one
    # does not (only a session that passed already may add one).
    if request is None or authenticator.type not in SECOND_FACTORS:
        return
    others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS)
    if not others.exclude(pk=authenticator.pk).exists():
        request.session[SESSION_MARK] = user.pk


class StaffSecondFactorMiddleware:
    """Sends a staff session that has not passed a second factor to set one
    up (or to use the one it has) before any other page. After
    AuthenticationMiddleware, MessageMiddleware and allauth's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_STAFF and self._held(request):
            return self._detour(request)
        return self.get_response(request)

    def _held(self, request) -> bool:
        user = request.user
        if not user.is_authenticated or session_passed_second_factor(request):
            return False
        url_name = _url_name(request)
        if url_name in PROVE_URL_NAMES or request.path.startswith(settings.STATIC_URL):
            return False
        if not is_staff_session(request):
            return False
        return url_name not in SET_UP_URL_NAMES or has_second_factor(user)

    def _detour(self, request):
        if has_second_factor(request.user):
            # A session from before the rule, or a factor added elsewhere.
            messages.info(request, PROVE_MESSAGE)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        messages.warning(request, SET_UP_MESSAGE)
        return redirect("mfa_index")


def _url_name(request):
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class MFAAdapter(DefaultMFAAdapter):
    """The hospital's name in authenticator apps; secrets stored encrypted
    (accounts/mfa_secrets.py); staff keep a second factor (allauth asks this
    before deactivating the authenticator app)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": LAST_FACTOR_MESSAGE,
    }

    def get_totp_issuer(self) -> str:
        return TOTP_ISSUER

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        return {**super().get_public_key_credential_rp_entity(), "name": TOTP_ISSUER}

    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator) -> bool:
        if not settings.MFA_REQUIRED_FOR_STAFF or authenticator.type not in (
            SECOND_FACTORS
        ):
            return True
        user = authenticator.user
        if not is_staff_account(user):
            return True
        others = Authenticator.objects.filter(
            user=user, type__in=SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        return others.exists()


def remove_security_key(request, pk):
    """allauth's "remove security key", which asks no adapter whether the
    key may go (its authenticator app deactivation does): staff keep their
    last second factor here too. Mounted over allauth's URL."""
    key = Authenticator.objects.filter(
        pk=pk, user_id=request.user.pk, type=Authenticator.Type.WEBAUTHN
    ).first()
    if (
        request.method == "POST"
        and key is not None
        and not get_adapter().can_delete_authenticator(key)
    ):
        messages.error(request, LAST_FACTOR_MESSAGE)
        return redirect("mfa_list_webauthn")
    return remove_webauthn(request, pk=pk)
