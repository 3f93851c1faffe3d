"""The login limit holds across web processes: two real servers (separate processes,
as several gunicorn workers or hosts would be) share the rate-limit counters through the
database cache. Five wrong passwords spread over both block the sixth try on either; the
owner, from another IP, still logs in."""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from tests.bench._common import drop_postgres, recreate_postgres

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "karim@example.org"
PASSWORD = "Solidaire-Bordeaux-2026"
LOCKED = "Too many failed login attempts"
CREATE_OWNER = f"""
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.create_user(email={EMAIL!r}, password={PASSWORD!r})
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A visitor on ``source_ip`` (any 127.x address is this machine), with a cookie jar."""

    def __init__(self, source_ip):
        self.source_ip = source_ip
        self.cookies = {}

    def request(self, port, method, path, form=None):
        connection = HTTPConnection(
            "127.0.0.1", port, timeout=20, source_address=(self.source_ip, 0)
        )
        headers = {"Accept-Language": "en", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        connection.close()
        return response.status, response.getheader("Location"), text

    def log_in(self, port, password):
        _, _, page = self.request(port, "GET", "/comptes/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            port,
            "POST",
            "/comptes/login/",
            {"csrfmiddlewaretoken": token, "login": EMAIL, "password": password},
        )


def wait_until_up(port, process, deadline=60):
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} exited ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not start")


@pytest.fixture
def two_servers():
    """Two web processes with the production settings on one throwaway database (a
    SQLite file, or a PostgreSQL database when the suite runs on PostgreSQL)."""
    workdir = Path(tempfile.mkdtemp(prefix="tds-ratelimit-"))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="rate-limit-test-only-secret-key-not-used-anywhere-else",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        EMAIL_PROVIDER="console",
        LOG_LEVEL="WARNING",
        STATIC_MANIFEST="false",
        VAR_DIR=str(workdir),
    )
    postgres_url = None
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        base = urlsplit(os.environ["DATABASE_URL"])
        name = f"{settings.DATABASES['default']['TEST']['NAME']}_rl_{os.getpid()}"
        postgres_url = base._replace(path=f"/{name}").geturl()
        assert recreate_postgres(postgres_url)
        env["DATABASE_URL"] = postgres_url
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "-c", CREATE_OWNER], cwd=ROOT, env=env, check=True)
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_until_up(port, server)
        yield ports
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=20)
        if postgres_url:
            drop_postgres(postgres_url)


def test_five_wrong_passwords_over_two_processes_block_the_sixth_try(two_servers):
    first, second = two_servers
    attacker = Browser("127.0.0.1")
    for port in (first, second, first, second, first):
        status, _, page = attacker.log_in(port, "wrong-password")
        assert status == 200
        assert LOCKED not in page

    status, _, page = attacker.log_in(second, PASSWORD)

    assert status == 200, "the right password went through after five failures"
    assert LOCKED in page
    status, _, page = attacker.log_in(first, PASSWORD)
    assert LOCKED in page

    # The owner, on another connection, logs in on either process.
    owner = Browser("127.0.0.2")
    status, location, _ = owner.log_in(second, PASSWORD)
    assert (status, location) == (302, "/tableau-de-bord/")
