"""The vaccination certificate: a PDF for the owner (every dose, Chinese
names in an embedded font), a code anyone can check, 404 for the others."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pets.models import CareItem, Certificate
from pets.record import certificate_pdf, certificates
from pets.tests.factories import PetFactory
from pets.tests.record_factories import NOW, CareDoseFactory

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def pet(customer):
    return PetFactory(
        owner=customer, name="旺财", species="dog", microchip_number="156100200300400"
    )


@pytest.fixture
def doses(pet, doctor):
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    dhpp = CareItem.objects.get(species="dog", name="DHPP")
    return [
        CareDoseFactory(
            pet=pet,
            item=rabies,
            vet=doctor,
            given_on=datetime.date(2025, 6, 1),
            batch_number="RB-1001",
        ),
        CareDoseFactory(
            pet=pet,
            item=dhpp,
            vet=doctor,
            given_on=datetime.date(2026, 3, 2),
            batch_number="DH-2002",
        ),
    ]


def pdf_text(response):
    content = b"".join(response) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def download(client, pet):
    return client.get(reverse("pets:certificate", args=[pet.pk]))


@pytest.mark.django_db
def test_the_owner_downloads_a_certificate_with_every_dose(
    customer_client, customer, pet, doses, doctor
):
    response = download(customer_client, pet)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    text, reader = pdf_text(response)
    for expected in ("旺财", "156100200300400", customer.name, doctor.name):
        assert expected in text
    for expected in ("Rabies", "RB-1001", "DHPP", "DH-2002", "Vaccination certificate"):
        assert expected in text
    certificate = Certificate.objects.get()
    assert certificate.display_code in text
    assert certificate.issued_on == datetime.date(2026, 6, 15)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in fonts.values()
    ]
    assert all("/FontFile2" in descriptor for descriptor in descriptors)


@pytest.mark.django_db
def test_the_certificate_is_in_the_owners_language(
    customer_client, customer, pet, doses
):
    customer.preferred_language = "zh-hans"
    customer.save()

    text, _reader = pdf_text(download(customer_client, pet))

    assert "狂犬病疫苗" in text  # the item's Chinese name
    assert "RB-1001" in text


@pytest.mark.django_db
def test_a_second_download_the_same_day_keeps_the_code(customer_client, pet, doses):
    download(customer_client, pet)
    download(customer_client, pet)

    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_a_new_dose_makes_a_new_certificate(customer_client, pet, doses, doctor):
    download(customer_client, pet)
    CareDoseFactory(pet=pet, item=doses[0].item, vet=doctor, given_on=NOW.date())

    download(customer_client, pet)

    assert Certificate.objects.count() == 2


@pytest.fixture
def drawings(monkeypatch):
    """Each PDF actually drawn (not read back from the cache)."""
    drawn = []
    draw = certificate_pdf._draw

    def counted(certificate):
        drawn.append(certificate.pk)
        return draw(certificate)

    monkeypatch.setattr(certificate_pdf, "_draw", counted)
    return drawn


@pytest.mark.django_db
def test_a_repeat_download_is_not_drawn_again(customer_client, pet, doses, drawings):
    first = download(customer_client, pet)
    second = download(customer_client, pet)

    assert len(drawings) == 1
    assert second.content == first.content
    assert "RB-1001" in pdf_text(second)[0]


@pytest.mark.django_db
def test_a_new_dose_or_another_language_draws_a_new_pdf(
    customer_client, customer, pet, doses, doctor, drawings
):
    first = download(customer_client, pet)
    CareDoseFactory(
        pet=pet, item=doses[0].item, vet=doctor, given_on=NOW.date(), batch_number="N1"
    )

    second = download(customer_client, pet)
    customer.preferred_language = "zh-hans"
    customer.save(update_fields=["preferred_language"])
    chinese = download(customer_client, pet)

    assert len(drawings) == 3
    assert "N1" not in pdf_text(first)[0]
    assert "N1" in pdf_text(second)[0]
    assert "狂犬病疫苗" in pdf_text(chinese)[0]


@pytest.mark.django_db
def test_another_customer_and_a_doctor_get_404(
    client, other_customer, doctor, pet, doses
):
    client.force_login(other_customer)
    assert download(client, pet).status_code == 404
    client.force_login(doctor)
    assert download(client, pet).status_code == 404
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, pet, doses):
    response = download(client, pet)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_anyone_checks_a_code_and_sees_only_pet_species_date_and_items(
    client, customer, pet, doses
):
    certificate = certificates.certificate_issue(pet=pet, by=customer)
    typed = certificate.display_code.lower().replace("-", " ")

    response = client.get(reverse("pets:verify"), {"code": typed})

    html = response.content.decode()
    assert 'data-testid="certificate-valid"' in html
    for expected in ("旺财", "Dog", "Rabies", "DHPP", "June 15, 2026"):
        assert expected in html
    for private in (customer.name, customer.email, "156100200300400", "RB-1001"):
        assert private not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.django_db
def test_an_unknown_code_is_not_valid(client, customer, pet, doses):
    certificates.certificate_issue(pet=pet, by=customer)

    response = client.get(reverse("pets:verify"), {"code": "0000-0000-0000"})

    html = response.content.decode()
    assert 'data-testid="certificate-unknown"' in html
    assert "旺财" not in html


@pytest.mark.django_db
def test_the_certificate_keeps_what_it_listed(customer, pet, doses, doctor):
    certificate = certificates.certificate_issue(pet=pet, by=customer)
    CareDoseFactory(pet=pet, item=doses[0].item, vet=doctor, given_on=NOW.date())

    found = certificates.certificate_find(certificate.code)

    assert len(found.items) == 2


@pytest.mark.django_db
def test_the_care_tab_offers_the_certificate_to_the_owner_only(
    customer_client, pet, client, doctor
):
    tab = reverse("pets:detail", args=[pet.pk]) + "?record=care"
    assert 'data-testid="certificate-download"' in (
        customer_client.get(tab).content.decode()
    )
    client.force_login(doctor)
    assert 'data-testid="certificate-download"' not in client.get(tab).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_certificate_runs_the_same_queries_for_1_and_50_doses(
    customer_client, pet, doctor, django_assert_num_queries, count
):
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    CareDoseFactory.create_batch(count, pet=pet, item=rabies, vet=doctor)

    # session, user, pet, doses, today's certificate, savepoint, insert, release
    with django_assert_num_queries(8):
        response = download(customer_client, pet)

    assert response.status_code == 200


@pytest.mark.django_db
def test_downloads_are_limited_per_owner_with_a_clear_message(
    customer_client, pet, doses, monkeypatch
):
    monkeypatch.setattr("pets.record.document_views.DOWNLOADS_A_MINUTE", 1)
    assert download(customer_client, pet).status_code == 200

    again = customer_client.get(reverse("pets:certificate", args=[pet.pk]), follow=True)

    assert again["Content-Type"].startswith("text/html")
    assert "Too many downloads in a short time" in again.content.decode()
    zipped = customer_client.get(reverse("pets:documents-zip", args=[pet.pk]))
    assert zipped.status_code == 302  # the ZIP counts in the same limit
