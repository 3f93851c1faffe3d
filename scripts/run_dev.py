"""Run the task worker and the development web server together (``make run``).

Both run in their own process group; Ctrl-C (or SIGTERM) stops both, and if one of
them exits the other is stopped too. Usage:
``python scripts/run_dev.py [--seed] [ADDR:PORT]`` (``--seed`` loads the demo data
first).

The address (``ADDR`` of ``make run``, 127.0.0.1:8000 by default) is also the one of
the links the site writes in its emails (``SITE_URL``, unless set) and of the URLs
printed here. Emails go to the development mailbox (``EMAIL_PROVIDER=file``, unless
set): one file each under ``var/sent-emails/``, read at ``/dev/courriels/``.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 10
DEFAULT_ADDR = "127.0.0.1:8000"
ALL_INTERFACES = {"0.0.0.0", "::", "[::]", ""}


def site_url(addr: str) -> str:
    """The URL a browser on this machine opens for the server listening on ``addr``
    ("8000", "0.0.0.0:8000", "127.0.0.1:8102", "[::1]:8000")."""
    host, _, port = addr.rpartition(":")
    if host in ALL_INTERFACES:
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def dev_environment(addr: str, environ=None) -> dict:
    """The environment of the worker and the server: the links of the emails follow
    ``addr``, and emails go to the development mailbox, unless the caller chose."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("SITE_URL", site_url(addr))
    env.setdefault("EMAIL_PROVIDER", "file")
    return env


def start(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, start_new_session=True
    )


def stop(processes):
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(*argv) -> int:
    args = list(argv)
    seed = "--seed" in args
    args = [arg for arg in args if arg != "--seed"]
    addr = args[0] if args else DEFAULT_ADDR
    env = dev_environment(addr)
    url = env["SITE_URL"]
    if seed:
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True)

    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    worker = start(env, "db_worker")
    web = start(env, "runserver", addr)
    processes = [worker, web]
    lines = [
        f"Terre de Solidarités: {url}/ (task worker and web server running; Ctrl-C stops both)"
    ]
    if env["EMAIL_PROVIDER"] == "file":
        lines.append(f"Emails sent: {url}/dev/courriels/ (the development mailbox)")
    print("\n" + "\n".join(lines) + "\n", flush=True)
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.3)
    finally:
        stop(processes)
    if stopping:
        print("\nWorker and web server stopped.", flush=True)
        return 0
    for name, process in (("task worker", worker), ("web server", web)):
        if process.returncode:
            print(f"The {name} exited with status {process.returncode}.", file=sys.stderr)
            return process.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
