"""What the operator reads on stdout: refusals in one line, crashes in full."""

import io
import logging
import sys

import pytest
from django.urls import reverse

from core.background import RetryScheduled


@pytest.fixture
def stdout_log():
    """What the configured stdout handler writes (settings.LOGGING)."""
    [handler] = [h for h in logging.getLogger("django").handlers if h.name == "stdout"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_customer_opening_the_admin_is_logged_in_one_line(
    customer_client, stdout_log
):
    response = customer_client.get(reverse("admin:login"))

    assert response.status_code == 403
    lines = stdout_log.getvalue().splitlines()
    assert len(lines) == 1
    assert "WARNING django.request Forbidden (Permission denied): /admin/" in lines[0]


@pytest.mark.django_db
def test_a_request_for_another_host_is_logged_in_one_line(client, stdout_log):
    response = client.get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    lines = stdout_log.getvalue().splitlines()
    assert len(lines) == 1
    assert "Invalid HTTP_HOST header: 'attacker.example'" in lines[0]


@pytest.mark.django_db
def test_a_missing_page_is_logged_in_one_line(client, stdout_log):
    client.get("/no-such-page/")

    lines = stdout_log.getvalue().splitlines()
    assert len(lines) == 1
    assert "Not Found: /no-such-page/" in lines[0]


def test_a_server_error_keeps_its_traceback(stdout_log):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /", exc_info=True, extra={"status_code": 500}
        )

    output = stdout_log.getvalue()
    assert "Traceback (most recent call last)" in output
    assert "ValueError: broken" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/pets/shared/Zq3-long-secret-token_x/", "Not Found: /pets/shared/…/"),
        (
            "/accounts/profile/data/Zq3-long-secret-token_x/",
            "Not Found: /accounts/profile/data/…/",
        ),
    ],
)
def test_a_secret_in_a_path_never_reaches_the_log(
    customer_client, stdout_log, path, logged
):
    customer_client.get(path)

    log = stdout_log.getvalue()
    assert logged in log
    assert "Zq3-long-secret-token_x" not in log


@pytest.mark.django_db
def test_a_finished_task_is_not_a_log_line_but_a_failed_one_is(stdout_log):
    tasks_log = logging.getLogger("django_tasks")

    tasks_log.info("Task id=1 path=x state=SUCCESSFUL")
    tasks_log.error("Task id=2 path=x state=FAILED")

    log = stdout_log.getvalue()
    assert "state=SUCCESSFUL" not in log
    assert "state=FAILED" in log


def _failure_record(error):
    logger = logging.getLogger("django_tasks")
    try:
        raise error
    except Exception:
        return logger, logger.makeRecord(
            logger.name, logging.ERROR, __file__, 0, "Task failed", (), sys.exc_info()
        )


def test_a_retried_task_attempt_leaves_no_traceback_in_the_log():
    logger, record = _failure_record(RetryScheduled("attempt 1 failed"))
    assert not logger.filter(record)


def test_a_task_that_gave_up_is_logged_with_its_traceback():
    logger, record = _failure_record(ConnectionRefusedError("mail server away"))
    assert logger.filter(record)
