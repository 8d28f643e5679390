"""Documents: doctors attach PDFs and images in the dashboard, checked by
content and cleaned; the owner (and doctors) download them, the owner takes
everything as one ZIP; 404 for anybody else."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Notification
from core.background import run_ready_tasks
from pets import personal_data
from pets.models import PetDocument, RecordBundle
from pets.record import bundle as bundle_module
from pets.record import documents
from pets.tests.documents_samples import pdf_bytes, png_bytes, upload
from pets.tests.factories import PetFactory
from pets.tests.record_factories import NOW
from pets.tests.test_admin import inline_management, pet_fields


def attach(pet, doctor, content=None, title="Blood panel", visible=True, **kwargs):
    clean = documents.document_clean(upload(content or pdf_bytes(), **kwargs))
    return documents.document_attach(
        pet=pet,
        by=doctor,
        title=title,
        kind="lab",
        clean=clean,
        visible_to_owner=visible,
    )


# --- the checks ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clean_pdf_is_rewritten_and_stored_under_a_random_name(pet, doctor):
    document = attach(pet, doctor, pdf_bytes(pages=2))

    assert document.content_type == "application/pdf"
    assert document.file.name.startswith("documents/")
    assert "results" not in document.file.name
    with document.file.open("rb") as stored:
        assert len(PdfReader(stored).pages) == 2


@pytest.mark.django_db
def test_an_image_is_reencoded_as_webp(pet, doctor):
    document = attach(pet, doctor, png_bytes(), name="x-ray.png")

    assert document.content_type == "image/webp"
    with document.file.open("rb") as stored:
        head = stored.read(12)
    assert head[:4] == b"RIFF"
    assert head[8:] == b"WEBP"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdf_bytes(javascript=True), "scripts, attached files"),
        (pdf_bytes(link_script=True), "scripts, attached files"),
        (pdf_bytes(attachment=True), "scripts, attached files"),
        (pdf_bytes(password="secret"), "password-protected"),
        (b"%PDF-1.7\nnot really a pdf", "could not be read"),
        (b"<html><script>alert(1)</script></html>", "Attach a PDF or a JPEG"),
        (b"GIF89a" + b"\x00" * 40, "Attach a PDF or a JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "Upload a JPEG, PNG or WebP"),
    ],
)
def test_unsafe_or_unknown_files_are_refused_by_content(content, message):
    with pytest.raises(ValidationError, match=message):
        documents.document_clean(upload(content))


def test_a_file_over_the_limit_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100

    with pytest.raises(ValidationError, match="the limit is 100"):
        documents.document_clean(upload(pdf_bytes()))


# --- the dashboard -----------------------------------------------------------------


def document_form(pet, **fields):
    data = {
        **pet_fields(pet),
        **inline_management(),
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
    }
    for name, value in fields.items():
        data[f"documents-0-{name}"] = value
    return data


@pytest.mark.django_db
def test_a_doctor_attaches_a_pdf_on_the_pets_page(doctor_client, doctor, pet):
    response = doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        document_form(
            pet,
            kind="lab",
            title="Blood panel",
            visible_to_owner="on",
            upload=upload(pdf_bytes()),
        ),
    )

    assert response.status_code == 302
    document = PetDocument.objects.get()
    assert (document.pet, document.uploaded_by, document.title) == (
        pet,
        doctor,
        "Blood panel",
    )


@pytest.mark.django_db
def test_the_dashboard_shows_a_clear_error_for_a_refused_file(doctor_client, pet):
    response = doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        document_form(
            pet,
            kind="lab",
            title="Blood panel",
            upload=upload(pdf_bytes(javascript=True)),
        ),
    )

    assert response.status_code == 200
    assert "contains scripts, attached files" in response.content.decode()
    assert not PetDocument.objects.exists()


# --- the owner's side --------------------------------------------------------------


def download(client, document):
    return client.get(reverse("pets:document", args=[document.pet_id, document.pk]))


@pytest.mark.django_db
def test_the_owner_downloads_a_document_as_an_attachment(customer_client, pet, doctor):
    document = attach(pet, doctor)

    response = download(customer_client, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_a_document_whose_file_is_gone_is_404_not_an_error(
    customer_client, pet, doctor
):
    document = attach(pet, doctor)
    document.file.storage.delete(document.file.name)  # removed by hand

    assert download(customer_client, document).status_code == 404


@pytest.mark.django_db
def test_a_doctors_only_document_is_404_for_the_owner(
    customer_client, client, pet, doctor
):
    document = attach(pet, doctor, visible=False)

    assert download(customer_client, document).status_code == 404
    client.force_login(doctor)
    assert download(client, document).status_code == 200


@pytest.mark.django_db
def test_another_customer_gets_404_on_documents_and_the_zip(
    client, other_customer, pet, doctor
):
    document = attach(pet, doctor)
    client.force_login(other_customer)

    assert download(client, document).status_code == 404
    zip_url = reverse("pets:documents-zip", args=[pet.pk])
    assert client.get(zip_url).status_code == 404
    tab = reverse("pets:detail", args=[pet.pk]) + "?record=documents"
    assert client.get(tab).status_code == 404


@pytest.mark.django_db
def test_a_document_of_another_pet_is_404_through_mine(customer_client, pet, doctor):
    other = attach(PetFactory(name="Max"), doctor)

    url = reverse("pets:document", args=[pet.pk, other.pk])

    assert customer_client.get(url).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, pet, doctor):
    document = attach(pet, doctor)

    for url in (
        reverse("pets:document", args=[pet.pk, document.pk]),
        reverse("pets:documents-zip", args=[pet.pk]),
    ):
        assert "/accounts/login/" in client.get(url)["Location"]


@pytest.mark.django_db
def test_the_owner_downloads_everything_as_one_zip(customer_client, pet, doctor):
    attach(pet, doctor, title="Blood panel")
    attach(pet, doctor, png_bytes(), title="X-ray", name="x.png")
    attach(pet, doctor, title="Internal", visible=False)

    response = customer_client.get(reverse("pets:documents-zip", args=[pet.pk]))

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.streaming  # from the spooled file, not a copy in memory
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "vaccination-certificate.pdf" in names
    assert any("blood-panel" in name and name.endswith(".pdf") for name in names)
    assert any("x-ray" in name and name.endswith(".webp") for name in names)
    assert not any("internal" in name for name in names)


@pytest.mark.django_db
def test_a_large_zip_is_built_by_a_worker_and_offered_to_the_owner(
    customer_client, client, customer, other_customer, pet, doctor, monkeypatch
):
    attach(pet, doctor, title="Blood panel")
    monkeypatch.setattr("pets.record.bundle.BUNDLE_INLINE_MAX_BYTES", 10)
    zip_url = reverse("pets:documents-zip", args=[pet.pk])

    response = customer_client.get(zip_url)
    customer_client.get(zip_url)  # asked twice: one ZIP

    assert response.status_code == 302
    page = customer_client.get(response["Location"]).content.decode()
    assert "The ZIP is being prepared" in page
    bundle = RecordBundle.objects.get()
    assert bundle.built_at is None
    run_ready_tasks()
    bundle.refresh_from_db()
    assert bundle.built_at is not None
    notification = Notification.objects.get(recipient=customer, kind="record_bundle")
    assert notification.text == "The documents of Rex are ready to download."
    page = customer_client.get(response["Location"]).content.decode()
    assert "Your ZIP is ready" in page
    url = reverse("pets:bundle", args=[pet.pk, bundle.pk])
    download = customer_client.get(url)
    content = b"".join(download.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "vaccination-certificate.pdf" in names
    assert download["Content-Disposition"].startswith("attachment;")
    client.force_login(other_customer)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_built_zips_are_deleted_after_a_week(customer, pet, doctor):
    attach(pet, doctor)
    with time_machine.travel(NOW, tick=False) as clock:
        bundle = bundle_module.bundle_request(pet=pet, by=customer)
        run_ready_tasks()
        bundle.refresh_from_db()
        stored = bundle.file.name
        clock.shift(datetime.timedelta(days=6))
        assert bundle_module.delete_expired_bundles.call() == 0
        clock.shift(datetime.timedelta(days=1, seconds=1))
        assert bundle_module.delete_expired_bundles.call() == 1

    assert not RecordBundle.objects.exists()
    assert not bundle.file.storage.exists(stored)


@pytest.mark.django_db
def test_the_documents_tab_lists_what_the_owner_may_see(customer_client, pet, doctor):
    attach(pet, doctor, title="Blood panel")
    attach(pet, doctor, title="Internal", visible=False)

    html = customer_client.get(
        reverse("pets:detail", args=[pet.pk]) + "?record=documents"
    ).content.decode()

    assert "Blood panel" in html
    assert "Internal" not in html
    assert 'data-testid="documents-zip"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_documents_tab_runs_the_same_queries_for_1_and_50_documents(
    customer_client, pet, doctor, django_assert_num_queries, count
):
    document = attach(pet, doctor)
    PetDocument.objects.bulk_create(
        PetDocument(
            pet=pet,
            title=f"Result {number}",
            file=document.file.name,
            content_type="application/pdf",
            size=document.size,
            uploaded_by=doctor,
        )
        for number in range(count - 1)
    )

    # session, user, pet, notes, visits, active medications, documents,
    # the owner's ZIPs, unread bell, unread consultations
    with django_assert_num_queries(10):
        response = customer_client.get(
            reverse("pets:detail", args=[pet.pk]) + "?record=documents"
        )

    assert len(response.context["documents"]) == count


@pytest.mark.django_db
def test_the_owners_export_holds_the_documents_they_see_and_erasure_drops_the_zips(
    pet, doctor, customer
):
    attach(pet, doctor, title="Blood panel")
    attach(pet, doctor, title="Internal", visible=False)
    bundle = RecordBundle.objects.create(pet=pet, requested_by=customer)

    exported = personal_data.export(customer)

    [row] = exported.data["pets"]
    assert [document["title"] for document in row["documents"]] == ["Blood panel"]
    assert [path for path, _file in exported.files if "/documents/" in path] == [
        row["documents"][0]["file"]
    ]
    personal_data.erase(customer)
    assert not RecordBundle.objects.filter(pk=bundle.pk).exists()


@pytest.mark.django_db
def test_a_zip_built_within_the_hour_is_offered_again_not_rebuilt(
    customer, pet, doctor
):
    attach(pet, doctor)
    with time_machine.travel(NOW, tick=False) as clock:
        first = bundle_module.bundle_request(pet=pet, by=customer)
        run_ready_tasks()
        clock.shift(datetime.timedelta(minutes=59))
        again = bundle_module.bundle_request(pet=pet, by=customer)
        clock.shift(datetime.timedelta(minutes=2))
        later = bundle_module.bundle_request(pet=pet, by=customer)

    assert again == first
    assert later != first
    assert RecordBundle.objects.count() == 2
