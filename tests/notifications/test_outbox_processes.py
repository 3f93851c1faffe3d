"""The outbox against a real SMTP server and real task workers (separate processes on a
throwaway database: a SQLite file, or a PostgreSQL database when the suite runs on
PostgreSQL), with the retry delays shortened through the settings.

* An outage longer than every attempt: the emails end failed (none lost: they stay
  retriable), and once the server accepts again a resend delivers each exactly once
  (counted by Message-ID at the server).
* A worker killed with SIGKILL in the middle of a batch leaves a row "sending": the
  sweep, which the workers schedule by themselves (no cron), sends it, and the rest of
  the batch, exactly once.
"""

import email
import os
import signal
import socket
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from tests.bench._common import drop_postgres, recreate_postgres

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 40


class SinkHandler(socketserver.StreamRequestHandler):
    """A small SMTP server: refuses every message with 451 while ``sink.refusing``,
    stalls (never answers) the MAIL command number ``sink.stall_at``, otherwise keeps
    every message it acknowledges."""

    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        try:
            self.reply("220 sink ESMTP")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode(errors="replace").strip()[:4].upper()
                if verb in {"EHLO", "HELO"}:
                    self.reply("250 sink")
                elif verb == "MAIL":
                    if sink.refusing:
                        sink.refused += 1
                        self.reply("451 4.3.0 Mail server temporarily unavailable")
                        continue
                    with sink.lock:
                        sink.mail_commands += 1
                        stall = sink.mail_commands == sink.stall_at
                    if stall:
                        sink.stalled.set()
                        sink.release.wait(DEADLINE_SECONDS)
                        return  # the client is gone: nothing was accepted
                    self.reply("250 OK")
                elif verb == "RCPT":
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while (chunk := self.rfile.readline()) not in {b".\r\n", b""}:
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    message = email.message_from_bytes(b"".join(data))
                    with sink.lock:
                        sink.message_ids.append(message["Message-ID"])
                    self.reply("250 2.0.0 queued")
                elif verb in {"RSET", "NOOP"}:
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 command not implemented")
        except OSError:
            return


class Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SinkHandler)
        self.sink = self
        self.lock = threading.Lock()
        self.refusing = False
        self.refused = 0
        self.mail_commands = 0
        self.stall_at = 0
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.message_ids = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def close(self):
        self.release.set()
        self.shutdown()
        self.server_close()


CREATE_EMAILS = """
import sys
from django.db import transaction
from notifications.models import OutboundEmail
from notifications.tasks import enqueue_on_commit
prefix, count = sys.argv[-2], int(sys.argv[-1])
with transaction.atomic():
    rows = OutboundEmail.objects.bulk_create([
        OutboundEmail(event="test", recipient=f"{prefix}-{n}@example.org", subject=f"{prefix} {n}",
                      body_text="Bonjour", idempotency_key=f"{prefix}-{n}")
        for n in range(count)
    ])
    enqueue_on_commit([row.pk for row in rows])
"""

RESEND_ALL = """
from accounts.models import User
from notifications import services
admin = User.objects.create_user(email="admin-resend@example.org", password="x")
print(services.resend_failed(admin))
"""

MESSAGE_IDS = """
import sys
from notifications.delivery import message_id_for
from notifications.models import OutboundEmail
for row in OutboundEmail.objects.filter(idempotency_key__startswith=sys.argv[-1] + "-"):
    print(message_id_for(row))
"""


class Instance:
    """Migrated throwaway database, the environment of its processes, and SQL reads."""

    def __init__(self, workdir, env, postgres_url):
        self.workdir, self.env, self.postgres_url = workdir, env, postgres_url
        self.workers = []

    def manage(self, *args, code=None, extra=()):
        command = [sys.executable, "manage.py", *args]
        if code is not None:
            command += ["-c", code]
        result = subprocess.run(
            command,
            cwd=ROOT,
            env={**self.env, "SCRIPT_ARGS": " ".join(extra)},
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def shell(self, code, *args):
        prelude = "import os, sys\nsys.argv += os.environ['SCRIPT_ARGS'].split()\n"
        return self.manage("shell", "-v", "0", code=prelude + code, extra=args)

    def statuses(self, prefix):
        query = (
            "SELECT status, COUNT(*) FROM notifications_outboundemail "
            "WHERE idempotency_key LIKE %s GROUP BY status"
        )
        if self.postgres_url:
            with psycopg.connect(self.postgres_url, autocommit=True) as db:
                rows = db.execute(query, (f"{prefix}-%",)).fetchall()
        else:
            with sqlite3.connect(self.workdir / "db.sqlite3", timeout=20) as db:
                rows = db.execute(query.replace("%s", "?"), (f"{prefix}-%",)).fetchall()
        return dict(rows)

    def wait_for(self, prefix, expected, what):
        stop = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < stop:
            statuses = self.statuses(prefix)
            if statuses == expected:
                return
            time.sleep(0.2)
        raise AssertionError(f"{what}: {statuses} instead of {expected}")

    def start_worker(self):
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def kill(self, worker):
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def stop_workers(self):
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(worker)
        self.workers = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sink():
    server = Sink()
    yield server
    server.close()


@pytest.fixture(scope="module")
def instance_base():
    workdir = Path(tempfile.mkdtemp(prefix="tds-outbox-"))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="outbox-test-only-secret-key-not-used-anywhere-else-at-all",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
        STATIC_MANIFEST="false",
        VAR_DIR=str(workdir),
        EMAIL_PROVIDER="smtp",
        EMAIL_HOST="127.0.0.1",
        DEFAULT_FROM_EMAIL="Ville de Bordeaux <solidarites@example.org>",
        # Short delays: 3 attempts 0.5 s apart, a stuck row released after 2 s, the
        # sweep every second; the new round of a failed email is far (an hour).
        OUTBOX_MAX_ATTEMPTS="3",
        OUTBOX_RETRY_BASE_SECONDS="0",
        OUTBOX_STALE_SENDING_SECONDS="2",
        OUTBOX_SWEEP_INTERVAL_SECONDS="1",
        OUTBOX_FAILED_RETRY_SECONDS="3600",
    )
    postgres_url = None
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        base = urlsplit(os.environ["DATABASE_URL"])
        name = f"{settings.DATABASES['default']['TEST']['NAME']}_outbox_{os.getpid()}"
        postgres_url = base._replace(path=f"/{name}").geturl()
        assert recreate_postgres(postgres_url)
        env["DATABASE_URL"] = postgres_url
    instance = Instance(workdir, env, postgres_url)
    instance.manage("migrate", "--no-input", "-v0")
    yield instance
    if postgres_url:
        drop_postgres(postgres_url)


@pytest.fixture
def instance(instance_base, sink):
    instance_base.env["EMAIL_PORT"] = str(sink.port)
    yield instance_base
    instance_base.stop_workers()


def test_an_outage_longer_than_every_attempt_loses_nothing_and_a_resend_sends_once(instance, sink):
    started = time.monotonic()
    sink.refusing = True
    instance.start_worker()
    instance.shell(CREATE_EMAILS, "outage", "8")

    instance.wait_for("outage", {"failed": 8}, "after every attempt")
    assert sink.refused >= 8 * 3
    assert sink.message_ids == []
    sink.refusing = False
    time.sleep(1.5)  # sweeps run meanwhile: a failed email waits for its new round
    assert instance.statuses("outage") == {"failed": 8}

    assert instance.shell(RESEND_ALL).strip() == "8"
    instance.wait_for("outage", {"sent": 8}, "after the resend")

    expected = sorted(instance.shell(MESSAGE_IDS, "outage").split())
    time.sleep(0.5)
    assert sorted(sink.message_ids) == expected  # 0 lost, 0 duplicated
    assert len(set(expected)) == 8
    assert time.monotonic() - started < 60


def test_a_worker_killed_mid_batch_leaves_a_row_the_sweep_sends_once(instance, sink):
    started = time.monotonic()
    sink.stall_at = 2  # the second email of the batch: the server never answers
    worker = instance.start_worker()
    instance.shell(CREATE_EMAILS, "killed", "5")

    assert sink.stalled.wait(DEADLINE_SECONDS), "the worker never reached the second email"
    instance.kill(worker)
    statuses = instance.statuses("killed")
    assert statuses == {"sent": 1, "sending": 1, "pending": 3}
    sink.release.set()

    instance.start_worker()  # nothing else: its sweep finds the rows
    instance.wait_for("killed", {"sent": 5}, "after the sweep")

    expected = sorted(instance.shell(MESSAGE_IDS, "killed").split())
    time.sleep(0.5)
    assert sorted(sink.message_ids) == expected  # each email exactly once
    assert len(set(expected)) == 5
    assert time.monotonic() - started < 60
