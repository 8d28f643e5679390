"""Helpers for the API's tests: a token from allauth's headless app login,
and calls that send it."""

import json

from accounts.tests.factories import PASSWORD

LOGIN_URL = "/_allauth/app/v1/auth/login"


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
