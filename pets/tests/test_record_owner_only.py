"""Owner-only, in one place: another customer gets 404 on every record URL,
document, PDF and share link of someone else's pet, and nothing changes; a
revoked or expired share link answers 404 to anyone (issue 15's Done when)."""

import datetime

import pytest
from django.urls import reverse

from core.background import run_ready_tasks
from pets.models import (
    CareDose,
    Certificate,
    RecordBundle,
    RecordShare,
    RefillRequest,
    WeightEntry,
)
from pets.record import bundle, sharing
from pets.tests.record_factories import TODAY, CareDoseFactory, PrescriptionFactory
from pets.tests.test_record_documents import attach

pytestmark = pytest.mark.usefixtures("frozen")

TABS = ["timeline", "care", "weight", "medications", "documents", "sharing"]


@pytest.fixture
def record(pet, customer, doctor, rabies):
    """Rex's whole record: a dose, a prescription, a document, a share link
    and a ZIP a worker built."""
    CareDoseFactory(pet=pet, item=rabies, vet=doctor, given_on=TODAY)
    prescription = PrescriptionFactory(pet=pet, vet=doctor, start_date=TODAY)
    document = attach(pet, doctor, title="Blood panel")
    share, token = sharing.share_create(pet=pet, by=customer, days=3)
    built = bundle.bundle_request(pet=pet, by=customer)
    run_ready_tasks()
    return {
        "prescription": prescription,
        "document": document,
        "share": share,
        "token": token,
        "bundle": built,
    }


def record_urls(pet, record):
    """Every record URL of `pet`, with the method it answers."""
    gets = [
        reverse("pets:detail", args=[pet.pk]) + f"?record={tab}" for tab in TABS
    ] + [
        reverse("pets:certificate", args=[pet.pk]),
        reverse("pets:document", args=[pet.pk, record["document"].pk]),
        reverse("pets:documents-zip", args=[pet.pk]),
        reverse("pets:bundle", args=[pet.pk, record["bundle"].pk]),
    ]
    posts = [
        (
            reverse("pets:weight-report", args=[pet.pk]),
            {"weighed_on": TODAY.isoformat(), "weight_kg": "12.5"},
        ),
        (
            reverse("pets:refill-request", args=[pet.pk, record["prescription"].pk]),
            {"note": "More please"},
        ),
        (reverse("pets:share-create", args=[pet.pk]), {"days": "7"}),
        (reverse("pets:share-revoke", args=[pet.pk, record["share"].pk]), {}),
    ]
    return gets, posts


def counts():
    return (
        CareDose.objects.count(),
        WeightEntry.objects.count(),
        RefillRequest.objects.count(),
        RecordShare.objects.filter(revoked_at__isnull=True).count(),
        Certificate.objects.count(),
        RecordBundle.objects.count(),
    )


@pytest.mark.django_db
def test_another_customer_gets_404_on_every_record_url_and_changes_nothing(
    client, other_customer, pet, record
):
    gets, posts = record_urls(pet, record)
    before = counts()
    client.force_login(other_customer)

    answers = {url: client.get(url).status_code for url in gets}
    answers |= {url: client.post(url, data).status_code for url, data in posts}

    assert answers == dict.fromkeys(answers, 404)
    assert counts() == before


@pytest.mark.django_db
def test_the_owner_reaches_every_record_url(customer_client, pet, record):
    """The same URLs answer the owner: the 404s above are not broken links."""
    gets, _posts = record_urls(pet, record)

    answers = {url: customer_client.get(url).status_code for url in gets}

    assert answers == dict.fromkeys(answers, 200)


@pytest.mark.django_db
def test_the_share_link_opens_without_an_account_until_revoked_or_expired(
    client, customer, pet, record, frozen
):
    url = reverse("pets:shared", args=[record["token"]])
    assert client.get(url).status_code == 200

    sharing.share_revoke(share=record["share"])
    assert client.get(url).status_code == 404

    _share, token = sharing.share_create(pet=pet, by=customer, days=1)
    later = reverse("pets:shared", args=[token])
    assert client.get(later).status_code == 200
    frozen.shift(datetime.timedelta(days=1, seconds=1))
    assert client.get(later).status_code == 404
