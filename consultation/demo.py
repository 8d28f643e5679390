"""Demo consultations for `manage.py seed_demo`: alice writes in English,
xiaoming in Chinese (one urgent message), dr_chen answers. Written through the
services, as the customers and the doctor would; a thread is recognised again
by its customer and subject, so running it again adds nothing."""

from dataclasses import dataclass

from accounts.models import User
from core import presence
from pets.models import Pet

from .models import Thread
from .services import message_post, thread_close, thread_open

DOCTOR = "dr_chen"


@dataclass(frozen=True)
class DemoThread:
    customer: str
    subject: str
    pet: str | None
    # (sender: "customer" or "doctor", text, urgent)
    messages: tuple[tuple[str, str, bool], ...]
    closed: bool = False


DEMO_THREADS = [
    DemoThread(
        "alice",
        "Biscuit keeps scratching his ears",
        "Biscuit",
        (
            (
                "customer",
                "Since the weekend Biscuit scratches his left ear a lot and "
                "shakes his head. No smell so far.",
                False,
            ),
            (
                "doctor",
                "Thank you, Alice. Please don't clean inside the ear for now. "
                "If it gets red or smells, book a visit and we'll take a look.",
                False,
            ),
            ("customer", "Will do, thanks!", False),
        ),
    ),
    DemoThread(
        "alice",
        "Mochi's vaccinations",
        "Mochi",
        (
            ("customer", "When should Mochi have her next vaccination?", False),
            (
                "doctor",
                "At 16 weeks, then a booster after one year. Book it any time.",
                False,
            ),
        ),
        closed=True,
    ),
    DemoThread(
        "xiaoming",
        "团子一天没吃东西了",
        "团子",
        (
            (
                "customer",
                "团子从昨天起就不吃干草，也不怎么动，便便很少。",
                True,
            ),
            (
                "doctor",
                "兔子一天不进食很危险，请今天就带团子来医院，路上注意保暖。",
                False,
            ),
        ),
    ),
]


def seed_threads(*, dry_run=False):
    """Create the demo threads that are missing; return report lines."""
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in={demo.customer for demo in DEMO_THREADS} | {DOCTOR}
        )
    }
    doctor = users.get(DOCTOR)
    lines = []
    for demo in DEMO_THREADS:
        customer = users.get(demo.customer)
        if (customer is None or doctor is None) and not dry_run:
            lines.append(f"Skipped thread {demo.subject}: no {demo.customer}/{DOCTOR}")
            continue
        if (
            customer
            and Thread.objects.filter(customer=customer, subject=demo.subject).exists()
        ):
            lines.append(f"Kept    thread {demo.subject} of {demo.customer}")
            continue
        lines.append(
            f"{'Would create' if dry_run else 'Created'} thread {demo.subject} "
            f"of {demo.customer}"
        )
        if dry_run:
            continue
        # The demo doctor is the one answering: online while the threads are
        # written, so that they carry no "no doctor online" notices.
        online = {"role": presence.DOCTOR, "user_id": doctor.pk, "channel": "demo"}
        presence.presence_enter(**online)
        try:
            _write(demo, customer, doctor)
        finally:
            presence.presence_leave(**online)
    return lines


# What `manage.py seed_demo` runs of this app (after the apps before it).
seed = seed_threads


def _write(demo, customer, doctor):
    pet = Pet.objects.filter(owner=customer, name=demo.pet).first()
    (_, first, urgent), *replies = demo.messages
    thread = thread_open(
        customer=customer, subject=demo.subject, pet=pet, text=first, urgent=urgent
    )
    for who, text, urgent in replies:
        sender = doctor if who == "doctor" else customer
        message_post(thread=thread, sender=sender, text=text, urgent=urgent)
    if demo.closed:
        thread_close(thread=thread, by=doctor)
