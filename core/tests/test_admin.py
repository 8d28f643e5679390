"""The operators' failed deliveries in the admin: what they show, retry and
discard, and nobody else's access."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import background
from core.admin import error_line, task_about, task_words
from core.tests.tasks import CALLS_KEY, FAILURES_KEY, flaky

CHANGELIST = "admin:core_faileddelivery_changelist"


@pytest.fixture
def operator_client(client, db):
    operator = get_user_model().objects.create_superuser(
        "operator", "operator@healingpaws.example", "operator-password-77"
    )
    client.force_login(operator)
    return client


def _gave_up(label, *, attempts=3):
    """A flaky task that failed its last attempt, as the worker leaves it."""
    cache.delete(CALLS_KEY)
    cache.set(FAILURES_KEY, attempts)
    flaky.enqueue(label)
    for _attempt in range(attempts):
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
            run_after=timezone.now()
        )
        background.run_ready_tasks()
    return background.failed_tasks().get(args_kwargs__args=[label])


def test_a_failed_delivery_reads_as_words():
    assert task_words("reservations.tasks.send_visit_email") == "Send visit email"
    assert (
        task_about({"args": [], "kwargs": {"to": ["a@x.example"], "attempt_number": 9}})
        == "a@x.example"
    )
    assert task_about({"args": [{"subject": "Hi", "to": ["b@x.example"]}]}) == (
        "b@x.example — Hi"
    )
    assert task_about({"args": [12], "kwargs": {"kind": "reminder"}}) == (
        "12, kind=reminder"
    )
    assert error_line("Traceback\n  File x\nValueError: no\n\n") == "ValueError: no"


@pytest.mark.django_db
def test_operators_see_the_deliveries_that_gave_up_and_not_the_retried_attempts(
    operator_client,
):
    _gave_up("owner@healingpaws.example")
    flaky.enqueue("still waiting")

    response = operator_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [row.args_kwargs["args"] for row in rows] == [["owner@healingpaws.example"]]
    page = response.content.decode()
    assert "Flaky" in page
    assert "ConnectionRefusedError: the mail server is away" in page
    assert ">3<" in page  # attempts
    assert "Retry the selected deliveries" in page


@pytest.mark.django_db
def test_retry_enqueues_the_same_task_afresh_and_forgets_the_failed_row(
    operator_client,
):
    failed = _gave_up("mail")

    response = operator_client.post(
        reverse(CHANGELIST),
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "1 delivery is in the queue again." in response.content.decode()
    assert not DBTaskResult.objects.filter(pk=failed.pk).exists()
    again = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert again.task_path == "core.tests.tasks.flaky"
    assert again.args_kwargs == {"args": ["mail"], "kwargs": {}}  # attempt 1
    assert background.run_ready_tasks() == 1
    assert background.failed_tasks().count() == 0


@pytest.mark.django_db
def test_discard_deletes_the_failed_deliveries_only(operator_client):
    failed = _gave_up("mail")
    flaky.enqueue("waiting")

    response = operator_client.post(
        reverse(CHANGELIST),
        {"action": "discard", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "1 delivery discarded." in response.content.decode()
    assert background.failed_tasks().count() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


@pytest.mark.django_db
def test_a_failed_delivery_whose_task_is_gone_is_not_retried(operator_client):
    failed = _gave_up("mail")
    DBTaskResult.objects.filter(pk=failed.pk).update(task_path="core.gone.task")

    response = operator_client.post(
        reverse(CHANGELIST),
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "core.gone.task no longer exists" in response.content.decode()
    assert DBTaskResult.objects.filter(pk=failed.pk).exists()


@pytest.mark.django_db
def test_an_operator_opens_a_failed_delivery_with_its_traceback(operator_client):
    failed = _gave_up("mail")

    response = operator_client.get(
        reverse("admin:core_faileddelivery_change", args=[failed.pk])
    )

    assert response.status_code == 200
    assert "ConnectionRefusedError" in response.content.decode()


@pytest.mark.django_db
def test_operators_keep_the_list_of_every_task(operator_client):
    flaky.enqueue("mail")

    response = operator_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist")
    )

    assert response.status_code == 200
    assert [row.task_path for row in response.context["cl"].result_list] == [
        "core.tests.tasks.flaky"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [CHANGELIST, "admin:django_tasks_database_dbtaskresult_changelist"],
)
def test_doctors_cannot_open_the_task_lists(doctor_client, doctor, url_name):
    # Even a doctor given the model permissions stays out: operators decide.
    doctor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_faileddelivery", "view_dbtaskresult"]
        )
    )

    response = doctor_client.get(reverse(url_name))
    index = doctor_client.get(reverse("admin:index"))

    assert response.status_code == 403
    assert "Failed deliveries" not in index.content.decode()
    assert "Task Results" not in index.content.decode()


@pytest.mark.django_db
def test_doctors_cannot_retry_a_failed_delivery(doctor_client):
    failed = _gave_up("mail")

    response = doctor_client.post(
        reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed.pk]}
    )

    assert response.status_code == 403
    assert background.failed_tasks().get() == failed


@pytest.mark.django_db
def test_translators_and_customers_cannot_open_the_failed_deliveries(
    client, translator, customer
):
    for user in (translator, customer):
        client.force_login(user)

        response = client.get(reverse(CHANGELIST))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_the_operators_index_lists_background_work_after_the_others(
    operator_client,
):
    response = operator_client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels.index("core") > labels.index("auth")
    assert "Failed deliveries" in response.content.decode()
