"""Benchmark of the juror's queue and of the jury's progress page of a prize edition,
on SQLite and PostgreSQL.

    python tests/bench/bench_jury.py [--small 1000] [--dossiers 5000]
                                     [--requests 15] [--database sqlite|postgres|both]

Like ``bench_deliberation.py`` (whose edition it reuses: 10 jurors, a grid of 5
criteria, three scorecards of three jurors per dossier, bulk-inserted), each database
gets a fresh throwaway copy and the measures run in a child process with the
production configuration (``DEBUG=false``). The dossiers are with the jury and one
scorecard in three is still a draft, so that every list of the queue has rows.

Measured at ``--small`` and ``--dossiers`` dossiers, through Django's test client:
the juror's queue ("to score" and "submitted", as a juror) and the progress page of
the call (as an administrator): SQL queries (target: constant) and median / fastest
time of ``--requests`` requests, with the ratio large / small (target ≤ 1.2: the
pages paginate and aggregate in SQL). Nothing here asserts anything about time; the
figures are printed.
"""

import json
import random
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
)
from tests.bench.bench_deliberation import CARDS_PER_DOSSIER, Edition  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_jury"
RATIO_TARGET = 1.2


def _with_the_jury(edition):
    """The edition's dossiers with the jury, one scorecard in three a draft. The rows
    are written in bulk, past the services that keep the jurors' counters: these are
    recounted from the rows, as the migration that brought them did."""
    from calls.models import Application
    from reviews import tallies
    from reviews.models import Scorecard
    from workflows.states import DossierState as S

    Application.objects.filter(call=edition.call).update(state=S.IN_JURY)
    drafts = [pk for pk in Scorecard.objects.order_by("pk").values_list("pk", flat=True)][::3]
    Scorecard.objects.filter(pk__in=drafts).update(submitted_at=None)
    tallies.recount(edition.call)
    analyze()


def child(args):
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    label = database_label()
    say(f"=== {label}")
    edition = Edition(random.Random(args.seed))
    administrator = logged_in_client(edition.administrator)
    juror = logged_in_client(edition.jurors[0])
    pages = {
        "queue_to_score": (juror, "/gestion/jury/"),
        "queue_submitted": (juror, "/gestion/jury/?onglet=soumis"),
        "progress": (administrator, f"/gestion/appels/{edition.call.pk}/jury/"),
    }

    def measure(client, url):
        slow = []

        def timing(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                slow.append(((time.perf_counter() - started) * 1000, sql))

        figures, _response = measure_get(
            client, url, requests=args.requests, wrapper=timing if args.show_queries else None
        )
        for duration, sql in sorted(slow, reverse=True)[:3]:
            say(f"    {duration:7.1f} ms  {sql[:160]}")
        assert figures["status"] == 200, (url, figures["status"])
        return {key: figures[key] for key in ("queries", "median_ms", "min_ms", "bytes")}

    figures = {"database": label, "django": django.get_version(), "sizes": {}}
    for key, size in (("small", args.small), ("large", args.dossiers)):
        edition.grow(size)
        _with_the_jury(edition)
        say(f"--- {size} dossiers, {size * CARDS_PER_DOSSIER} scorecards")
        result = {"dossiers": size}
        for name, (client, url) in pages.items():
            result[name] = measure(client, url)
            say(
                f"{name:16} queries {result[name]['queries']:3}  median "
                f"{result[name]['median_ms']:7.1f} ms  fastest {result[name]['min_ms']:7.1f} ms  "
                f"{result[name]['bytes'] / 1024:6.0f} KiB"
            )
        figures["sizes"][key] = result
    small, large = figures["sizes"]["small"], figures["sizes"]["large"]
    say(f"--- ratios large / small (target ≤ {RATIO_TARGET})")
    for name in pages:
        ratio = large[name]["median_ms"] / small[name]["median_ms"]
        same = "same" if large[name]["queries"] == small[name]["queries"] else "DIFFERENT"
        say(f"{name:16} time {ratio:.2f}   queries {same}")
        figures.setdefault("ratios", {})[name] = ratio
    Path(args.json).write_text(json.dumps(figures, indent=2))


def main():
    return compare_sizes(
        __file__,
        __doc__,
        child,
        label="jury",
        postgres_url=POSTGRES_URL,
        dossiers=5_000,
        requests=15,
        queries_help="the 3 slowest queries",
    )


if __name__ == "__main__":
    main()
