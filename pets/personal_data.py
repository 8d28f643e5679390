"""pets' part of a customer's export and of an account's erasure
(accounts/personal_data.py), registered in PetsConfig.ready().

Export: every pet of the customer (archived ones too) with its photo, the
doctors' notes marked for the owner (never the internal ones) and the record
the owner sees: doses, weights, prescriptions and refill requests, and the
documents marked for the owner with their files. Patient alerts are the
doctors' banner and stay out.

Also the vaccination certificates issued to the customer and the share links
they made (whom for, when opened).

Erasure: pets, notes, the record and issued certificates are the hospital's
medical record and stay, attached to the anonymised owner; the pets are
archived (nobody looks after them from this account any more); their photos
(the owner's pictures, which may show a home or a face, and no part of the
record), the care-reminder switch, the share links (with their openings)
and the ZIPs built for the owner go.
"""

from functools import partial

from django.db import transaction

from accounts.personal_data import Export, file_extension, personal_data_register, when
from core.images import delete_files

from .models import CareReminderSetting, Certificate, Pet, RecordBundle, RecordShare
from .services import pet_archive


def _note(note):
    return {
        "created_at": when(note.created_at),
        "doctor": note.author.name,
        "text": note.text,
    }


def _dose(dose):
    return {
        "item": dose.item.name,
        "given_on": when(dose.given_on),
        "batch_number": dose.batch_number,
        "vet": dose.vet.name,
        "next_due": when(dose.next_due),
    }


def _weight(entry):
    return {
        "weighed_on": when(entry.weighed_on),
        "weight_kg": str(entry.weight_kg),
        "source": entry.source,
    }


def _prescription(prescription):
    return {
        "drug": prescription.drug,
        "dose": prescription.dose,
        "frequency": prescription.frequency,
        "duration_days": prescription.duration_days,
        "instructions": prescription.instructions,
        "vet": prescription.vet.name,
        "start_date": when(prescription.start_date),
        "ends_on": when(prescription.ends_on),
        "stopped_on": when(prescription.stopped_on),
        "refill_requests": [
            {
                "requested_at": when(refill.created_at),
                "urgent": refill.urgent,
                "note": refill.note,
                "status": refill.status,
                "decided_at": when(refill.decided_at),
            }
            for refill in prescription.refills.all()
        ],
    }


def _documents(pet, files):
    """The documents the owner may see (never the doctors' own), their files
    added to `files`."""
    documents = []
    for document in pet.documents.all():
        if not document.visible_to_owner:
            continue
        path = f"files/pets/{pet.pk}/documents/{document.pk}"
        path += file_extension(document.file)
        files.append((path, document.file))
        documents.append(
            {
                "title": document.title,
                "kind": document.kind,
                "attached_at": when(document.created_at),
                "file": path,
            }
        )
    return documents


def export(user) -> Export:
    pets = Pet.objects.for_owner(user).prefetch_related(
        "care_doses__item",
        "care_doses__vet",
        "weights",
        "prescriptions__vet",
        "prescriptions__refills",
        "documents",
    )
    data, files = [], []
    for pet in pets:
        photo = None
        if pet.photo:
            photo = f"files/pets/{pet.pk}/photo{file_extension(pet.photo)}"
            files.append((photo, pet.photo))
        notes = pet.doctor_notes.visible_to_owner().select_related("author")
        data.append(
            {
                "id": pet.pk,
                "name": pet.name,
                "species": pet.species,
                "breed": pet.breed,
                "sex": pet.sex,
                "birth_date": when(pet.birth_date),
                "weight_kg": str(pet.weight_kg) if pet.weight_kg else None,
                "notes": pet.notes,
                "microchip_number": pet.microchip_number,
                "blood_type": pet.blood_type,
                "photo": photo,
                "added_at": when(pet.created_at),
                "archived_at": when(pet.archived_at),
                "doctors_notes": [_note(note) for note in notes],
                "care_doses": [_dose(dose) for dose in pet.care_doses.all()],
                "weights": [_weight(entry) for entry in pet.weights.all()],
                "prescriptions": [_prescription(p) for p in pet.prescriptions.all()],
                "documents": _documents(pet, files),
            }
        )
    certificates = [
        {
            "pet": certificate.pet_id,
            "code": certificate.code,
            "issued_on": when(certificate.issued_on),
            "items": certificate.items,
        }
        for certificate in Certificate.objects.filter(issued_to=user)
    ]
    shares = [
        {
            "pet": share.pet_id,
            "for": share.recipient,
            "created_at": when(share.created_at),
            "expires_at": when(share.expires_at),
            "revoked_at": when(share.revoked_at),
            "opened_at": [when(opened.opened_at) for opened in share.opens.all()],
        }
        for share in RecordShare.objects.filter(created_by=user).prefetch_related(
            "opens"
        )
    ]
    return Export(
        data={
            "pets": data,
            "vaccination_certificates": certificates,
            "record_share_links": shares,
        },
        files=files,
    )


def erase(user) -> None:
    for pet in Pet.objects.for_owner(user).active():
        pet_archive(pet=pet)
    photographed = Pet.objects.for_owner(user).exclude(photo="")
    names = [
        image.name
        for pet in photographed
        for image in (pet.photo, pet.photo_medium, pet.photo_thumbnail)
        if image
    ]
    photographed.update(photo="", photo_medium="", photo_thumbnail="")
    storage = Pet._meta.get_field("photo").storage
    transaction.on_commit(partial(delete_files, [(storage, name) for name in names]))
    CareReminderSetting.objects.filter(owner=user).delete()
    # The links the owner gave out stop working, and whom they were for goes.
    RecordShare.objects.filter(created_by=user).delete()
    # The ZIPs built for the owner (each holds a certificate with their name).
    for bundle in RecordBundle.objects.filter(requested_by=user):
        if bundle.file:
            bundle.file.delete(save=False)
        bundle.delete()


def register() -> None:
    personal_data_register("pets", export=export, erase=erase)
