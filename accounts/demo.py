"""Demo accounts for `manage.py seed_demo`; each app seeds its own in demo.py."""

from dataclasses import dataclass

from .models import User
from .services import (
    user_add_to_translators,
    user_create_verified,
    user_promote_to_doctor,
)

# Public on purpose: printed by seed_demo, refused with DEBUG off.
DEMO_PASSWORD = "healingpaws-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    email: str
    display_name: str
    role: str
    preferred_language: str = "en"
    phone: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "dr_chen", "doctor@healingpaws.example", "Dr. Chen Wei", "doctor", "zh-hans"
    ),
    DemoAccount(
        "alice",
        "alice@example.com",
        "Alice Morgan",
        "customer",
        "en",
        "+44 20 7946 0018",
    ),
    DemoAccount(
        "xiaoming",
        "xiaoming@example.com",
        "王小明",
        "customer",
        "zh-hans",
        "+86 138 0013 8000",
    ),
    DemoAccount(
        "translator", "translator@healingpaws.example", "Lin Yue", "translator"
    ),
]


def seed_accounts(*, dry_run=False):
    """Create the demo accounts that do not exist yet; return report lines."""
    lines = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            lines.append(f"Kept    {account.role:<10} {account.username}")
            continue
        verb = "Would create" if dry_run else "Created"
        lines.append(
            f"{verb} {account.role:<10} {account.username:<12} {account.email}"
        )
        if dry_run:
            continue
        user = user_create_verified(
            username=account.username,
            email=account.email,
            password=DEMO_PASSWORD,
            display_name=account.display_name,
            preferred_language=account.preferred_language,
            phone=account.phone,
        )
        if account.role == "doctor":
            user_promote_to_doctor(user=user)
        elif account.role == "translator":
            user_add_to_translators(user=user)
    return lines


# What `manage.py seed_demo` runs of this app (after the apps before it).
seed = seed_accounts
