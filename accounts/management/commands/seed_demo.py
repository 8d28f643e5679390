from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, seed_accounts


class Command(BaseCommand):
    help = (
        "Fill the database with a demo hospital: a doctor, two customers and a "
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
            created, existing = seed_accounts(dry_run=dry_run)
        verb = "Would create" if dry_run else "Created"
        for account in created:
            self.stdout.write(
                f"{verb} {account.role:<10} {account.username:<12} {account.email}"
            )
        for account in existing:
            self.stdout.write(f"Kept    {account.role:<10} {account.username:<12}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(created)} account(s), kept {len(existing)}. "
                f"Every demo account's password: {DEMO_PASSWORD}"
            )
        )
