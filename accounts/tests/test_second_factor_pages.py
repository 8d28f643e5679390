"""The two-factor pages: in the site's layout, in both languages, with no
script the CSP would block."""

import re

import pytest
from django.urls import reverse

from accounts.tests.second_factor import (
    AUTHENTICATE_URL,
    log_in_with_password,
    with_recovery_codes,
    with_totp,
)

pytestmark = pytest.mark.django_db

# With an authenticator app (its activation page sends to deactivation).
MANAGE_PAGES = [
    "mfa_index",
    "mfa_deactivate_totp",
    "mfa_add_webauthn",
    "mfa_list_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
]

# A script element the CSP (script-src 'self') lets run or ignore: a file,
# or data for allauth's own scripts.
ALLOWED_SCRIPT = re.compile(r'<script\b[^>]*( src="/|type="application/json")')


def _reauthenticated(client, user, password):
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": password})
    return client


def _assert_in_site_layout(response):
    text = response.text
    assert response.status_code == 200
    assert 'class="card-body p-4 account-card"' in text  # allauth/layouts/base
    for script in re.findall(r"<script[^>]*>", text):
        assert ALLOWED_SCRIPT.search(script), script
    assert ' style="' not in text


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_the_manage_pages_are_in_the_site_layout(client, customer, password, name):
    with_totp(customer)
    with_recovery_codes(customer)
    _reauthenticated(client, customer, password)

    _assert_in_site_layout(client.get(reverse(name)))


def test_the_activation_page_shows_the_qr_code_and_the_secret(
    client, customer, password
):
    _reauthenticated(client, customer, password)

    response = client.get(reverse("mfa_activate_totp"))

    _assert_in_site_layout(response)
    secret = response.context["form"].secret
    assert 'src="data:image/svg+xml;base64,' in response.text
    assert f'value="{secret}"' in response.text
    assert response.context["totp_url"].endswith(
        f"secret={secret}&issuer=Healing%20Paws"
    )


def test_the_security_key_page_names_the_hospital_to_the_key(
    client, customer, password
):
    _reauthenticated(client, customer, password)

    response = client.get(reverse("mfa_add_webauthn"))

    _assert_in_site_layout(response)
    options = response.context["js_data"]["creation_options"]["publicKey"]
    assert options["rp"] == {"id": "testserver", "name": "Healing Paws"}
    assert '<script type="module" src="/static/js/security-key.js">' in response.text


def test_the_code_page_is_in_the_site_layout(client, doctor, password):
    with_totp(doctor)
    log_in_with_password(client, doctor, password)

    _assert_in_site_layout(client.get(AUTHENTICATE_URL))


def test_the_pages_speak_chinese(client, customer, password):
    customer.preferred_language = "zh-hans"
    customer.save()
    _reauthenticated(client, customer, password)

    index = client.get(reverse("mfa_index"))
    activate = client.get(reverse("mfa_activate_totp"))

    assert "两步验证" in index.text or "双因素" in index.text
    assert '<html lang="zh-hans"' in activate.text


def test_the_profile_links_to_two_factor_sign_in(customer_client):
    response = customer_client.get(reverse("accounts:profile"))

    assert f'href="{reverse("mfa_index")}"' in response.text
