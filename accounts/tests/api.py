"""Helpers for the API's tests: a token from allauth's headless app login
(a staff member's through its second-factor stage), and calls that send it."""

import json

from accounts.tests.factories import PASSWORD

LOGIN_URL = "/_allauth/app/v1/auth/login"
MFA_URL = "/_allauth/app/v1/auth/2fa/authenticate"


def app_login(client, user, password=PASSWORD) -> str:
    """Log in as the owners' app does and return its session token."""
    response = client.post(
        LOGIN_URL,
        json.dumps({"username": user.username, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def call(client, method, url, token=None, data=None, **headers):
    if token:
        headers["HTTP_X_SESSION_TOKEN"] = token
    if data is not None:
        headers["data"] = json.dumps(data)
        headers["content_type"] = "application/json"
    return getattr(client, method)(url, **headers)


def app_login_pending(client, user, password=PASSWORD) -> str:
    """A staff member's app login up to its second factor: the pending
    login's token (which opens nothing yet)."""
    response = client.post(
        LOGIN_URL,
        json.dumps({"username": user.username, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 401, response.content
    body = response.json()
    pending = [flow for flow in body["data"]["flows"] if flow.get("is_pending")]
    assert [flow["id"] for flow in pending] == ["mfa_authenticate"]
    assert body["meta"]["is_authenticated"] is False
    return body["meta"]["session_token"]


def staff_app_login(client, user, secret) -> str:
    """A staff member's token: the password, then the code the
    authenticator app shows for `secret`."""
    from accounts.tests.second_factor import totp_code

    pending = app_login_pending(client, user)
    response = client.post(
        MFA_URL,
        json.dumps({"code": totp_code(secret)}),
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=pending,
    )
    assert response.status_code == 200, response.content
    assert response.json()["meta"]["is_authenticated"] is True
    # The session's key changes at the login: a new token, the pending one
    # opens nothing.
    token = response.json()["meta"]["session_token"]
    assert token != pending
    return token
