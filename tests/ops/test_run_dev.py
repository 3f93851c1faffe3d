"""``make run``'s comfort: the address chosen (``ADDR``) is the one of the URLs printed
and of the links of the emails; the emails sent in development are read at the
development mailbox; the PDF library prints no progress lines."""

import importlib.util
import logging
import signal
import subprocess
import sys
import urllib.request

import pytest

from notifications.letters import render_decision_letter
from workflows.states import DossierState as S

from .test_scripts import ROOT, clean_env, free_port, manage, wait_for

spec = importlib.util.spec_from_file_location("run_dev", ROOT / "scripts" / "run_dev.py")
run_dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_dev)


@pytest.mark.parametrize(
    ("addr", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("127.0.0.1:8102", "http://127.0.0.1:8102"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080"),  # listening everywhere: open it here
        ("8001", "http://127.0.0.1:8001"),
        ("localhost:9000", "http://localhost:9000"),
        ("[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_the_site_url_follows_the_address(addr, url):
    assert run_dev.site_url(addr) == url
    assert run_dev.dev_environment(addr, {})["SITE_URL"] == url


def test_what_the_developer_set_is_kept():
    env = run_dev.dev_environment(
        "127.0.0.1:8102", {"SITE_URL": "https://x.fr", "EMAIL_PROVIDER": "console"}
    )
    assert (env["SITE_URL"], env["EMAIL_PROVIDER"]) == ("https://x.fr", "console")
    assert run_dev.dev_environment("127.0.0.1:8102", {})["EMAIL_PROVIDER"] == "file"


def test_the_emails_of_the_demo_site_are_read_at_the_printed_mailbox(tmp_path):
    port = free_port()
    env = clean_env(VAR_DIR=str(tmp_path))
    env.pop("SITE_URL", None)
    assert manage(env, "migrate", "--no-input", "--verbosity=0").returncode == 0
    log = tmp_path / "run.log"
    with log.open("w") as output:
        runner = subprocess.Popen(
            [sys.executable, "scripts/run_dev.py", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        mailbox = f"http://127.0.0.1:{port}/dev/courriels/"
        status, page = wait_for(mailbox)
        assert status == 200
        assert "Aucun courriel n'a encore été envoyé." in page  # French by default
        sent = manage({**env, "EMAIL_PROVIDER": "file"}, "sendtestemail", "dev@example.org")
        assert sent.returncode == 0, sent.stderr
        request = urllib.request.Request(mailbox, headers={"Accept-Language": "en"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = response.read().decode()
        assert "dev@example.org" in page and "Test email from" in page
    finally:
        runner.send_signal(signal.SIGINT)
        runner.wait(timeout=30)
    printed = log.read_text()
    assert f"http://127.0.0.1:{port}/ (task worker" in printed
    assert f"Emails sent: {mailbox}" in printed


def test_the_pdf_library_prints_no_progress_lines(world, caplog):
    dossier = world.dossier(S.SELECTED)

    with caplog.at_level(logging.INFO):
        render_decision_letter(dossier)

    assert [r for r in caplog.records if r.name.startswith("weasyprint")] == []
