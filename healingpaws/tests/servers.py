"""Servers in child processes: daphne for the server and proxy tests, and the
starting and stopping the browser tests' daphne shares (e2e/conftest.py);
the test database's address for the workers the tests start; a redis-server
of a test's own, to stop and pause."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from django.db import connections

HOST = "127.0.0.1"
PROJECT_DIR = Path(__file__).resolve().parents[2]
START_SECONDS = 30


def child_database_url():
    """DATABASE_URL naming the test database (pytest-django made it in this
    process) for a child process: a worker that shares the test's rows."""
    name = connections["default"].settings_dict["NAME"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name)))


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_listening(port, process, log_path):
    """Return once `process` accepts connections on `port`; fail with its
    log if it exits first or does not listen within START_SECONDS."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited with code {process.returncode} before "
                "listening:\n" + log_path.read_text(errors="replace")
            )
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not listen on {HOST}:{port} within "
                    f"{START_SECONDS}s:\n" + log_path.read_text(errors="replace")
                ) from None
            time.sleep(0.1)


@contextmanager
def running(command, log_path, *, port, env=None):
    """Run a server until the block ends, once it listens on `port`."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (the tests' own commands)
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_listening(port, process, log_path)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def daphne(workdir, *extra_args, **env_overrides):
    """The project under daphne, as the Procfile runs it, on an empty SQLite
    file (what these tests send needs no table); gives (port, process)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healingpaws.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "ALLOWED_HOSTS": HOST,
        **env_overrides,
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port)]
    command += [*extra_args, "healingpaws.asgi:application"]
    with running(command, workdir / "daphne.log", port=port, env=env) as process:
        yield port, process


# How long a test waits for what a worker does (Django starting in a child
# process takes a few seconds on a loaded machine).
WORKER_WAIT_SECONDS = 60


@contextmanager
def worker(log_path, *extra_args, **env_overrides):
    """`manage.py run_worker` as the Procfile runs it, on the test database,
    until the block ends; gives its process. It looks for tasks every 0.1 s
    and ticks the schedule every 0.2 s (30 s in production)."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": child_database_url(),
        "TASKS_SCHEDULE_TICK_SECONDS": "0.2",
        "TASKS_LIVE_POLL_SECONDS": "0.1",
        "FILE_UPLOAD_TEMP_DIR": str(log_path.parent),
        "PYTHONUNBUFFERED": "1",
        **env_overrides,
    }
    env.pop("TEST_DATABASE_NAME", None)
    command = [sys.executable, "manage.py", "run_worker", "--no-startup-delay"]
    command += ["--interval", "0.1", *extra_args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (the project's own command)
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_for(condition, what, *logs):
    """Return once `condition()` holds; fail with the logs' tails if it does
    not within WORKER_WAIT_SECONDS."""
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            shown = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
            raise AssertionError(f"{what}: not within {WORKER_WAIT_SECONDS}s\n{shown}")
        time.sleep(0.1)


def worker_started(log_path):
    return "Starting worker" in log_path.read_text(errors="replace")


class PrivateRedis:
    """A redis-server of this test alone: nothing saved, one port kept across
    restarts (the layer reconnects to the same address)."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = self.client()
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # if paused
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=2)
