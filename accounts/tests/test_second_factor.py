"""Two-factor sign-in: asked at every login of an account that has a second
factor, and required of staff when MFA_REQUIRED_FOR_STAFF is on."""

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.second_factor import (
    LAST_FACTOR_MESSAGE,
    PROVE_MESSAGE,
    SESSION_MARK,
    SET_UP_MESSAGE,
)
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import (
    AUTHENTICATE_URL,
    log_in_with_password,
    totp_code,
    with_recovery_codes,
    with_totp,
)
from accounts.tests.sockets import (
    closed_with,
    connected,
    doctor_after_a_flush,
    socket,
)
from core.sockets import CLOSE_NOT_SIGNED_IN

pytestmark = pytest.mark.django_db

ADMIN_URL = reverse("admin:index")


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_a_doctor_with_an_authenticator_app_gives_its_code_after_the_password(
    client, doctor, password
):
    secret = with_totp(doctor)

    response = log_in_with_password(client, doctor, password)

    assert response["Location"] == AUTHENTICATE_URL
    assert SESSION_KEY not in client.session  # not signed in yet
    assert client.get(ADMIN_URL).status_code == 302
    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    assert response["Location"] == ADMIN_URL
    assert client.session[SESSION_KEY] == str(doctor.pk)
    assert client.get(ADMIN_URL).status_code == 200


def test_a_wrong_code_is_refused(client, doctor, password):
    secret = with_totp(doctor)
    log_in_with_password(client, doctor, password)

    wrong = totp_code(secret, periods_from_now=5)
    response = client.post(AUTHENTICATE_URL, {"code": wrong})

    assert response.status_code == 200
    assert "Incorrect code." in response.context["form"].errors["code"]
    assert SESSION_KEY not in client.session


def test_code_entry_is_rate_limited_per_account(client, doctor, password):
    secret = with_totp(doctor)
    log_in_with_password(client, doctor, password)
    for _ in range(5):
        client.post(AUTHENTICATE_URL, {"code": "000000"})

    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})

    assert SESSION_KEY not in client.session
    assert response.status_code == 200
    assert "Too many failed login attempts" in str(response.context["form"].errors)


def test_each_recovery_code_works_once(client, doctor, password):
    with_totp(doctor)
    first, second = with_recovery_codes(doctor)[:2]

    log_in_with_password(client, doctor, password)
    assert client.post(AUTHENTICATE_URL, {"code": first})["Location"] == ADMIN_URL
    client.post(reverse("account_logout"))

    log_in_with_password(client, doctor, password)
    response = client.post(AUTHENTICATE_URL, {"code": first})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert client.post(AUTHENTICATE_URL, {"code": second})["Location"] == ADMIN_URL


def test_a_customer_with_an_authenticator_app_is_asked_too(client, customer, password):
    secret = with_totp(customer)

    assert log_in_with_password(client, customer, password)["Location"] == (
        AUTHENTICATE_URL
    )
    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    assert response["Location"] == reverse("pets:list")


def test_without_the_rule_a_doctor_without_a_second_factor_reaches_the_dashboard(
    client, doctor, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False

    assert log_in_with_password(client, doctor, password)["Location"] == ADMIN_URL
    assert client.get(ADMIN_URL).status_code == 200


def test_a_doctor_without_a_second_factor_is_sent_to_set_one_up(
    required, client, doctor, password
):
    log_in_with_password(client, doctor, password)

    for url in [ADMIN_URL, reverse("pets:list"), reverse("accounts:profile")]:
        response = client.get(url)
        assert response["Location"] == reverse("mfa_index"), url
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert str(SET_UP_MESSAGE) in _messages(response)


@pytest.mark.django_db(transaction=True)  # allauth marks it after the commit
def test_setting_up_an_authenticator_app_opens_the_dashboard(
    required, client, password
):
    # An earlier transactional test's flush may have emptied the Doctors group.
    doctor = doctor_after_a_flush(username="dr_new")
    log_in_with_password(client, doctor, password)

    # allauth asks for the password again before a factor is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=doctor, type=Authenticator.Type.TOTP
    ).exists()
    assert client.get(ADMIN_URL).status_code == 200
    # Its next login asks for the code.
    client.post(reverse("account_logout"))
    assert log_in_with_password(client, doctor, password)["Location"] == (
        AUTHENTICATE_URL
    )


def test_a_doctor_without_a_second_factor_can_still_sign_out(
    required, client, doctor, password
):
    log_in_with_password(client, doctor, password)

    client.post(reverse("account_logout"))

    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("flag", "group"),
    [
        ("is_staff", None),
        ("is_superuser", None),
        (None, "Doctors"),
        (None, "Front desk"),
        (None, "translators"),
    ],
)
def test_every_kind_of_staff_is_held(required, client, password, flag, group):
    user = UserFactory(username="staffer")
    if flag:
        setattr(user, flag, True)
        user.save()
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    log_in_with_password(client, user, password)

    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")


def test_a_customer_is_not_held(required, client, customer, password):
    log_in_with_password(client, customer, password)

    assert client.get(reverse("pets:list")).status_code == 200


def test_a_session_that_did_not_pass_its_accounts_second_factor_must_prove_it(
    required, client, doctor
):
    secret = with_totp(doctor)
    client.force_login(doctor)  # a session from before the rule

    response = client.get(ADMIN_URL)

    assert response["Location"] == (reverse("mfa_reauthenticate") + "?next=%2Fadmin%2F")
    page = client.get(response["Location"])
    assert str(PROVE_MESSAGE) in _messages(page)
    response = client.post(
        response["Location"], {"code": totp_code(secret)}, follow=False
    )
    assert response["Location"] == ADMIN_URL
    assert client.get(ADMIN_URL).status_code == 200


@pytest.mark.parametrize(
    "page",
    [
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_add_webauthn",
        "mfa_activate_totp",
        "account_reauthenticate",
    ],
)
def test_a_password_alone_cannot_reach_the_factor_it_has_not_passed(
    required, client, doctor, password, page
):
    with_totp(doctor)
    with_recovery_codes(doctor)
    client.force_login(doctor)  # the password, not the code (a stolen one)

    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_the_recovery_codes_of_a_held_session_stay_out_of_its_reach(
    required, client, doctor, password
):
    with_totp(doctor)
    with_recovery_codes(doctor)
    client.force_login(doctor)

    client.post(reverse("account_reauthenticate"), {"password": password})
    codes_page = client.get(reverse("mfa_view_recovery_codes"))

    assert "unused_codes" not in (codes_page.context or {})
    assert client.get(ADMIN_URL).status_code == 302
    assert SESSION_MARK not in client.session


def test_staff_cannot_deactivate_their_only_second_factor(
    required, client, doctor, password
):
    secret = with_totp(doctor)
    log_in_with_password(client, doctor, password)
    client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": password})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert Authenticator.objects.filter(user=doctor).exists()
    assert str(LAST_FACTOR_MESSAGE) in str(response.context["form"].errors)


def test_a_customer_may_deactivate_their_authenticator_app(
    required, client, customer, password
):
    secret = with_totp(customer)
    log_in_with_password(client, customer, password)
    client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": password})

    client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=customer).exists()


# --- sockets ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/notifications/", "/ws/dashboard/"])
async def test_a_held_staff_session_gets_no_socket(settings, path):
    settings.MFA_REQUIRED_FOR_STAFF = True
    doctor = await sync_to_async(doctor_after_a_flush)(username="dr_held")
    communicator = await socket(path, doctor)  # password only (force_login)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_staff_session_past_its_second_factor_gets_its_socket(
    settings, password
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    doctor = await sync_to_async(doctor_after_a_flush)(username="dr_ok")
    cookie = await sync_to_async(_signed_in_with_code)(doctor, password)

    communicator, _greetings = await connected(
        "/ws/notifications/", None, cookie=cookie
    )
    await communicator.disconnect()


def _signed_in_with_code(user, password):
    secret = with_totp(user)
    browser = Client()
    log_in_with_password(browser, user, password)
    browser.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    return browser.cookies["sessionid"].value


def _security_key(user):
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Master key", "credential": {}},
    )


@pytest.mark.parametrize("with_app", [False, True])
def test_staff_keep_their_last_security_key(
    required, client, doctor, password, with_app
):
    key = _security_key(doctor)
    if with_app:
        with_totp(doctor)
    client.force_login(doctor)
    session = client.session
    session[SESSION_MARK] = doctor.pk  # as if it had set up its factors here
    session.save()
    client.post(reverse("account_reauthenticate"), {"password": password})
    url = reverse("mfa_remove_webauthn", args=[key.pk])
    assert url == reverse("accounts:remove-security-key", args=[key.pk])

    response = client.post(url, follow=True)

    assert Authenticator.objects.filter(pk=key.pk).exists() != with_app
    if not with_app:
        assert str(LAST_FACTOR_MESSAGE) in _messages(response)


def test_a_customer_may_remove_their_only_security_key(
    required, client, customer, password
):
    key = _security_key(customer)
    client.force_login(customer)
    client.post(reverse("account_reauthenticate"), {"password": password})

    client.post(reverse("mfa_remove_webauthn", args=[key.pk]))

    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_another_users_security_key_is_404(
    required, client, customer, doctor, password
):
    key = _security_key(doctor)
    client.force_login(customer)
    client.post(reverse("account_reauthenticate"), {"password": password})

    response = client.post(reverse("mfa_remove_webauthn", args=[key.pk]))

    assert response.status_code == 404
    assert Authenticator.objects.filter(pk=key.pk).exists()
