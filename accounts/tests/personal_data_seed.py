"""A customer with something in every part of their data (export and
erasure tests): profile and avatar, a pet with its photo, notes (one for the
owner, one internal), the record, a visit with events, a consultation with
a photo and a doctor's reply, notifications."""

from dataclasses import dataclass

from accounts import services as account_services
from accounts.models import User
from accounts.notifications import notification_send
from accounts.tests.factories import DoctorFactory, UserFactory
from consultation import services as consultation_services
from consultation.models import Message, Thread
from consultation.tests.factories import png_upload
from pets import services as pet_services
from pets.models import Pet, RefillRequest, WeightEntry
from pets.record.certificates import certificate_issue
from pets.record.sharing import share_create
from pets.tests.factories import DoctorNoteFactory
from pets.tests.record_factories import CareDoseFactory, PrescriptionFactory
from reservations.models import Reservation, State
from reservations.services import reservation_transition
from reservations.tests.factories import make_visit


@dataclass
class Seeded:
    user: User
    pet: Pet
    visit: Reservation
    thread: Thread
    photo_message: Message
    # Texts only this customer's data holds (the tests look for them).
    texts: dict


def seed_customer(tag: str, *, doctor=None) -> Seeded:
    """Everything of one customer; `tag` makes each of their texts unique."""
    doctor = doctor or DoctorFactory()
    user = UserFactory(
        username=f"owner_{tag}",
        email=f"owner.{tag}@example.com",
        display_name=f"Owner {tag.title()} Lin",
    )
    account_services.user_update_profile(
        user=user,
        display_name=user.display_name,
        phone="+86 138 0013 " + str(abs(hash(tag)) % 9000 + 1000),
        preferred_language="en",
    )
    account_services.user_set_avatar(user=user, upload=png_upload("me.png"))
    pet = pet_services.pet_create(
        owner=user,
        name=f"Pet{tag.title()}",
        species="dog",
        notes=f"Allergic to {tag}-berries",
        photo=png_upload("dog.png"),
    )
    shared = DoctorNoteFactory(
        pet=pet, author=doctor, text=f"Shared note {tag}", visible_to_owner=True
    )
    internal = DoctorNoteFactory(
        pet=pet, author=doctor, text=f"Internal note {tag}", visible_to_owner=False
    )
    dose = CareDoseFactory(pet=pet, vet=doctor, batch_number=f"B-{tag}")
    WeightEntry.objects.create(
        pet=pet, weight_kg="12.34", source="owner", recorded_by=user
    )
    prescription = PrescriptionFactory(pet=pet, vet=doctor, drug=f"Drug {tag}")
    RefillRequest.objects.create(
        prescription=prescription, requested_by=user, note=f"Refill please {tag}"
    )
    share_create(pet=pet, by=user, days=7, recipient=f"Clinic {tag}")
    certificate = certificate_issue(pet=pet, by=user)
    visit = make_visit(pet, symptoms=f"Coughing {tag}")
    reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor, note=f"See you {tag}"
    )
    thread = consultation_services.thread_open(
        customer=user, subject=f"Question {tag}", pet=pet, text=f"Chat text {tag}"
    )
    photo_message = consultation_services.message_post(
        thread=thread, sender=user, text="", photo=png_upload("rash.png")
    )
    consultation_services.message_post(
        thread=thread, sender=doctor, text=f"Doctor reply {tag}"
    )
    notification_send(
        recipient=user, kind="unknown", url=f"/pets/{pet.pk}/", pet=pet.name
    )
    user.refresh_from_db()
    texts = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "phone": user.phone,
        "pet": pet.name,
        "pet_notes": pet.notes,
        "shared_note": shared.text,
        "internal_note": internal.text,
        "batch": dose.batch_number,
        "drug": prescription.drug,
        "refill": f"Refill please {tag}",
        "share_for": f"Clinic {tag}",
        "certificate": certificate.code,
        "symptoms": visit.symptoms,
        "event_note": f"See you {tag}",
        "subject": thread.subject,
        "chat": f"Chat text {tag}",
        "reply": f"Doctor reply {tag}",
    }
    return Seeded(user, pet, visit, thread, photo_message, texts)
