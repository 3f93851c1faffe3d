"""Run the task worker and the development web server together (``make run``).

Both run in their own process group; Ctrl-C (or SIGTERM) stops both, and if one of
them exits the other is stopped too. Usage: ``python scripts/run_dev.py [ADDR:PORT]``.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 10


def start(*args):
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, start_new_session=True)


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


def main(addr="127.0.0.1:8000") -> int:
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    worker = start("db_worker")
    web = start("runserver", addr)
    processes = [worker, web]
    print(
        f"\nTerre de Solidarités: http://{addr}/ (task worker and web server running; "
        "Ctrl-C stops both)\n",
        flush=True,
    )
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
    sys.exit(main(*sys.argv[1:2]))
