"""Benchmark of the REST API's list of dossiers, on SQLite and PostgreSQL.

    python tests/bench/bench_api.py [--dossiers 10000] [--small 1000] [--requests 20]
                                    [--database sqlite|postgres|both] [--show-queries]

Like ``bench_staff.py``, each database gets a fresh throwaway copy filled by
``bench_engine``'s bulk set-up (dossiers spread over the states as on a real site), and
the measures run in a child process with the production configuration
(``DEBUG=false``). The caller is an administrator with a personal read token
(``Authorization: Bearer``), as the City's other systems call the API.

Measured at ``--small`` (1,000) and ``--dossiers`` (10,000) dossiers, 100 dossiers a
page: the first page of ``/api/dossiers/``, the page its ``next`` cursor leads to, and
the first page filtered by state and objective: SQL queries (target: constant) and
median / fastest time of ``--requests`` requests, with the ratio large / small.
Nothing here asserts anything about time; the figures are printed.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    analyze,
    compare_sizes,
    database_label,
    measure_get,
    say,
    say_ratios,
)

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_api"
LIST_URL = "/api/dossiers/"
PAGE = {"page_size": "100"}
FILTERED = {"page_size": "100", "state": "submitted", "objective": "1"}


def child(args):
    # The benchmark's requests are far above a token's rate limit.
    os.environ["API_TOKEN_RATE_LIMIT"] = "1000000/m/key"
    # Importing bench_engine sets Django up (with the environment run by main()).
    from tests.bench import bench_engine as engine  # isort: skip

    import django
    from django.core.management import call_command
    from django.test import Client

    from api.models import ApiToken
    from api.services import create_token
    from calls.models import Application
    from tests.factories import enrol_totp

    label = database_label()
    say(f"=== {label}")
    call_command("migrate", verbosity=0)
    if Application.objects.exists():
        raise SystemExit("The database already holds dossiers: give the benchmark an empty one.")
    site = engine.Site(engine.random.Random(args.seed))
    enrol_totp(site.administrator)
    _token, secret = create_token(
        site.administrator, name="Benchmark", scope=ApiToken.Scope.READ, lifetime_days=30
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    figures = {"database": label, "django": django.get_version(), "sizes": {}}

    def measure(url, params):
        result, response = measure_get(client, url, params, requests=args.requests)
        assert result["status"] == 200, (url, result["status"], response.content[:300])
        body = response.json()
        if args.show_queries:
            for number, sql in enumerate(result["sql"], start=1):
                say(f"      {number:>2}. {sql[:200]}")
        return {
            "queries": result["queries"],
            "median_ms": result["median_ms"],
            "min_ms": result["min_ms"],
            "rows": len(body["results"]),
            "kib": result["bytes"] / 1024,
        }, body

    for key, size in (("small", args.small), ("large", args.dossiers)):
        seconds = engine.grow(site, size)
        analyze()
        say(f"\n--- {Application.objects.count()} dossiers (bulk set-up {seconds:.1f} s)")
        first, body = measure(LIST_URL, PAGE)
        result = {"dossiers": Application.objects.count(), "first_page": first}
        if body["next"]:
            result["next_page"], _body = measure(body["next"], None)
        result["filtered"], _body = measure(LIST_URL, FILTERED)
        figures["sizes"][key] = result
        for name in ("first_page", "next_page", "filtered"):
            if name in result:
                figure = result[name]
                say(
                    f"  {name:<11} {figure['queries']:3} queries  median "
                    f"{figure['median_ms']:7.1f} ms  fastest {figure['min_ms']:7.1f} ms  "
                    f"{figure['rows']:3} dossiers  {figure['kib']:5.0f} KiB"
                )
    say_ratios(figures, ("first_page", "next_page", "filtered"))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


def main():
    return compare_sizes(
        __file__,
        __doc__,
        child,
        label="api",
        postgres_url=POSTGRES_URL,
        dossiers=10_000,
        requests=20,
        queries_help="the queries of each page",
    )


if __name__ == "__main__":
    main()
