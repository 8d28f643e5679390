"""The upload limit the forms and pages state comes from IMAGE_UPLOAD_MAX_BYTES."""

import pytest
from django.urls import reverse

from consultation.forms import MessageForm
from core.images import IMAGE_UPLOAD_HELP
from pets.forms import PetForm


def test_the_upload_help_states_the_limit_of_the_setting(settings):
    assert str(IMAGE_UPLOAD_HELP) == "JPEG, PNG or WebP, up to 10 MB."

    settings.IMAGE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024

    assert str(IMAGE_UPLOAD_HELP) == "JPEG, PNG or WebP, up to 5 MB."
    assert str(PetForm().fields["photo"].help_text) == str(IMAGE_UPLOAD_HELP)
    assert str(MessageForm().fields["photo"].help_text) == str(IMAGE_UPLOAD_HELP)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["accounts:profile", "pets:new"])
def test_the_upload_pages_state_the_limit_of_the_setting(
    page, customer_client, settings
):
    settings.IMAGE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024

    html = customer_client.get(reverse(page)).content.decode()

    assert "JPEG, PNG or WebP, up to 5 MB." in html
    assert "10 MB" not in html
