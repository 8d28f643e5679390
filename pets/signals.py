"""When the kept page parts that show pets (core/page_parts.py) are drawn
afresh: an owner's (My pets) and every pet's (PETS: the dashboard's lists)
when a pet of theirs is written or deleted, PETS when an alert is
(PetQuerySet's and PatientAlertQuerySet's update() say it for the rows they
change). A pet never changes owner: the admin shows the owner read-only once
the pet is saved, and no service moves it."""

from django.db.models.signals import post_delete, post_save

from core.page_parts import PETS, owners_changed, page_parts_changed

from .models import PatientAlert, Pet


def _pet_changed(sender, instance, using=None, **kwargs):
    owners_changed(instance.owner_id, using=using)
    page_parts_changed(PETS, using=using)


def _alert_changed(sender, using=None, **kwargs):
    page_parts_changed(PETS, using=using)


def connect():
    post_save.connect(_pet_changed, sender=Pet, dispatch_uid="page-parts-pet")
    post_delete.connect(_pet_changed, sender=Pet, dispatch_uid="page-parts-pet-del")
    post_save.connect(_alert_changed, sender=PatientAlert, dispatch_uid="pp-alert")
    post_delete.connect(
        _alert_changed, sender=PatientAlert, dispatch_uid="pp-alert-del"
    )
