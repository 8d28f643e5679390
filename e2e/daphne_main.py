"""daphne for the browser tests, on the test process's clock (see
healingpaws/tests/clock.py): `python -m e2e.daphne_main <daphne arguments>`."""

from daphne.cli import CommandLineInterface

from healingpaws.tests.clock import start_frozen_clock

start_frozen_clock()
CommandLineInterface.entrypoint()
