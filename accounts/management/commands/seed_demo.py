from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, seed_accounts
from consultation.demo import seed_threads
from pets.demo import seed_pets
from reservations.demo import seed_visits

# In order: each app's demo data builds on the ones before.
SEEDERS = [seed_accounts, seed_pets, seed_visits, seed_threads]


class Command(BaseCommand):
    help = (
        "Fill the database with a demo hospital: a doctor, customers with pets "
        "and photos, visits in every state with a queue for today, and a "
        "translator, all with the same printed password. Safe to run again: "
        "what exists is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be created."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo password is public).",
        )

    def handle(self, *args, dry_run=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo accounts have a public password. "
                "Use --force if this really is a demo server."
            )
        with transaction.atomic():
            for seed in SEEDERS:
                for line in seed(dry_run=dry_run):
                    self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                ("Dry run: nothing written. " if dry_run else "Demo hospital ready. ")
                + f"Every demo account's password: {DEMO_PASSWORD}"
            )
        )
