"""The CSP allows no inline style or script (settings.CONTENT_SECURITY_POLICY):
no page may carry a style="…" attribute, a <script> without src or an on…=
handler, or the browser drops it (allauth's own templates had one). Every
main page is rendered here with data that shows its optional parts."""

import re

import pytest
from allauth.account.models import EmailAddress

from consultation.tests.factories import MessageFactory, ThreadFactory
from pets.tests.factories import PetFactory
from reservations.tests.factories import book

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/",
    "/terms/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/key/1-bad-token/",
    "/accounts/confirm-email/bad-key/",
]
CUSTOMER_PAGES = [
    "/",
    "/pets/",
    "/pets/new/",
    "/pets/{pet}/",
    "/pets/{pet}/edit/",
    "/pets/{pet}/archive/",
    "/reservations/",
    "/reservations/new/",
    "/reservations/{visit}/",
    "/reservations/{visit}/edit/",
    "/reservations/{visit}/cancel/",
    "/consultation/",
    "/consultation/new/",
    "/consultation/{thread}/",
    "/notifications/",
    "/accounts/profile/",
    "/accounts/email/",
    "/accounts/password/change/",
]
DOCTOR_PAGES = [
    "/admin/",
    "/admin/reservations/reservation/",
    "/admin/reservations/reservation/{visit}/change/",
    "/admin/reservations/reservation/queue/",
    "/admin/consultation/thread/",
    "/admin/consultation/thread/{thread}/change/",
    "/admin/pets/pet/",
    "/admin/pets/pet/{pet}/change/",
    "/admin/accounts/user/",
]


def inline_markup(html):
    """Every tag the CSP would refuse to honour."""
    return (
        re.findall(r"<[^>]*\sstyle=[^>]*>", html)
        + re.findall(r"<[^>]*\son[a-z]+=[^>]*>", html)
        + [
            tag
            for tag in re.findall(r"<script\b[^>]*>", html)
            if "src=" not in tag and 'type="application/json"' not in tag
        ]
    )


@pytest.fixture
def objects(customer):
    pet = PetFactory(owner=customer)
    visit = book(pet)
    thread = ThreadFactory(customer=customer, pet=pet)
    MessageFactory(thread=thread)
    # A change of address waiting for its confirmation: /accounts/email/
    # then shows allauth's hidden "re-send" form.
    EmailAddress.objects.create(
        user=customer, email="alice.new@example.com", verified=False, primary=False
    )
    return {"pet": pet.pk, "visit": visit.pk, "thread": thread.pk}


def _check(client, pages, objects=None):
    offenders = {}
    for page in pages:
        url = page.format(**(objects or {}))
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        found = inline_markup(response.content.decode())
        if found:
            offenders[url] = found
    assert offenders == {}


def test_no_public_page_has_inline_style_or_script(client):
    _check(client, ANONYMOUS_PAGES)


def test_no_customer_page_has_inline_style_or_script(client, customer, objects):
    client.force_login(customer)
    _check(client, CUSTOMER_PAGES, objects)


def test_no_dashboard_page_has_inline_style_or_script(client, doctor, objects):
    client.force_login(doctor)
    _check(client, DOCTOR_PAGES, objects)


def test_the_scan_finds_inline_style_and_script():
    html = (
        '<form style="display: none"><script>alert(1)</script>'
        '<img src="x" onerror="alert(1)"><script src="/s.js"></script>'
    )
    assert len(inline_markup(html)) == 3
