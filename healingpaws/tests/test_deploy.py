"""deploy/nginx.conf, checked by nginx and used in front of a real daphne."""

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess

import pytest
from django.conf import settings

from healingpaws.tests import servers
from healingpaws.tests.servers import HOST, PROJECT_DIR

NGINX_CONF = PROJECT_DIR / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (bin/setup --test installs it)"
)
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def test_the_proxy_body_limit_is_the_applications():
    value, unit = re.search(
        r"client_max_body_size (\d+)([kmg]?);", NGINX_CONF.read_text()
    ).groups()

    assert int(value) * UNITS[unit] == settings.REQUEST_BODY_MAX_BYTES


def _site_config(*, upstream, http_port, https_port, cert, key):
    """The shipped file with this machine's ports and a throwaway certificate
    in place of the lines an operator changes."""
    text = NGINX_CONF.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {HOST}:{upstream};",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl http2;": f"listen {HOST}:{https_port} ssl http2;",
        "/etc/letsencrypt/live/healingpaws.example/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/healingpaws.example/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def _main_config(workdir, site):
    """A minimal nginx.conf around the site file, everything in `workdir`."""
    temp = workdir / "temp"
    temp.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
        "events {}\nhttp {\n"
        f"    access_log off;\n    client_body_temp_path {temp}/body;\n"
        f"    proxy_temp_path {temp}/proxy;\n    fastcgi_temp_path {temp}/fastcgi;\n"
        f"    uwsgi_temp_path {temp}/uwsgi;\n    scgi_temp_path {temp}/scgi;\n"
        f"    include {site};\n}}\n"
    )


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """nginx with deploy/nginx.conf in front of daphne with production
    settings; gives the HTTP and HTTPS ports."""
    workdir = tmp_path_factory.mktemp("proxy")
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_URL": f"https://{HOST}",
        "EMAIL_URL": "consolemail://",
    }
    with servers.daphne(workdir, "--proxy-headers", **production) as (upstream, _):
        http_port, https_port = servers.free_port(), servers.free_port()
        site = workdir / "healingpaws.conf"
        site.write_text(
            _site_config(
                upstream=upstream,
                http_port=http_port,
                https_port=https_port,
                cert=cert,
                key=key,
            )
        )
        main = workdir / "nginx.conf"
        main.write_text(_main_config(workdir, site))
        command = [NGINX, "-p", str(workdir), "-c", str(main)]
        checked = subprocess.run(  # noqa: S603
            [*command, "-t"], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        with servers.running(
            [*command, "-g", "daemon off;"], workdir / "nginx.log", port=https_port
        ):
            yield http_port, https_port


def _trusting_context():
    # The test's own throwaway certificate.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _https(port):
    return http.client.HTTPSConnection(
        HOST, port, timeout=20, context=_trusting_context()
    )


@needs_nginx
def test_https_requests_reach_daphne_as_https(proxy):
    _http_port, https_port = proxy
    connection = _https(https_port)

    connection.request("GET", "/pets/")
    response = connection.getresponse()

    # Sent to log in, not to https:// again: X-Forwarded-Proto was believed.
    assert response.status == 302
    assert response.headers["Location"].startswith("/accounts/login/")


@needs_nginx
def test_plain_http_is_sent_to_https(proxy):
    http_port, _https_port = proxy
    connection = http.client.HTTPConnection(HOST, http_port, timeout=20)

    connection.request("GET", "/pets/")
    response = connection.getresponse()

    assert response.status == 301
    assert response.headers["Location"].startswith("https://")


@needs_nginx
def test_a_body_over_the_limit_is_refused_by_the_proxy_before_it_is_sent(proxy):
    _http_port, https_port = proxy
    connection = _https(https_port)
    connection.putrequest("POST", "/pets/new/")
    connection.putheader("Content-Length", str(settings.REQUEST_BODY_MAX_BYTES + 1))
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.endheaders()  # and no body

    response = connection.getresponse()

    assert response.status == 413
    assert response.headers["Server"] == "nginx"  # daphne never saw it


@needs_nginx
def test_websockets_are_upgraded_through_the_proxy(proxy):
    _http_port, https_port = proxy
    handshake = (
        f"GET /ws/notifications/ HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Origin: https://{HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )

    with (
        socket.create_connection((HOST, https_port), timeout=20) as raw,
        _trusting_context().wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        tls.sendall(handshake.encode())
        answer = tls.recv(1024)

    assert answer.startswith(b"HTTP/1.1 101")
