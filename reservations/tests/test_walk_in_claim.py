"""Review M3 and L1 of issue 16: the claim invitation goes to whatever address
the desk typed, so claiming a walk-in's account also takes the claim code the
desk handed to the customer (accounts/claim_codes.py); the link and the code
last a week, and the invitation says until when."""

import datetime
import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from accounts.claim_codes import MAX_ATTEMPTS, ClaimCode
from accounts.unclaimed import is_unclaimed
from core.tests.mail import sent_mail
from reservations import services
from reservations.models import Triage
from reservations.tests.factories import make_front_desk, today_at

pytestmark = pytest.mark.django_db

PASSWORD = "a long new password 42"


def _walk_in(email="fang@exmaple.com"):  # the desk's typo: a stranger's address
    return services.walk_in_register(
        by=make_front_desk(username="reception"),
        reason="Vomiting blood since this morning.",
        triage=Triage.EMERGENCY,
        customer_name="Wang Fang",
        customer_phone="138 0013 8000",
        customer_email=email,
        pet_name="Doudou",
        pet_species="cat",
    )


def _link(message):
    return re.search(r"https?://\S+/accounts/claim/\S+", message.body).group(0)


def _claim(client, link, code):
    return client.post(
        link, {"claim_code": code, "password1": PASSWORD, "password2": PASSWORD}
    )


def _signs_in(client, email):
    response = client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD}
    )
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_whoever_owns_the_typed_address_cannot_claim_without_the_code(client, at_ten):
    visit = _walk_in()
    (invitation,) = sent_mail()

    page = client.get(_link(invitation))
    refused = _claim(client, _link(invitation), "ABCD-EFGH")

    assert "Claim code" in page.content.decode()
    assert refused.status_code == 400
    assert "This claim code is not right." in refused.content.decode()
    owner = visit.pet.owner
    owner.refresh_from_db()
    assert is_unclaimed(owner)
    assert not EmailAddress.objects.get(user=owner).verified
    assert not _signs_in(client, "fang@exmaple.com")
    assert client.get(visit.get_absolute_url()).status_code != 200


def test_the_customer_with_the_desks_code_claims_the_account_once(client, at_ten):
    visit = _walk_in("fang@example.com")
    (invitation,) = sent_mail()
    # Typed as it reads, in lower case and without the dash.
    typed = visit.new_claim_code.lower().replace("-", " ")

    done = _claim(client, _link(invitation), typed)

    assert done.status_code == 302
    assert done["Location"] == reverse("account_login")
    owner = visit.pet.owner
    owner.refresh_from_db()
    assert not is_unclaimed(owner)
    assert EmailAddress.objects.get(user=owner).verified
    assert not ClaimCode.objects.filter(user=owner).exists()
    assert _signs_in(client, "fang@example.com")
    assert "Vomiting blood" in client.get(visit.get_absolute_url()).content.decode()
    client.logout()
    again = client.get(_link(invitation))
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode()


def test_too_many_wrong_codes_lock_the_claim_until_the_desk_issues_a_new_one(
    client, at_ten
):
    visit = _walk_in("fang@example.com")
    (invitation,) = sent_mail()
    for _ in range(MAX_ATTEMPTS):
        _claim(client, _link(invitation), "AAAA-AAAA")

    locked = _claim(client, _link(invitation), visit.new_claim_code)

    assert locked.status_code == 400
    assert "Too many wrong claim codes: ask our front desk" in locked.content.decode()
    owner = visit.pet.owner
    owner.refresh_from_db()
    assert is_unclaimed(owner)


def test_the_link_and_the_code_last_a_week_and_the_invitation_says_until_when(
    client, at_ten, settings
):
    settings.LANGUAGE_CODE = "en"
    visit = _walk_in("fang@example.com")
    (invitation,) = sent_mail()
    deadline = ClaimCode.objects.get(user=visit.pet.owner).expires_at

    assert deadline - today_at(10, 10) == datetime.timedelta(days=7)
    assert "This link and the code work until" in invitation.body
    assert re.search(r"work until \w+\.? \d+, 20\d\d", invitation.body)
    at_ten.move_to(deadline - datetime.timedelta(minutes=1), tick=False)
    assert client.get(_link(invitation)).status_code == 200
    at_ten.move_to(deadline, tick=False)
    assert client.get(_link(invitation)).status_code == 404
    assert _claim(client, _link(invitation), visit.new_claim_code).status_code == 404
    assert is_unclaimed(visit.pet.owner)


def test_forgot_password_sends_the_claim_invitation_again_never_a_reset_key(
    client, at_ten
):
    _walk_in()
    sent_mail()

    client.post(reverse("account_reset_password"), {"email": "fang@exmaple.com"})

    (message,) = sent_mail()
    assert "Your account at the hospital is ready" in message.subject
    assert "/accounts/claim/" in message.body
    assert "/password/reset/key/" not in message.body
    assert "Wang Fang" not in message.body


def test_a_password_reset_key_never_claims_an_unclaimed_account(client, at_ten):
    owner = _walk_in().pet.owner
    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(owner),
            "key": default_token_generator.make_token(owner),
        },
    )

    page = client.get(url, follow=True)

    assert "This link no longer works" in page.content.decode()
    assert not default_token_generator.check_token(owner, url.split("/")[-2])


def test_the_invitation_without_a_code_in_force_says_to_ask_the_desk(client, at_ten):
    owner = _walk_in("fang@example.com").pet.owner
    sent_mail()
    at_ten.move_to(today_at(10, 10) + datetime.timedelta(days=8), tick=False)

    client.post(reverse("account_reset_password"), {"email": "fang@example.com"})

    (message,) = sent_mail()
    assert "/accounts/claim/" not in message.body
    assert "ask our front desk for a new claim code" in message.body
    assert is_unclaimed(owner)


def test_the_claim_page_speaks_chinese_too(client, at_ten):
    visit = _walk_in("fang@example.com")
    (invitation,) = sent_mail()

    page = client.get(_link(invitation), HTTP_ACCEPT_LANGUAGE="zh-hans")
    refused = client.post(
        _link(invitation),
        {"claim_code": "AAAA-AAAA", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert 'lang="zh-hans"' in page.content.decode()
    assert 'name="claim_code"' in page.content.decode()
    assert refused.status_code == 400
    assert 'lang="zh-hans"' in refused.content.decode()
    assert is_unclaimed(visit.pet.owner)
