"""Each app's part of a customer's data export and of an account's erasure.

accounts names no higher app: pets, reservations and consultation each
register a provider in their AppConfig.ready() (their `personal_data.py`),
as they word their notifications (notification_kinds.py). accounts is a
provider too (the profile, the notifications), registered first.

- export(user) -> Export: JSON-able data (written as `<name>.json` in the
  ZIP) and the files to add, as (path in the ZIP, a stored FieldFile).
  Only what the customer sees of it on the site (no internal notes).
- erase(user): remove or anonymise the app's personal data of the user,
  keeping what the hospital must keep (the medical record), which stays
  attached to the anonymised account. Runs in the erasure's transaction,
  higher apps first and accounts last (it anonymises the account itself).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Export:
    data: dict
    # (path inside the ZIP, a FieldFile or anything with .open() and .name)
    files: list[tuple[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Provider:
    name: str
    export: Callable[[object], Export]
    erase: Callable[[object], None]


_providers: dict[str, Provider] = {}


def personal_data_register(
    name: str,
    *,
    export: Callable[[object], Export],
    erase: Callable[[object], None],
) -> None:
    """Add an app's part (`name` names its JSON file in the export)."""
    _providers[name] = Provider(name=name, export=export, erase=erase)


def providers() -> list[Provider]:
    """In registration order (accounts first, then the apps above it)."""
    return list(_providers.values())


def file_extension(stored) -> str:
    """'.webp' from a stored file's name ('' without one)."""
    name = getattr(stored, "name", "") or ""
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1] if "." in base else ""


def when(moment):
    """A date or time as ISO 8601 text (None stays None)."""
    return moment.isoformat() if moment is not None else None
