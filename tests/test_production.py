"""The production topology as the README describes it: gunicorn with several worker
processes on the production settings, the static files collected and served by
WhiteNoise under hashed names, and the shared cache in Redis when REDIS_URL is set.
(The load test of the whole topology is ``make prod-check``, tests/bench/bench_load.py.)"""

import gzip
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def production_environment(var_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        VAR_DIR=str(var_dir),
        EMAIL_PROVIDER="console",
        **extra,
    )
    return env


def manage(env, *arguments):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **headers})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn with config/gunicorn.conf.py and 2 workers, on a fresh SQLite database
    whose static files were collected."""
    var_dir = tmp_path_factory.mktemp("production")
    env = production_environment(var_dir)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    port = free_port()
    log = open(var_dir / "gunicorn.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (var_dir / "gunicorn.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not listen within a minute"
            time.sleep(0.2)
    yield port, var_dir
    os.killpg(process.pid, 15)
    process.wait(timeout=30)
    log.close()


def test_gunicorn_serves_the_pages_over_https_behind_the_proxy(gunicorn):
    port, var_dir = gunicorn

    plain, _ = get(port, "/")
    secure, body = get(port, "/", **{"X-Forwarded-Proto": "https"})

    assert plain.status == 301
    assert plain.getheader("Location") == f"https://127.0.0.1:{port}/"
    assert secure.status == 200, (var_dir / "gunicorn.log").read_text()
    assert "Bordeaux Terre de Solidarités" in body.decode()
    assert "unsafe-inline" not in secure.getheader("Content-Security-Policy")
    assert secure.getheader("Strict-Transport-Security").startswith("max-age=31536000")


def test_the_static_files_are_served_compressed_under_hashed_names(gunicorn):
    port, _ = gunicorn
    _, body = get(port, "/", **{"X-Forwarded-Proto": "https"})
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the page links the collected, hashed style sheet"

    response, content = get(
        port, stylesheet.group(1), **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    )

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "max-age=315360000" in response.getheader("Cache-Control")
    assert b".backoffice" in gzip.decompress(content)
    missing, _ = get(port, "/static/css/absent.css", **{"X-Forwarded-Proto": "https"})
    assert missing.status == 404


def test_the_shared_cache_lives_in_redis_when_redis_url_is_set(tmp_path):
    """What one process stores (a rate-limit counter, say), another process reads."""
    key = f"shared-{secrets.token_hex(8)}"
    env = production_environment(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")
    write = (
        "from django.core.cache import caches; "
        f"caches['default'].set({key!r}, 'seen by the other process', 60); "
        "print(type(caches['default']).__name__)"
    )
    read = f"from django.core.cache import cache; print(cache.get({key!r})); cache.delete({key!r})"

    backend = manage(env, "shell", "--no-imports", "-c", write).strip()
    value = manage(env, "shell", "--no-imports", "-c", read).strip()

    assert backend == "RedisCache"
    assert value == "seen by the other process"
