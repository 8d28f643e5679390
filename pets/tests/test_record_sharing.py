"""Share links: the owner makes, lists and revokes them; anyone with a
usable link reads the record, each opening logged; nobody else gets in."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from pets.models import CareItem, RecordShare, RecordShareOpen, WeightEntry
from pets.record import alerts, sharing
from pets.record.sharing import SHARES_PER_HOUR
from pets.tests.documents_samples import pdf_bytes
from pets.tests.factories import PetFactory
from pets.tests.record_factories import NOW, CareDoseFactory, PrescriptionFactory
from pets.tests.test_record_documents import attach

pytestmark = pytest.mark.usefixtures("frozen")


def make_link(client, pet, days="7", recipient="Green Clinic"):
    return client.post(
        reverse("pets:share-create", args=[pet.pk]),
        {"days": days, "recipient": recipient},
    )


def shared_url(token):
    return reverse("pets:shared", args=[token])


@pytest.mark.django_db
def test_the_owner_makes_a_link_shown_once_and_stored_hashed(customer_client, pet):
    response = make_link(customer_client, pet)

    assert response.status_code == 200
    url = response.context["share_url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    share = RecordShare.objects.get()
    assert share.token_hash == sharing.token_hash(token)
    assert token not in share.token_hash
    assert share.expires_at == NOW + datetime.timedelta(days=7)
    assert share.recipient == "Green Clinic"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "31", "x"])
def test_a_link_lasts_from_1_to_30_days(customer_client, pet, days):
    response = make_link(customer_client, pet, days=days)

    assert response.status_code == 302
    assert not RecordShare.objects.exists()


def test_the_service_refuses_more_than_30_days(pet, customer):
    with pytest.raises(ValidationError, match="from 1 to 30 days"):
        sharing.share_create(pet=pet, by=customer, days=31)


@pytest.mark.django_db
def test_link_making_is_rate_limited(customer_client, pet):
    for _number in range(SHARES_PER_HOUR):
        assert make_link(customer_client, pet).status_code == 200

    response = make_link(customer_client, pet)

    assert response.status_code == 302
    assert RecordShare.objects.count() == SHARES_PER_HOUR
    page = customer_client.get(response["Location"]).content.decode()
    assert "please wait a little" in page


@pytest.mark.django_db
def test_anyone_with_the_link_reads_the_record_and_the_opening_is_logged(
    client, pet, customer, doctor
):
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    CareDoseFactory(pet=pet, item=rabies, vet=doctor, batch_number="RB-2291")
    WeightEntry.objects.create(
        pet=pet,
        weight_kg="31.40",
        weighed_on=datetime.date(2026, 6, 1),
        source="doctor",
        recorded_by=doctor,
    )
    PrescriptionFactory(pet=pet, vet=doctor, drug="Carprofen 75 mg")
    customer.phone = "+86 138 0000 1111"
    customer.save()
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)

    response = client.get(shared_url(token), REMOTE_ADDR="203.0.113.9")

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Rex", "RB-2291", "31.4", "Carprofen 75 mg", customer.name):
        assert text in html
    assert customer.email not in html
    assert "138 0000 1111" not in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    opening = RecordShareOpen.objects.get()
    assert opening.ip_address == "203.0.113.9"
    assert opening.opened_at == NOW


@pytest.mark.django_db
def test_the_owner_sees_the_links_and_their_openings(customer_client, pet, customer):
    _share, token = sharing.share_create(
        pet=pet, by=customer, days=3, recipient="Green Clinic"
    )
    customer_client.get(shared_url(token), REMOTE_ADDR="203.0.113.9")

    html = customer_client.get(
        reverse("pets:detail", args=[pet.pk]) + "?record=sharing"
    ).content.decode()

    assert "Green Clinic" in html
    assert "Opened once" in html
    assert "203.0.113.9" in html
    assert token not in html


@pytest.mark.django_db
def test_a_revoked_link_answers_404(customer_client, client, pet, customer):
    share, token = sharing.share_create(pet=pet, by=customer, days=3)

    response = customer_client.post(
        reverse("pets:share-revoke", args=[pet.pk, share.pk])
    )

    assert response.status_code == 302
    customer_client.logout()
    assert client.get(shared_url(token)).status_code == 404
    assert not RecordShareOpen.objects.exists()


@pytest.mark.django_db
def test_an_expired_link_answers_404(client, pet, customer, frozen):
    _share, token = sharing.share_create(pet=pet, by=customer, days=2)
    frozen.shift(datetime.timedelta(days=2, seconds=1))

    assert client.get(shared_url(token)).status_code == 404


@pytest.mark.django_db
def test_an_unknown_token_answers_404(client, pet, customer):
    sharing.share_create(pet=pet, by=customer, days=2)

    assert client.get(shared_url("not-the-token")).status_code == 404
    assert client.get(shared_url("x" * 200)).status_code == 404


@pytest.mark.django_db
def test_another_customer_can_neither_make_list_nor_revoke(
    client, other_customer, pet, customer
):
    share, token = sharing.share_create(pet=pet, by=customer, days=3)
    client.force_login(other_customer)

    assert make_link(client, pet).status_code == 404
    revoke = reverse("pets:share-revoke", args=[pet.pk, share.pk])
    assert client.post(revoke).status_code == 404
    detail = reverse("pets:detail", args=[pet.pk]) + "?record=sharing"
    assert client.get(detail).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None
    assert RecordShare.objects.count() == 1


@pytest.mark.django_db
def test_a_share_of_another_pet_cannot_be_revoked_through_mine(
    customer_client, customer, pet
):
    other_pet = PetFactory(name="Max")
    share, _token = sharing.share_create(pet=other_pet, by=other_pet.owner, days=3)

    response = customer_client.post(
        reverse("pets:share-revoke", args=[pet.pk, share.pk])
    )

    assert response.status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, pet, customer):
    share, _token = sharing.share_create(pet=pet, by=customer, days=3)

    created = make_link(client, pet)
    revoked = client.post(reverse("pets:share-revoke", args=[pet.pk, share.pk]))

    assert created.status_code == 302
    assert "/accounts/login/" in created["Location"]
    assert "/accounts/login/" in revoked["Location"]
    assert RecordShare.objects.count() == 1


@pytest.mark.django_db
def test_a_doctor_viewing_the_pet_page_gets_no_sharing_tab(doctor_client, pet):
    response = doctor_client.get(
        reverse("pets:detail", args=[pet.pk]) + "?record=sharing"
    )

    assert response.context["record_tab"] == "timeline"
    assert 'href="?record=sharing#record"' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_shared_record_runs_the_same_queries_for_1_and_50_rows(
    client, pet, customer, doctor, django_assert_num_queries, count
):
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    CareDoseFactory.create_batch(count, pet=pet, item=rabies, vet=doctor)
    PrescriptionFactory.create_batch(count, pet=pet, vet=doctor)
    WeightEntry.objects.bulk_create(
        WeightEntry(
            pet=pet,
            weight_kg="30",
            weighed_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=day),
            source="doctor",
            recorded_by=doctor,
        )
        for day in range(count)
    )
    for n in range(count):
        alerts.alert_set(pet=pet, by=doctor, kind="allergy", text=f"Allergy {n}")
        attach(pet, doctor, title=f"Result {n}")
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)

    # share, opening, alerts, documents, doses, items never given, weights,
    # prescriptions, refills
    with django_assert_num_queries(10):
        response = client.get(shared_url(token))

    assert len(response.context["doses"]) == count
    assert len(response.context["patient_alerts"]) == count
    assert len(response.context["shared_documents"]) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_sharing_tab_runs_the_same_queries_for_1_and_50_links(
    customer_client, pet, customer, django_assert_num_queries, count
):
    shares = RecordShare.objects.bulk_create(
        RecordShare(
            pet=pet,
            created_by=customer,
            token_hash=f"{number:064x}",
            expires_at=NOW + datetime.timedelta(days=3),
        )
        for number in range(count)
    )
    RecordShareOpen.objects.bulk_create(
        RecordShareOpen(share=share, ip_address="203.0.113.9") for share in shares
    )

    # session, user, pet, notes, visits, active medications, shares, openings,
    # unread bell, unread consultations
    with django_assert_num_queries(10):
        response = customer_client.get(
            reverse("pets:detail", args=[pet.pk]) + "?record=sharing"
        )

    assert len(response.context["shares"]) == count


@pytest.mark.django_db
def test_reloading_the_shared_page_logs_one_opening_per_address_an_hour(
    client, pet, customer
):
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(5):
            client.get(shared_url(token), REMOTE_ADDR="203.0.113.9")
        client.get(shared_url(token), REMOTE_ADDR="198.51.100.4")
        clock.shift(datetime.timedelta(minutes=61))
        client.get(shared_url(token), REMOTE_ADDR="203.0.113.9")

    assert sorted(RecordShareOpen.objects.values_list("ip_address", flat=True)) == [
        "198.51.100.4",
        "203.0.113.9",
        "203.0.113.9",
    ]


# --- the alerts and documents on the shared record ----------------------------------


def shared_document_url(token, document):
    return reverse("pets:shared-document", args=[token, document.pk])


@pytest.mark.django_db
def test_the_shared_record_shows_the_active_alerts_allergies_first(
    client, pet, customer, doctor
):
    alerts.alert_set(pet=pet, by=doctor, kind="aggressive", text="Bites when held.")
    alerts.alert_set(pet=pet, by=doctor, kind="allergy", text="Penicillin.")
    cleared = alerts.alert_set(pet=pet, by=doctor, kind="chronic", text="Old alert.")
    alerts.alert_clear(alert=cleared, by=doctor)
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)

    html = client.get(shared_url(token)).content.decode()

    banner = html.split('data-testid="patient-alerts"')[1].split("</div>")[0]
    assert banner.index("Penicillin.") < banner.index("Bites when held.")
    assert 'class="patient-alert patient-alert-allergy"' in banner
    assert "Old alert." not in html
    assert "css/pets/alerts.css" in html
    assert "Confirm as an alert" not in html


@pytest.mark.django_db
def test_the_shared_record_offers_the_documents_the_owner_sees(
    client, pet, customer, doctor
):
    content = pdf_bytes()
    shown = attach(pet, doctor, content=content, title="Blood panel")
    hidden = attach(pet, doctor, title="Referral letter", visible=False)
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)

    html = client.get(shared_url(token)).content.decode()
    response = client.get(shared_document_url(token, shown))

    assert "Blood panel" in html
    assert shared_document_url(token, shown) in html
    assert "Referral letter" not in html
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response.content == shown.file.open("rb").read()
    assert client.get(shared_document_url(token, hidden)).status_code == 404


@pytest.mark.django_db
def test_a_shared_document_answers_404_after_a_revoke(client, pet, customer, doctor):
    document = attach(pet, doctor, title="Blood panel")
    share, token = sharing.share_create(pet=pet, by=customer, days=3)
    assert client.get(shared_document_url(token, document)).status_code == 200

    sharing.share_revoke(share=share)

    assert client.get(shared_document_url(token, document)).status_code == 404


@pytest.mark.django_db
def test_a_shared_document_answers_404_once_the_link_expired(
    client, pet, customer, doctor, frozen
):
    document = attach(pet, doctor, title="Blood panel")
    _share, token = sharing.share_create(pet=pet, by=customer, days=2)
    frozen.shift(datetime.timedelta(days=2, seconds=1))

    assert client.get(shared_document_url(token, document)).status_code == 404


@pytest.mark.django_db
def test_a_link_opens_no_document_of_another_pet(client, pet, customer, doctor):
    other = attach(PetFactory(owner=customer), doctor, title="Other pet's panel")
    _share, token = sharing.share_create(pet=pet, by=customer, days=3)

    assert client.get(shared_document_url(token, other)).status_code == 404
    assert client.get(shared_document_url("not-the-token", other)).status_code == 404
