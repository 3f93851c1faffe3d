"""The production profile: with exactly the environment the README lists, Django's
deployment check passes at the warning level; the pages carry the security headers."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"<[^<>@]+>")


def readme_production_environment() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Production", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    environment = {}
    for line in block.splitlines():
        name, _, value = line.partition("=")
        value = PLACEHOLDER.sub(lambda _m: secrets.token_urlsafe(50), value)
        environment[name] = shlex.split(value)[0]
    return environment


def test_the_deployment_check_passes_with_the_readme_environment(tmp_path):
    listed = readme_production_environment()
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER"} <= set(listed)
    env = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path), **listed}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_the_readme_environment_the_check_fails(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": str(tmp_path),
        **readme_production_environment(),
        "SECURE_HSTS_SECONDS": "0",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr


@pytest.mark.parametrize("path", ["/", "/comptes/login/", "/appels/", "/page-inconnue/"])
def test_every_page_has_a_strict_content_security_policy(client, db, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_pages_are_https_only(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = Client().get("/")
    secure = Client().get("/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_behind_the_proxy_reset_links_are_https(db, settings, on_commit):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    user = UserFactory(email="karim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    with on_commit():
        Client().post(
            "/comptes/password/reset/",
            {"email": "karim@example.org"},
            HTTP_X_FORWARDED_PROTO="https",
        )

    links = re.findall(r"\S+/comptes/password/reset/key/\S+", mail.outbox[0].body)
    assert links and all(link.startswith("https://") for link in links), mail.outbox[0].body
