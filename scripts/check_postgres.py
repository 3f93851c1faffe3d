"""Is the PostgreSQL server of DATABASE_URL reachable? (``make test``, before the
PostgreSQL run of the suite.)

Usage: ``python scripts/check_postgres.py postgres://user@host:port/name``

Exit status: 0 reachable; 1 unreachable under CI (the run must fail); 3 unreachable
elsewhere (the caller skips the PostgreSQL run with a warning).
"""

import os
import sys

import psycopg

SKIP = 3


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def describe(url: str) -> str:
    """host:port/name of the URL, without its password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the given DATABASE_URL"
    host, port = info.get("host", "localhost"), info.get("port", "5432")
    return f"{host}:{port}/{info.get('dbname', '')}"


def main(url: str) -> int:
    where = describe(url)
    try:
        # The maintenance database: the test database is created from there, and the
        # database named in the URL does not need to exist.
        with psycopg.connect(url, dbname="postgres", connect_timeout=5) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if in_ci():
            print(f"ERROR: PostgreSQL is unreachable at {where}: {reason}", file=sys.stderr)
            print("CI must run the suite on PostgreSQL too; failing.", file=sys.stderr)
            return 1
        print(f"WARNING: PostgreSQL is unreachable at {where}: {reason}", file=sys.stderr)
        print("WARNING: skipping the PostgreSQL run of the suite.", file=sys.stderr)
        return SKIP
    print(f"PostgreSQL {version} reachable at {where}.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
