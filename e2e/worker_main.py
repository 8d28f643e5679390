"""The background worker for the browser tests, on the test process's clock
(see healingpaws/tests/clock.py): `python -m e2e.worker_main <run_worker
arguments>`."""

import sys

from django.core.management import execute_from_command_line

from healingpaws.tests.clock import start_frozen_clock

start_frozen_clock()
execute_from_command_line(["manage.py", "run_worker", *sys.argv[1:]])
