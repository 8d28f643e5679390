"""Webhook deliveries: signed, retried, logged, and never sent inside the
network unless WEBHOOKS_ALLOW_PRIVATE_TARGETS says so."""

import datetime
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import webhook_http
from core.background import run_ready_tasks
from core.integration_models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.webhook_http import TargetRefused, checked_target
from core.webhooks import signature_valid, webhook_emit, webhook_secret_new

pytestmark = pytest.mark.django_db

SECRET = webhook_secret_new()


class Receiver:
    """A local HTTP server that records what it gets and answers the
    statuses it is given in turn (then 200)."""

    def __init__(self, *statuses, headers=None, delay=0.0):
        self.statuses = list(statuses)
        self.extra_headers = headers or {}
        self.delay = delay
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def private_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.TASKS_RETRY_FIRST_WAIT_SECONDS = 0  # retries are due at once


@pytest.fixture
def receiver(private_allowed):
    made = []

    def make(*statuses, **options):
        made.append(Receiver(*statuses, **options))
        return made[-1]

    yield make
    for server in made:
        server.close()


def endpoint_for(url, events=("visit.created",)):
    return WebhookEndpoint.objects.create(
        name="Lab", url=url, events=list(events), secret=SECRET
    )


def test_a_delivery_is_signed_and_verifiable_by_its_receiver(receiver):
    server = receiver()
    endpoint_for(server.url)

    assert webhook_emit(event="visit.created", payload={"visit": {"id": 7}}) == 1
    run_ready_tasks()

    [(path, headers, body)] = server.requests
    assert path == "/hooks"
    # The receiver checks it as README tells integrators to, not with our code:
    # HMAC-SHA256 of "<timestamp>.<raw body>" with the secret, and a timestamp
    # within five minutes of its clock.
    timestamp = headers["Webhook-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["Webhook-Signature"], f"v1={expected}")
    assert abs(time.time() - int(timestamp)) <= 300
    # ...and the helper the tests' receivers use agrees.
    assert signature_valid(secret=SECRET, headers=headers, body=body)
    sent = json.loads(body)
    assert sent["event"] == "visit.created"
    assert sent["data"] == {"visit": {"id": 7}}
    assert headers["Webhook-Id"] == sent["id"]
    # A wrong secret, a changed body or an old timestamp do not verify.
    assert not signature_valid(secret="whsec_other", headers=headers, body=body)
    assert not signature_valid(secret=SECRET, headers=headers, body=body + b" ")
    later = int(headers["Webhook-Timestamp"]) + 301
    assert not signature_valid(secret=SECRET, headers=headers, body=body, now=later)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )


def test_a_500_is_retried_until_the_receiver_takes_it(receiver):
    server = receiver(500, 503)
    endpoint_for(server.url)

    webhook_emit(event="visit.created", payload={"visit": {"id": 7}})
    run_ready_tasks()

    assert len(server.requests) == 3
    # The same delivery every time: one id, one body.
    assert len({headers["Webhook-Id"] for _p, headers, _b in server.requests}) == 1
    assert len({body for _p, _h, body in server.requests}) == 1
    attempts = WebhookAttempt.objects.order_by("number")
    assert [(a.number, a.status_code, a.error) for a in attempts] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 200, ""),
    ]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_only_subscribed_active_endpoints_get_an_event(receiver):
    server = receiver()
    endpoint_for(server.url, events=["visit.triaged"])
    WebhookEndpoint.objects.create(
        name="Off", url=server.url, events=["visit.created"], active=False
    )

    assert webhook_emit(event="visit.created", payload={}) == 0
    run_ready_tasks()
    assert server.requests == []
    with pytest.raises(ValueError, match="visit.exploded"):
        webhook_emit(event="visit.exploded", payload={})


def test_a_redirect_is_not_followed(receiver):
    elsewhere = receiver()
    server = receiver(302, 302, 302, 302, 302, 302, headers={"Location": elsewhere.url})
    endpoint_for(server.url)

    webhook_emit(event="visit.created", payload={})
    run_ready_tasks()

    assert elsewhere.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 302


def test_a_slow_receiver_times_out(receiver, monkeypatch):
    monkeypatch.setattr(webhook_http, "TOTAL_TIMEOUT", 0.3)
    server = receiver(delay=1.0)
    endpoint_for(server.url)

    webhook_emit(event="visit.created", payload={})
    started = time.monotonic()
    run_ready_tasks(limit=1)

    assert time.monotonic() - started < 1.0
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Timeout" in attempt.error


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://224.0.0.1/hooks",
        "https://0.0.0.0/hooks",
    ],
)
def test_private_targets_are_refused_without_the_setting(url):
    with pytest.raises(TargetRefused):
        checked_target(url)


def test_plain_http_is_refused_without_the_setting(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolves_to("93.184.215.14"))
    with pytest.raises(TargetRefused, match="https"):
        checked_target("http://hooks.example.com/")
    assert checked_target("https://hooks.example.com/")[3] == ["93.184.215.14"]


def _resolves_to(*addresses):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in addresses
        ]

    return getaddrinfo


def test_a_name_that_resolves_inside_at_send_time_is_refused(monkeypatch):
    # Registered while it resolved to a public address (DNS rebinding)...
    endpoint_for("https://hooks.example.com/in")
    connections = []
    monkeypatch.setattr(
        webhook_http.urllib3.HTTPSConnectionPool,
        "urlopen",
        lambda *args, **kwargs: connections.append(args),
    )
    # ...it now resolves to a public and a loopback address: refused.
    monkeypatch.setattr(
        socket, "getaddrinfo", _resolves_to("93.184.215.14", "127.0.0.1")
    )

    webhook_emit(event="visit.created", payload={})
    run_ready_tasks(limit=1)

    assert connections == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.error.startswith("refused:")
    assert "127.0.0.1" in attempt.error
    assert WebhookDelivery.objects.get().status == DeliveryStatus.RETRYING


def test_the_connection_goes_to_the_checked_address_with_the_name_kept(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolves_to("93.184.215.14"))
    opened = {}

    class Pool:
        def __init__(self, host, port, **options):
            opened.update(host=host, port=port, **options)

        def urlopen(self, method, path, **kwargs):
            opened.update(
                path=path, headers=kwargs["headers"], redirect=kwargs["redirect"]
            )
            raise webhook_http.urllib3.exceptions.NewConnectionError(None, "stop")

        def close(self):
            pass

    monkeypatch.setattr(webhook_http, "HTTPSPool", Pool)
    with pytest.raises(webhook_http.urllib3.exceptions.NewConnectionError):
        webhook_http.post(
            "https://hooks.example.com:8443/in?x=1", body=b"{}", headers={}
        )

    assert opened["host"] == "93.184.215.14"
    assert opened["server_hostname"] == opened["assert_hostname"] == "hooks.example.com"
    assert opened["headers"]["Host"] == "hooks.example.com:8443"
    assert (opened["path"], opened["redirect"]) == ("/in?x=1", False)
    assert opened["retries"] is False


def test_finished_deliveries_are_forgotten_with_the_task_history(time_machine):
    from django.utils import timezone

    from core.tasks import prune_task_history

    time_machine.move_to(timezone.now(), tick=False)
    endpoint = endpoint_for("https://hooks.example.com/")
    for status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, "retrying"):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="visit.created",
            webhook_id=f"wh_{status}",
            body="{}",
            status=status,
        )
    time_machine.shift(datetime.timedelta(days=15))
    fresh = WebhookDelivery.objects.create(
        endpoint=endpoint, event="visit.created", webhook_id="wh_new", body="{}"
    )

    prune_task_history.call()

    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [
        "wh_new",
        "wh_retrying",
    ]
    assert fresh.pk
