"""Reading the environment in settings.py: the variables production requires."""

import sys


class RequiredVariables:
    """What production cannot run without.

    Call it for each required variable: with DEBUG on, an unset one falls back
    to its development default; with DEBUG off, it is noted, and `check()` stops
    start-up with one line naming every missing or malformed one (README,
    Configuration) instead of a traceback that names only the first.
    """

    def __init__(self, env, *, debug):
        self.env = env
        self.debug = debug
        self.missing = []

    def __call__(self, name, development_default):
        value = self.env.str(name, default="").strip()
        if self.debug:
            return value or development_default
        if not value:
            self.missing.append(name)
        return value

    def refuse(self, what):
        """Note a variable that is set but unusable (`what` says why)."""
        self.missing.append(what)

    def check(self):
        if self.missing:
            sys.exit(
                "Healing Paws cannot start with DEBUG off: set "
                + ", ".join(self.missing)
                + " (see README, Configuration)."
            )


def comma_list(text):
    """`a, b,,c` -> ["a", "b", "c"]."""
    return [item.strip() for item in text.split(",") if item.strip()]
