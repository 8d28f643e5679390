"""The test clock: HEALINGPAWS_TEST_NOW freezes "now" for a whole test run.

bin/test runs the date-sensitive tests again at a few fixed moments (a
Friday, a Saturday, a Sunday, the last evening of a month and of a year), so a
test that quietly assumes "the day after tomorrow is a weekday" fails on every
day, not only on the days it happens to be wrong. The clock keeps ticking from
the moment given (timeouts and heartbeats still work); time.monotonic() is
left alone. The browser tests' daphne starts on the same moment as the test
process (e2e/daphne_main.py), so that both sides agree on what "today" is.
"""

import datetime
import os

ENV_NAME = "HEALINGPAWS_TEST_NOW"


def frozen_moment() -> datetime.datetime | None:
    """The moment HEALINGPAWS_TEST_NOW names (ISO 8601 with an offset), if set."""
    value = os.environ.get(ENV_NAME, "").strip()
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{ENV_NAME} needs a UTC offset, e.g. 2026-11-27T10:00+08:00")
    return moment


def start_frozen_clock():
    """Move the clock of this process to HEALINGPAWS_TEST_NOW; None if unset."""
    moment = frozen_moment()
    if moment is None:
        return None
    import time_machine

    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    return traveller
