"""An owner's first steps through the API only: sign up, verify the address
with the key from the e-mail, log in with a token, fill in the profile, add a
pet with a photo, see it listed."""

import json
import re

import pytest
from django.core import mail

from accounts.tests.api import call
from core.background import run_ready_tasks
from core.tests.images import png

pytestmark = pytest.mark.django_db

APP = "/_allauth/app/v1"


def _post(client, url, data, token=None):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(
        url, json.dumps(data), content_type="application/json", **headers
    )


def test_owner_signs_up_verifies_and_adds_a_pet_through_the_api(client):
    signup = _post(
        client,
        f"{APP}/auth/signup",
        {
            "username": "appowner",
            "email": "appowner@example.com",
            "password": "a-long-pass-123",
            "accept_rules": True,
        },
    )
    assert signup.status_code == 401  # verification pending
    pending = signup.json()["meta"]["session_token"]
    run_ready_tasks()
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body)[1]

    verified = _post(client, f"{APP}/auth/email/verify", {"key": key}, pending)

    assert verified.status_code == 200
    token = verified.json()["meta"]["session_token"]
    profile = call(client, "patch", "/api/v1/profile/", token, {"phone": "021 5555"})
    assert profile.json()["phone"] == "021 5555"
    added = call(
        client, "post", "/api/v1/pets/", token, {"name": "Mochi", "species": "cat"}
    )
    assert added.status_code == 201
    pet_id = added.json()["id"]
    photo = client.post(
        f"/api/v1/pets/{pet_id}/photo/", {"photo": png()}, HTTP_X_SESSION_TOKEN=token
    )
    assert photo.json()["has_photo"] is True
    listed = call(client, "get", "/api/v1/pets/", token).json()["results"]
    assert [(pet["name"], pet["has_photo"]) for pet in listed] == [("Mochi", True)]
    # Logging out ends the token.
    client.delete(f"{APP}/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert call(client, "get", "/api/v1/pets/", token).status_code == 401
