"""The production topology under load (``make prod-check``).

    python tests/bench/bench_load.py [--clients 4] [--rounds 25] [--dossiers 50]
                                     [--postgres-url postgres://.../tds_bench] [--keep]

Starts, on this machine, what the README's "Production" section describes, with the
production settings (``DEBUG=false``, HTTPS behind a proxy header, secure cookies):
a PostgreSQL database created for the run and dropped after it, ``collectstatic``,
gunicorn with 4 worker processes (``config/gunicorn.conf.py``) serving the static files
through WhiteNoise, two task workers (``manage.py db_worker``), the shared cache (the
database table) and a local SMTP server that records every message it accepts.

Then this process, a second one on 127.0.0.1, plays the users: ``--clients`` staff
members log in (password, then their TOTP code) in parallel threads and read the
dashboard, the dossier list, a dossier, the decisions page, the outbox and the style
sheet ``--rounds`` times each; one of them then selects ``--dossiers`` dossiers in one
bulk decision with a grant each and sends their decision emails from the outbox.

It fails (exit 1) on any 5xx answer, on any email lost or delivered twice at the SMTP
server, or when the emails are not all delivered within two minutes; it prints the
requests per second and the median and 95th percentile per kind of page.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import socketserver
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    drop_postgres,
    recreate_postgres,
    say,
    throwaway_url,
)

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_load"
PASSWORD = "Mot-de-passe-du-banc-d-essai-2026"
GRANT = "3000"


# ------------------------------------------------------------------ the SMTP server


class SMTPSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server on 127.0.0.1 that accepts every message and records the
    Message-ID of each one it accepted."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.message_ids = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.server_address[1]


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 bench SMTP ready")
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 bench")
            elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                self.read_message()
                self.reply("250 accepted")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def read_message(self):
        message_id = None
        in_headers = True
        while line := self.rfile.readline():
            if line in {b".\r\n", b".\n"}:
                break
            if in_headers:
                if line.strip() == b"":
                    in_headers = False
                elif line.lower().startswith(b"message-id:"):
                    message_id = line.split(b":", 1)[1].strip().decode()
        with self.server.lock:
            self.server.message_ids.append(message_id)


# ------------------------------------------------------------- the users' side


def totp(secret: str, at: float) -> str:
    """The six-digit code of an authenticator app (RFC 6238, SHA-1, 30 s)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Forms(HTMLParser):
    """The forms of a page: their action and their named fields."""

    def __init__(self, html):
        super().__init__()
        self.forms = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": attrs.get("action", ""), "id": attrs.get("id"), "fields": []}
            )
        elif tag in {"input", "button"} and self.forms and attrs.get("name"):
            kind = attrs.get("type", "text" if tag == "input" else "submit")
            if kind not in {"checkbox", "radio", "submit"} or "checked" in attrs:
                self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))

    def find(self, *, action=None, form_id=None):
        for form in self.forms:
            if (action and form["action"] == action) or (form_id and form["id"] == form_id):
                return form
        raise LookupError(f"no form {action or form_id} on the page")


class Browser:
    """One user's HTTP connection, with its cookies, behind the (simulated) TLS proxy."""

    def __init__(self, host, port, timings):
        self.host, self.port = host, port
        self.origin = f"https://{host}:{port}"
        self.cookies = {}
        self.timings = timings
        self.connection = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method, path, kind, data=None):
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "fr",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        content = response.read()
        self.timings[kind].append((time.perf_counter() - started, response.status))
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content.decode("utf-8", "replace")

    def get(self, path, kind):
        return self.request("GET", path, kind)

    def submit(self, path, kind, form, extra=()):
        status, location, html = self.request("POST", path, kind, [*form["fields"], *extra])
        return status, location, html

    def follow(self, location, kind):
        return self.get(
            urlsplit(location).path
            + (f"?{urlsplit(location).query}" if urlsplit(location).query else ""),
            kind,
        )

    def log_in(self, email, secret):
        status, _, html = self.get("/comptes/login/", "login")
        form = Forms(html).find(action="/comptes/login/")
        fields = [(k, v) for k, v in form["fields"] if k not in {"login", "password"}]
        status, location, html = self.submit(
            "/comptes/login/",
            "login",
            {"fields": fields},
            [("login", email), ("password", PASSWORD)],
        )
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")
        status, _, html = self.follow(location, "login")
        form = Forms(html).forms
        target = next(
            f
            for f in form
            if "code" not in dict(f["fields"]) and f["action"] in ("", urlsplit(location).path)
        )
        fields = [(k, v) for k, v in target["fields"] if k != "code"]
        status, location, _ = self.submit(
            urlsplit(location).path,
            "login",
            {"fields": fields},
            [("code", totp(secret, time.time()))],
        )
        if status != 302:
            raise RuntimeError(f"second factor of {email} answered {status}")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# ------------------------------------------------------------- the child modes


def setup_child(args):
    """Inside the production settings: the site of the engine benchmark, the dossiers
    awaiting decision, one administrator per client with a password and a TOTP app."""
    import bench_engine as engine  # noqa: PLC0415 (sets Django up with the child's settings)
    from django.contrib.auth.hashers import make_password  # noqa: PLC0415

    from notifications.models import OutboundEmail  # noqa: PLC0415
    from tests.factories import enrol_totp  # noqa: PLC0415
    from workflows import rules  # noqa: PLC0415
    from workflows.states import DossierState as S  # noqa: PLC0415

    site = engine.Site(engine.random.Random(7))
    engine.add_dossiers(site, args.dossiers * 4)
    engine.ensure_pool(site, "ami_open", S.AWAITING_DECISION, args.dossiers)
    site.save_counters()
    staff = []
    for index in range(args.clients):
        user = site.user(f"admin{index}@charge.example.org", rules.ADMINISTRATORS)
        user.password = make_password(PASSWORD)
        user.save(update_fields=["password"])
        staff.append({"email": user.email, "secret": enrol_totp(user)})
    dossier = engine.pool_query(site, "ami_open", S.AWAITING_DECISION).first()
    Path(args.json).write_text(
        json.dumps(
            {
                "staff": staff,
                "call": site.ami.pk,
                "dossier": dossier.pk,
                # The set-up's history holds emails marked sent that no server received.
                "already_sent": list(
                    OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).values_list(
                        "pk", flat=True
                    )
                ),
            }
        )
    )


def report_child(args):
    """The outbox of the run: every row with its status and its Message-ID."""
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    import django  # noqa: PLC0415

    django.setup()
    from notifications.delivery import message_id_for  # noqa: PLC0415
    from notifications.models import OutboundEmail  # noqa: PLC0415

    rows = [
        {"pk": email.pk, "status": email.status, "message_id": message_id_for(email)}
        for email in OutboundEmail.objects.all()
    ]
    Path(args.json).write_text(json.dumps(rows))


# -------------------------------------------------------------------- the parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *arguments):
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def child(env, mode, args, workdir):
    output = workdir / f"{mode}.json"
    command = [
        sys.executable,
        __file__,
        f"--{mode}",
        "--json",
        str(output),
        "--clients",
        str(args.clients),
        "--dossiers",
        str(args.dossiers),
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return json.loads(output.read_text())


def wait_for(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped at start (see its log above).")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not listen within a minute.")


def play(args, port, staff, call, dossier, timings):
    """Every client logs in and reads the pages ``--rounds`` times."""
    pages = [
        ("/tableau-de-bord/", "dashboard"),
        ("/gestion/dossiers/", "dossier list"),
        (f"/dossiers/{dossier}/", "dossier"),
        (f"/gestion/decisions/?call={call}", "decisions"),
        ("/gestion/courriels/", "outbox"),
        ("/static/css/site.css", "static"),
    ]

    def one(person):
        browser = Browser("127.0.0.1", port, timings)
        browser.log_in(person["email"], person["secret"])
        for _ in range(args.rounds):
            for path, kind in pages:
                browser.get(path, kind)
        return browser

    with ThreadPoolExecutor(max_workers=len(staff)) as pool:
        return list(pool.map(one, staff))


def decide_and_send(browser, call, count):
    """One bulk decision of ``count`` dossiers, then "Send all" in the outbox."""
    status, _, html = browser.get(f"/gestion/decisions/?call={call}", "decisions")
    form = Forms(html).find(form_id="decisions-form")
    states = {k: v for k, v in form["fields"] if k.startswith("state-")}
    chosen = [key.removeprefix("state-") for key in list(states)[:count]]
    if len(chosen) < count:
        raise SystemExit(f"Only {len(chosen)} dossiers awaiting a decision on the page.")
    fields = [
        (k, v)
        for k, v in form["fields"]
        if not k.startswith(("amount-", "reason-", "dossier", "action"))
    ]
    extra = [("action", "select")]
    for pk in chosen:
        extra += [("dossier", pk), (f"amount-{pk}", GRANT), (f"reason-{pk}", "Projet retenu.")]
    status, _, html = browser.submit(
        "/gestion/decisions/", "bulk decision", {"fields": fields}, extra
    )
    if status != 200:
        raise SystemExit(f"The bulk decision answered {status}.")
    status, _, html = browser.get(f"/gestion/courriels/?call={call}", "outbox")
    form = Forms(html).find(form_id="send-all")
    status, _, _ = browser.submit(form["action"], "send all", form)
    if status not in {200, 302}:
        raise SystemExit(f"Sending the emails answered {status}.")
    return len(chosen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        sys.path.insert(0, str(ROOT / "tests" / "bench"))
        return setup_child(args)
    if args.report:
        return report_child(args)

    url = throwaway_url(args.postgres_url, parser)
    if not recreate_postgres(url):
        raise SystemExit("PostgreSQL is needed for the production topology.")
    workdir = Path(tempfile.mkdtemp(prefix="tds-load-"))
    sink = SMTPSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="load-test-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
        SITE_URL=f"https://127.0.0.1:{port}",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DATABASE_URL=url,
        VAR_DIR=str(workdir),
        EMAIL_PROVIDER="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        OUTBOX_RETRY_BASE_SECONDS="2",
        LOG_LEVEL="WARNING",
    )
    processes = []
    try:
        say(f"Production topology on 127.0.0.1:{port} (PostgreSQL {url.rsplit('/', 1)[1]}) ...")
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        site = child(env, "setup", args, workdir)
        logs = open(workdir / "processes.log", "w")  # noqa: SIM115
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "4",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs,
            stderr=logs,
            start_new_session=True,
        )
        processes.append(web)
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=logs,
                    stderr=logs,
                    start_new_session=True,
                )
            )
        wait_for(port, web)
        say("gunicorn (4 workers), 2 task workers, SMTP server: started.")

        timings = defaultdict(list)
        started = time.perf_counter()
        browsers = play(args, port, site["staff"], site["call"], site["dossier"], timings)
        decided = decide_and_send(browsers[0], site["call"], args.dossiers)
        elapsed = time.perf_counter() - started

        deadline = time.monotonic() + 120
        while True:
            already_sent = set(site["already_sent"])
            rows = [r for r in child(env, "report", args, workdir) if r["pk"] not in already_sent]
            waiting = [r for r in rows if r["status"] in {"pending", "sending"}]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(1)
        failures = print_figures(timings, elapsed, rows, sink, decided)
        say(f"Process log: {workdir / 'processes.log'}" if args.keep else "")
        return 1 if failures else 0
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
        sink.shutdown()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            drop_postgres(url)


def print_figures(timings, elapsed, rows, sink, decided):
    total = sum(len(v) for v in timings.values())
    errors = sum(1 for v in timings.values() for _, status in v if status >= 500)
    say("")
    every = [d * 1000 for v in timings.values() for d, _ in v]
    say(
        f"{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s, "
        f"median {statistics.median(every):.0f} ms, p95 {percentile(every, 0.95):.0f} ms, "
        f"{errors} answers 5xx"
    )
    say("")
    say("| page | requests | median ms | p95 ms |")
    say("|---|---:|---:|---:|")
    for kind, values in timings.items():
        durations = [d * 1000 for d, _ in values]
        say(
            f"| {kind} | {len(values)} | {statistics.median(durations):.0f}"
            f" | {percentile(durations, 0.95):.0f} |"
        )
    statuses = Counter(row["status"] for row in rows)
    expected = {row["message_id"] for row in rows if row["status"] == "sent"}
    received = Counter(sink.message_ids)
    # Held emails wait for an administrator's review: they are not due.
    due = {row["message_id"] for row in rows if row["status"] not in {"held", "cancelled"}}
    lost = len(due - set(received))
    twice = sum(1 for count in received.values() if count > 1)
    strangers = len(set(received) - expected)
    say("")
    say(
        f"{decided} dossiers selected in one bulk decision; outbox: "
        + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    )
    say(
        f"SMTP server: {len(sink.message_ids)} messages, {lost} lost, {twice} delivered twice, "
        f"{strangers} not in the outbox"
    )
    problems = []
    if errors:
        problems.append(f"{errors} answers 5xx")
    if lost or twice or strangers or not expected:
        problems.append("emails lost or duplicated")
    if statuses.get("pending") or statuses.get("sending") or statuses.get("failed"):
        problems.append("emails not all delivered")
    say(
        "RESULT: "
        + ("; ".join(problems) if problems else "no 5xx, every email delivered exactly once")
    )
    return problems


if __name__ == "__main__":
    sys.exit(main())
