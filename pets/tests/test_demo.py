import pytest
from django.core.management import call_command
from pypdf import PdfReader

from pets.demo import DEMO_NOTES, DEMO_PETS
from pets.models import CareDose, DoctorNote, Pet, PetDocument, RefillRequest


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_customers_pets_with_photos_once(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    # Other apps' seeders may add pets of their own (reservations does).
    demo_pets = Pet.objects.filter(name__in=[pet.name for pet in DEMO_PETS])
    assert demo_pets.count() == len(DEMO_PETS)
    assert all(pet.photo_thumbnail and pet.photo_medium for pet in Pet.objects.all())
    assert set(Pet.objects.values_list("owner__username", flat=True)) == {
        "alice",
        "xiaoming",
    }
    assert DoctorNote.objects.count() == len(DEMO_NOTES)
    assert DoctorNote.objects.filter(visible_to_owner=False).exists()
    assert "Kept    pet Biscuit of alice" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_dry_run_writes_nothing(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo", "--dry-run")

    assert not Pet.objects.exists()
    assert "Would create pet Biscuit of alice" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_pets_a_care_history(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    biscuit = Pet.objects.get(name="Biscuit")
    # The certificate and the shared record show the chip; the record the type.
    assert biscuit.microchip_number == "156098100231457"
    assert biscuit.blood_type == "DEA 1 positive"
    assert Pet.objects.get(name="花卷").microchip_number == "156098100877120"
    doses = CareDose.objects.filter(pet=biscuit)
    assert doses.filter(item__name="Rabies").count() == 3
    assert all(dose.batch_number and dose.vet.username == "dr_chen" for dose in doses)
    assert CareDose.objects.filter(pet__name="Mochi", item__name="FVRCP").count() == 3
    assert biscuit.weights.count() == 7
    assert biscuit.prescriptions.count() == 2
    assert RefillRequest.objects.pending().get().prescription.pet == biscuit


@pytest.mark.django_db
def test_seed_demo_attaches_lab_results_as_clean_pdfs(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    document = PetDocument.objects.get(pet__name="花卷")
    assert document.title == "血常规与生化检查"
    assert document.content_type == "application/pdf"
    with document.file.open("rb") as stored:
        assert "结果正常" in PdfReader(stored).pages[0].extract_text()
    assert PetDocument.objects.filter(pet__name="Biscuit").count() == 1
