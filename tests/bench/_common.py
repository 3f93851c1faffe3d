"""What the benchmark scripts share: the production-like child process on a throwaway
database (a SQLite file in a temporary ``VAR_DIR``, or a PostgreSQL database created and
dropped around the run), the timing of a page (queries counted, median and fastest of
repeated requests) and the printing of figures.

Nothing here sets Django up: the parent processes only start children and print."""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]

# Production-like settings for the child process (see config/settings.py).
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else",
    "ALLOWED_HOSTS": "testserver",
    "SECURE_COOKIES": "false",
    "SECURE_SSL_REDIRECT": "false",
    "EMAIL_PROVIDER": "console",
    "LOG_LEVEL": "WARNING",
    # The static files are read from their folders, not collected under hashed names.
    "STATIC_MANIFEST": "false",
}


def say(text=""):
    print(text, flush=True)


# ------------------------------------------------------------- throwaway databases


def database_name(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


def throwaway_url(url: str, parser) -> str:
    """``url`` with the process id appended to its database name (two runs on one
    server never drop each other's database); refused unless the name says "bench"."""
    if "bench" not in database_name(url):
        parser.error("the PostgreSQL database is dropped: its name must contain 'bench'")
    parts = urlsplit(url)
    return parts._replace(path=f"{parts.path}_{os.getpid()}").geturl()


def databases(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def recreate_postgres(url: str) -> bool:
    """Drop and create the database of ``url`` (from the ``postgres`` database).
    False when the server cannot be reached."""
    try:
        with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as db:
            _drop(db, url)
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"WARNING: PostgreSQL unreachable: {reason}", file=sys.stderr)
        return False
    return True


def drop_postgres(url: str) -> None:
    with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as db:
        _drop(db, url)


def _drop(db, url: str) -> None:
    db.execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(database_name(url))
        )
    )


def run_child(script, arguments, *, database, postgres_url, label, keep=False):
    """Run ``script`` with ``arguments`` plus ``--json FILE`` in a child process with the
    production configuration on a fresh ``database``; its figures (the JSON it wrote),
    or "skipped" (PostgreSQL unreachable), or "failed"."""
    workdir = Path(tempfile.mkdtemp(prefix=f"tds-bench-{label}-{database}-"))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(ENVIRONMENT, VAR_DIR=str(workdir))
    if database == "postgres":
        if not recreate_postgres(postgres_url):
            shutil.rmtree(workdir, ignore_errors=True)
            return "skipped"
        env["DATABASE_URL"] = postgres_url
    output = workdir / "figures.json"
    command = [sys.executable, str(script), *arguments, "--json", str(output)]
    try:
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if completed.returncode != 0:
            print(
                f"The {label} benchmark failed on {database} (exit {completed.returncode}).",
                file=sys.stderr,
            )
            return "failed"
        return json.loads(output.read_text())
    finally:
        if keep:
            say(f"Kept {workdir}" + (f" and {postgres_url}" if database == "postgres" else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if database == "postgres":
                drop_postgres(postgres_url)


def compare_sizes(
    script, doc, child, *, label, postgres_url, dossiers, requests, queries_help
) -> int:
    """The command line of a benchmark of pages at two sizes (``--small`` and
    ``--dossiers``) on each database: in the parent, one ``child`` process a database
    (``run_child``); in that process, ``child(args)``. 1 when a child failed, else 0."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=dossiers)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=postgres_url)
    parser.add_argument("--show-queries", action="store_true", help=queries_help)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    args.postgres_url = throwaway_url(args.postgres_url, parser)
    arguments = ["--child", "--dossiers", str(args.dossiers), "--small", str(args.small)]
    arguments += ["--requests", str(args.requests), "--seed", str(args.seed)]
    if args.show_queries:
        arguments.append("--show-queries")
    failed = False
    for database in databases(args.database):
        result = run_child(
            script, arguments, database=database, postgres_url=args.postgres_url, label=label
        )
        failed = failed or result == "failed"
    return 1 if failed else 0


def say_ratios(figures, names) -> None:
    """The ratios large / small of the median time of each page measured at both
    sizes, and whether its number of queries stayed the same (kept in ``figures``)."""
    small, large = figures["sizes"]["small"], figures["sizes"]["large"]
    say(f"\n--- ratios {large['dossiers']} / {small['dossiers']} dossiers")
    for name in names:
        if name in small and name in large:
            ratio = large[name]["median_ms"] / small[name]["median_ms"]
            same = "same" if large[name]["queries"] == small[name]["queries"] else "DIFFERENT"
            figures.setdefault("ratios", {})[name] = ratio
            say(f"  {name:<11} time {ratio:.2f}   queries {same}")


# ---------------------------------------------------------------------- timing


def timed(function, repeat: int) -> list[float]:
    """The durations, in seconds, of ``repeat`` calls of ``function``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def median_ms(times) -> float:
    return statistics.median(times) * 1000


def logged_in_client(user, *, raise_request_exception=True):
    """A test client logged in as ``user``, past the second factor that staff need."""
    from django.test import Client

    from tests.factories import mark_mfa_passed

    client = Client(raise_request_exception=raise_request_exception)
    client.force_login(user)
    mark_mfa_passed(client.session, user)
    return client


def measure_get(client, url, params=None, *, requests: int, wrapper=None):
    """One page: a warm-up request (templates compiled, caches filled), one request
    whose queries are counted, then ``requests`` timed ones. Returns the figures and
    the counted response. ``wrapper``: an execute wrapper seeing the counted queries.
    (Django is imported here: the parent processes import this module without it.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)
    wrapped = connection.execute_wrapper(wrapper) if wrapper else nullcontext()
    with CaptureQueriesContext(connection) as captured, wrapped:
        response = client.get(url, params)
    # Read now: the next request empties the connection's query log.
    sql_run = [query["sql"] for query in captured.captured_queries]
    times = timed(lambda: client.get(url, params), requests)
    figures = {
        "status": response.status_code,
        "queries": len(sql_run),
        "sql": sql_run,
        "median_ms": median_ms(times),
        "min_ms": min(times) * 1000,
        "bytes": len(response.content),
    }
    return figures, response


def database_label() -> str:
    """ "PostgreSQL 17.2" or "SQLite 3.46.1": the database the child measures."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum (PostgreSQL) or
    ``PRAGMA optimize`` would on a live site: done now, it does not run in the middle of
    the measures, and the plans measured are those of a database of that size."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
