from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.demo import DEMO_PASSWORD


def seeders():
    """Each installed app's `demo.seed`, in INSTALLED_APPS order: an app's demo
    data builds on the apps before it (accounts, pets, reservations,
    consultation), and accounts imports none of the later ones."""
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "demo"):
            seed = getattr(import_module(f"{app_config.name}.demo"), "seed", None)
            if seed is not None:
                yield seed


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
            for seed in seeders():
                for line in seed(dry_run=dry_run):
                    self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                ("Dry run: nothing written. " if dry_run else "Demo hospital ready. ")
                + f"Every demo account's password: {DEMO_PASSWORD}"
            )
        )
