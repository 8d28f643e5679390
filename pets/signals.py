"""When an owner's kept page parts (core/page_parts.py) are drawn afresh: a
pet of theirs written or deleted (PetQuerySet.update() says it for rows
updated). A pet never changes owner: the admin shows the owner read-only once
the pet is saved, and no service moves it."""

from django.db.models.signals import post_delete, post_save

from core.page_parts import owners_changed

from .models import Pet


def _pet_changed(sender, instance, using=None, **kwargs):
    owners_changed(instance.owner_id, using=using)


def connect():
    post_save.connect(_pet_changed, sender=Pet, dispatch_uid="page-parts-pet")
    post_delete.connect(_pet_changed, sender=Pet, dispatch_uid="page-parts-pet-del")
