import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.roles import is_doctor
from accounts.services import (
    user_confirm_email,
    user_create_verified,
    user_promote_to_doctor,
)
from accounts.validators import (
    USERNAME_CHARACTERS,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
)


class Command(BaseCommand):
    help = (
        "Make the account with this e-mail a doctor, creating it if needed. A new "
        "account has no password: the doctor sets one with 'Forgot password?'."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The doctor's e-mail address.")
        parser.add_argument(
            "--username", help="Username for a new account (default: from the e-mail)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would happen, change nothing.",
        )

    def handle(self, *args, email, username=None, dry_run=False, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an e-mail address: {email!r}") from None

        user = User.objects.filter(email__iexact=email).first()
        prefix = "Would " if dry_run else ""
        if user and is_doctor(user):
            self.stdout.write(
                self.style.SUCCESS(f"{user.username} is already a doctor.")
            )
            return
        if dry_run:
            action = f"promote {user.username}" if user else "create and promote"
            self.stdout.write(self.style.SUCCESS(f"{prefix}{action} {email}."))
            return

        with transaction.atomic():
            if user is None:
                user = user_create_verified(
                    username=username or _username_from(email),
                    email=email,
                    password=None,
                )
                created = True
            else:
                # The operator vouches for the address.
                user_confirm_email(user=user, email=email)
                created = False
            user_promote_to_doctor(user=user)

        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created doctor {user.username} <{email}>. They set a password "
                    "at /accounts/password/reset/."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{user.username} is now a doctor."))


def _username_from(email):
    base = re.sub(rf"[^{USERNAME_CHARACTERS}]", "_", email.split("@")[0])
    base = base[: USERNAME_MAX_LENGTH - 4].ljust(USERNAME_MIN_LENGTH, "_")
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate
