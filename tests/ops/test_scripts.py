"""What ``make run`` and ``make test`` rely on, run for real in subprocesses: the
PostgreSQL reachability check, and the demo site (migrate, seed, worker and web server
started together and stopped together)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra):
    """The environment of a developer's shell: no pytest, no DATABASE_URL, no CI."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_VERSION", "DATABASE_URL", "CI", "DEBUG", "EMAIL_PROVIDER"}
    }
    env.update(extra)
    return env


def check_postgres(url, **env):
    return subprocess.run(
        [sys.executable, "scripts/check_postgres.py", url],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_postgres_is_skipped_with_a_warning_outside_ci():
    result = check_postgres(f"postgres://postgres:secret@127.0.0.1:{free_port()}/tds")
    assert result.returncode == 3
    assert "WARNING" in result.stderr and "skipping the PostgreSQL run" in result.stderr
    assert "secret" not in result.stderr


def test_unreachable_postgres_fails_under_ci():
    result = check_postgres(f"postgres://postgres@127.0.0.1:{free_port()}/tds", CI="true")
    assert result.returncode == 1
    assert "ERROR: PostgreSQL is unreachable" in result.stderr


def manage(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def group_alive(pgid) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the children")
def test_demo_site_starts_with_its_data_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = clean_env(VAR_DIR=str(tmp_path), SITE_URL=f"http://127.0.0.1:{port}")

    assert manage(env, "migrate", "--no-input", "--verbosity=0").returncode == 0
    seeded = manage(env, "seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    assert f"http://127.0.0.1:{port}/" in seeded.stdout
    assert "admin@demo.bordeaux.fr" in seeded.stdout
    # The emails of the seeding are delivered to the in-memory mailer: none printed,
    # no task left for the worker but the outbox sweep (started by migrate, it schedules
    # itself), no email waiting in the outbox.
    assert "Subject:" not in seeded.stdout + seeded.stderr
    leftovers = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django_tasks_db.models import DBTaskResult;"
        "from notifications.models import OutboundEmail as E;"
        "sweep = DBTaskResult.objects.filter(task_path='notifications.tasks.sweep_outbox');"
        "print(DBTaskResult.objects.exclude(pk__in=sweep).count(), sweep.count(),"
        " E.objects.filter(status__in=['pending','sending']).count(),"
        " E.objects.filter(status='sent').count())",
    )
    tasks, sweeps, waiting, sent = map(int, leftovers.stdout.split())
    assert (tasks, sweeps, waiting) == (0, 1, 0) and sent > 0

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
        status, page = wait_for(f"http://127.0.0.1:{port}/comptes/login/")
        assert status == 200 and 'name="password"' in page
        children = children_of(runner.pid)
        assert len(children) == 2  # the task worker and the web server
        assert all(group_alive(child) for child in children)

        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=30) == 0
        assert not any(group_alive(child) for child in children)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/comptes/login/", timeout=2)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert "Ctrl-C stops both" in log.read_text()
