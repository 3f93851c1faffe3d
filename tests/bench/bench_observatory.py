"""Benchmark of the observatory's pages (objective 21), on SQLite and PostgreSQL.

    python tests/bench/bench_observatory.py [--dossiers 10000] [--small 1000]
                                            [--requests 15] [--database sqlite|postgres|both]
                                            [--show-queries]

Like ``bench_api.py``, each database gets a fresh throwaway copy filled by
``bench_engine``'s bulk set-up (dossiers spread over the states, the calls' objectives,
the organisation kinds and the decisions as on a real site); each dossier is then given
0 to 3 of the eight districts, a channel (mostly online, some on paper, at the counter
or by phone) and a number of people reached. The measures run in a child process with
the production configuration (``DEBUG=false``).

Measured at ``--small`` (1,000) and ``--dossiers`` (10,000) dossiers, through Django's
test client: the staff statistics page ``/gestion/observatoire/`` as an administrator
(every call, default filters; one call; one year) and the public page ``/observatoire/``
with its CSV download (anonymous): SQL queries (target: constant) and median / fastest
time of ``--requests`` requests, with the ratio large / small. Target: the staff page
under 200 ms at 10,000 dossiers on PostgreSQL. Nothing here asserts anything about
time; the figures are printed.
"""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    analyze,
    compare_sizes,
    database_label,
    logged_in_client,
    measure_get,
    say,
    say_ratios,
)

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_observatory"
TARGET_MS = 200  # the staff page at 10,000 dossiers, on PostgreSQL
CHANNEL_WEIGHTS = {"online": 70, "paper": 15, "counter": 10, "phone": 5}


def spread(site, after_pk):
    """Give the dossiers created after ``after_pk`` districts, a channel and a number of
    people reached (the engine's bulk set-up leaves them empty)."""
    from calls.models import Application, District

    rng = site.rng
    codes = list(District.values)
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    dossiers = list(Application.objects.filter(pk__gt=after_pk).only("pk").order_by("pk"))
    for dossier in dossiers:
        dossier.districts = rng.sample(codes, rng.choice((0, 1, 1, 1, 2, 3)))
        dossier.channel = rng.choices(channels, weights=weights)[0]
        dossier.people_count = rng.randrange(10, 2000)
    Application.objects.bulk_update(
        dossiers, ["districts", "channel", "people_count"], batch_size=500
    )


def child(args):
    # Importing bench_engine sets Django up (with the environment run by main()).
    from tests.bench import bench_engine as engine  # isort: skip

    import django
    from django.core.management import call_command
    from django.db.models import Max
    from django.test import Client

    from calls.models import Application, Call
    from tests.factories import enrol_totp

    label = database_label()
    say(f"=== {label}")
    call_command("migrate", verbosity=0)
    if Application.objects.exists():
        raise SystemExit("The database already holds dossiers: give the benchmark an empty one.")
    site = engine.Site(engine.random.Random(args.seed))
    Call.objects.update(is_published=True)
    enrol_totp(site.administrator)
    administrator = logged_in_client(site.administrator)
    anonymous = Client()
    year = site.ami.reference_year
    pages = {
        "staff_all": (administrator, "/gestion/observatoire/", None),
        "staff_call": (administrator, "/gestion/observatoire/", {"call": str(site.ami.pk)}),
        "staff_year": (administrator, "/gestion/observatoire/", {"year": str(year)}),
        "public": (anonymous, "/observatoire/", None),
        "public_csv": (anonymous, "/observatoire/chiffres.csv", None),
    }
    figures = {"database": label, "django": django.get_version(), "sizes": {}}

    def measure(client, url, params):
        slow = []

        def timing(execute, sql, sql_params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, sql_params, many, context)
            finally:
                slow.append(((time.perf_counter() - started) * 1000, sql))

        result, response = measure_get(
            client,
            url,
            params,
            requests=args.requests,
            wrapper=timing if args.show_queries else None,
        )
        assert result["status"] == 200, (url, result["status"], response.content[:300])
        for duration, sql in sorted(slow, reverse=True)[:3]:
            say(f"      {duration:7.1f} ms  {sql[:200]}")
        return {key: result[key] for key in ("queries", "median_ms", "min_ms", "bytes")}

    for key, size in (("small", args.small), ("large", args.dossiers)):
        last = Application.objects.aggregate(last=Max("pk"))["last"] or 0
        seconds = engine.grow(site, size)
        spread(site, last)
        analyze()
        count = Application.objects.count()
        say(f"\n--- {count} dossiers (bulk set-up {seconds:.1f} s)")
        result = {"dossiers": count}
        for name, (client, url, params) in pages.items():
            result[name] = measure(client, url, params)
            figure = result[name]
            say(
                f"  {name:<11} {figure['queries']:3} queries  median "
                f"{figure['median_ms']:7.1f} ms  fastest {figure['min_ms']:7.1f} ms  "
                f"{figure['bytes'] / 1024:5.0f} KiB"
            )
        figures["sizes"][key] = result
    say_ratios(figures, pages)
    large = figures["sizes"]["large"]
    worst = max(large[name]["median_ms"] for name in pages if name.startswith("staff"))
    verdict = "met" if worst < TARGET_MS else "MISSED"
    say(f"  staff page at {large['dossiers']}: {worst:.1f} ms (target < {TARGET_MS} ms: {verdict})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


def main():
    return compare_sizes(
        __file__,
        __doc__,
        child,
        label="observatory",
        postgres_url=POSTGRES_URL,
        dossiers=10_000,
        requests=15,
        queries_help="the 3 slowest queries",
    )


if __name__ == "__main__":
    sys.exit(main())
