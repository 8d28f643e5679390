"""Webhooks (issue 17): other systems of the clinic are told of events.

`webhook_emit(event=..., payload=...)`, called by the services that make the
change (reservations' visit events, consultation's message_post), writes one
WebhookDelivery per active endpoint subscribed to the event and enqueues its
`deliver_webhook` task, both in the change's transaction: a rollback tells
nobody, a commit loses nothing. The worker sends it (core/webhook_http.py:
https, public addresses only), retrying with backoff
(core.background.retrying_task) until the receiver answers 2xx; every attempt
is logged (WebhookAttempt) for operators. Deliveries have a queue of their
own, run by a lane of the worker (core/management/commands/run_worker.py):
an attempt may take up to 10 s, and the e-mails never wait behind it.

What is sent: POST, JSON body
  {"id": "<webhook id>", "event": "visit.state_changed",
   "created_at": "<ISO 8601>", "data": {...}}
and the headers
  Webhook-Id: the body's id, the same for every attempt (drop duplicates);
  Webhook-Timestamp: Unix seconds of this attempt;
  Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with
  the endpoint's secret>.
A receiver recomputes the HMAC over the timestamp header, a dot and the raw
body, compares it in constant time, and rejects a timestamp more than 5
minutes from its clock (a replay): see `signature_valid`, which the tests'
receiver uses.
"""

import functools
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .background import retrying_task
from .compiled_query import CompiledQuery
from .integration_models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .webhook_http import TargetRefused, post

logger = logging.getLogger("healingpaws.webhooks")

SIGNATURE_VERSION = "v1"
REPLAY_WINDOW_SECONDS = 5 * 60
# 30 s, 1, 2, 4, 8, 16 minutes (core.background.retry_wait): about half an
# hour of a receiver away before a delivery is marked failed.
MAX_ATTEMPTS = 6
ERROR_MAX = 500
# Listed in the TASKS setting's QUEUES (healingpaws/backing_services.py).
WEBHOOK_QUEUE = "webhooks"


def webhook_secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_emit(*, event: str, payload: dict) -> int:
    """Enqueue the event for every subscribed endpoint, in the current
    transaction; returns how many deliveries."""
    WebhookEvent(event)  # an unknown event is a programming error
    endpoints = [
        endpoint for endpoint in _active_endpoints()() if event in endpoint.events
    ]
    if not endpoints:
        return 0
    created_at = timezone.now()
    with transaction.atomic():
        for endpoint in endpoints:
            webhook_id = f"wh_{uuid.uuid4().hex}"
            body = json.dumps(
                {
                    "id": webhook_id,
                    "event": event,
                    "created_at": created_at,
                    "data": payload,
                },
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
                separators=(",", ":"),
            )
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, event=event, webhook_id=webhook_id, body=body
            )
            deliver_webhook.enqueue(delivery.pk)
    return len(endpoints)


@functools.cache
def _active_endpoints():
    # Read at every event, each chat message's among them: compiled once
    # (core.compiled_query), where the ORM's building of it took longer than
    # the database did (issue 14).
    return CompiledQuery(
        lambda: WebhookEndpoint.objects.filter(active=True).only("events")
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def signature_valid(
    *, secret: str, headers: dict, body: bytes, now: float | None = None
) -> bool:
    """What a receiver checks: the signature over the timestamp and the raw
    body, and a timestamp within 5 minutes of its clock."""
    timestamp = headers.get("Webhook-Timestamp", "")
    given = headers.get("Webhook-Signature", "")
    if not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)


class DeliveryFailed(Exception):
    pass


@retrying_task(max_attempts=MAX_ATTEMPTS, queue_name=WEBHOOK_QUEUE)
def deliver_webhook(delivery_id: int) -> int | None:
    """One attempt at a delivery; raises (and is retried) unless the
    receiver answers 2xx."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
        return None  # the endpoint was deleted, or a second run
    endpoint = delivery.endpoint
    number = delivery.attempts + 1
    body = delivery.body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "HealingPaws-Webhooks/1",
        "Webhook-Id": delivery.webhook_id,
        "Webhook-Timestamp": timestamp,
        "Webhook-Signature": signature(endpoint.secret, timestamp, body),
    }
    status_code, duration_ms, error = None, 0, ""
    started = time.monotonic()
    if not endpoint.active:
        # Switched off meanwhile: the operator decided, no more attempts.
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "the endpoint is switched off"
        delivery.save(update_fields=["status", "last_error"])
        return None
    try:
        answer = post(endpoint.url, body=body, headers=headers)
    except TargetRefused as refused:
        error = f"refused: {refused}"
    except Exception as failure:  # noqa: BLE001 (any network failure is logged)
        error = f"{type(failure).__name__}: {failure}"
    else:
        status_code, duration_ms = answer.status, answer.duration_ms
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    if status_code is None:
        duration_ms = int((time.monotonic() - started) * 1000)
    delivered = not error
    final = delivered or number >= MAX_ATTEMPTS
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=status_code,
        duration_ms=duration_ms,
        error=error[:ERROR_MAX],
    )
    delivery.attempts = number
    delivery.last_status_code = status_code
    delivery.last_duration_ms = duration_ms
    delivery.last_error = error[:ERROR_MAX]
    delivery.last_attempt_at = timezone.now()
    if delivered:
        delivery.status = DeliveryStatus.DELIVERED
    else:
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
    delivery.save()
    if not delivered:
        raise DeliveryFailed(f"{endpoint.name}: {error}")
    return status_code
