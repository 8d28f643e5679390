"""A real `manage.py run_worker` sends the webhooks in a lane of their own:
an e-mail (any other task) enqueued behind a delivery to a slow receiver runs
while the receiver still holds the delivery.

PostgreSQL only, as test_workers.py: the worker is another process on the
test's database.
"""

import pytest
from django.conf import settings
from django.db import transaction

from core.integration_models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from core.tests.test_webhooks import Receiver
from core.tests.test_workers import runs  # noqa: F401 (a fixture)
from core.tests.worker_tasks import count_run
from core.webhooks import WEBHOOK_QUEUE, deliver_webhook, webhook_emit
from healingpaws.tests.servers import wait_for, worker

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (a test database other processes open)",
)

HOLD_SECONDS = 6.0


def test_a_slow_receiver_does_not_hold_back_the_other_tasks(runs, tmp_path):  # noqa: F811
    receiver = Receiver(delay=HOLD_SECONDS)
    try:
        WebhookEndpoint.objects.create(
            name="Lab", url=receiver.url, events=["visit.created"], secret="whsec_x"
        )
        with transaction.atomic():  # the delivery first, then the e-mail
            webhook_emit(event="visit.created", payload={})
            count_run.enqueue(1)
        log = tmp_path / "worker.log"
        with worker(log, "--no-schedule", WEBHOOKS_ALLOW_PRIVATE_TARGETS="true"):
            wait_for(lambda: receiver.requests, "the delivery sent", log)
            wait_for(lambda: runs(), "the other task run", log)
            # The receiver still holds the delivery: it had not answered.
            assert WebhookDelivery.objects.get().attempts == 0
            wait_for(
                lambda: (
                    WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
                ),
                "the delivery recorded",
                log,
            )
    finally:
        receiver.close()


def test_deliveries_are_on_the_webhooks_queue():
    assert deliver_webhook.queue_name == WEBHOOK_QUEUE
