import datetime

from django.utils import timezone

from reservations import services


def tomorrow_at(hour, minute=0):
    """A slot start tomorrow, in the hospital's time zone (open every day)."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def book(pet, *, starts_at=None, symptoms="Limping since Monday.", **flags):
    return services.reservation_create(
        owner=pet.owner,
        pet=pet,
        starts_at=starts_at or tomorrow_at(10),
        symptoms=symptoms,
        **flags,
    )
