"""An https delivery connects to the checked address and still speaks TLS to
the endpoint's name: SNI and the certificate check use the name, not the
address (a local TLS receiver with a certificate made here)."""

import datetime
import functools
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core import webhook_http
from core.background import run_ready_tasks
from core.integration_models import DeliveryStatus, WebhookAttempt, WebhookEndpoint
from core.webhooks import webhook_emit

pytestmark = pytest.mark.django_db

NAME = "hooks.example.com"


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file = tmp_path / "cert.pem"
    key_file = tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # 127.0.0.1 below
    cert_file, key_file = _certificate(tmp_path)
    seen = {"requests": [], "server_names": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen["requests"].append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: seen["server_names"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Every name resolves to the receiver; the certificate is trusted.
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))
        ],
    )
    monkeypatch.setattr(
        webhook_http,
        "HTTPSPool",
        functools.partial(webhook_http.HTTPSPool, ca_certs=str(cert_file)),
    )
    seen["port"] = server.server_port
    yield seen
    server.shutdown()
    server.server_close()


def test_tls_speaks_to_the_name_while_connecting_to_the_checked_address(
    tls_receiver,
):
    port = tls_receiver["port"]
    WebhookEndpoint.objects.create(
        name="Lab",
        url=f"https://{NAME}:{port}/in",
        events=["visit.created"],
        secret="whsec_test",
    )

    webhook_emit(event="visit.created", payload={})
    run_ready_tasks(limit=1)

    assert tls_receiver["server_names"] == [NAME]
    [headers] = tls_receiver["requests"]
    assert headers["Host"] == f"{NAME}:{port}"
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (204, "")
    assert attempt.delivery.status == DeliveryStatus.DELIVERED


def test_a_certificate_for_another_name_is_refused(tls_receiver):
    WebhookEndpoint.objects.create(
        name="Elsewhere",
        url=f"https://other.example.com:{tls_receiver['port']}/in",
        events=["visit.created"],
        secret="whsec_test",
    )

    webhook_emit(event="visit.created", payload={})
    run_ready_tasks(limit=1)

    assert tls_receiver["requests"] == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "SSL" in attempt.error or "certificate" in attempt.error.lower()
