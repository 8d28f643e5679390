"""Vaccination certificates: issued to the owner as a PDF, verified by code.

The PDF is drawn with fpdf2 (pure Python) in the owner's language, with
Noto Sans SC (an OFL font from npm, read from node_modules) embedded as a
subset, so Chinese names print on any reader.
"""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User

from ..models import Pet
from .document_models import CODE_LENGTH, Certificate

# Crockford's base32: no I, L, O or U to misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _snapshot(pet: Pet) -> list[dict]:
    doses = pet.care_doses.select_related("item", "vet").order_by("given_on", "pk")
    return [
        {
            "item": dose.item.name,
            "item_zh_hans": dose.item.name_zh_hans,
            "kind": dose.item.kind,
            "given_on": dose.given_on.isoformat(),
            "batch": dose.batch_number,
            "vet": dose.vet.name,
            "next_due": dose.next_due.isoformat() if dose.next_due else None,
        }
        for dose in doses
    ]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def certificate_issue(*, pet: Pet, by: User) -> Certificate:
    """Issue a certificate of the pet's doses today. Downloading it again
    the same day, with the same doses, gives the same certificate (and
    code) rather than a new one each time."""
    items = _snapshot(pet)
    today = timezone.localdate()
    latest = pet.certificates.filter(issued_on=today).first()
    if latest is not None and latest.items == items:
        return latest
    return Certificate.objects.create(
        pet=pet, code=_new_code(), issued_on=today, issued_to=by, items=items
    )


def normalise_code(text: str) -> str:
    """What a person typed, as stored: capitals, no dashes or spaces, the
    letters Crockford's alphabet leaves out read as the digits they mimic."""
    code = "".join(text.split()).replace("-", "").upper().translate(CONFUSABLE)
    return code if len(code) == CODE_LENGTH else ""


def certificate_find(code_text: str) -> Certificate | None:
    code = normalise_code(code_text)
    if not code:
        return None
    return Certificate.objects.select_related("pet").filter(code=code).first()


def item_name(entry: dict) -> str:
    if entry.get("item_zh_hans") and translation.get_language() == "zh-hans":
        return entry["item_zh_hans"]
    return entry["item"]


def entry_date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None
