"""Benchmark of the back-office's staff list and its XLSX export, on SQLite and
PostgreSQL.

    python tests/bench/bench_staff.py [--dossiers 10000] [--small 1000] [--requests 20]
                                      [--database sqlite|postgres|both] [--show-queries]

Like ``run.py`` (whose helpers it uses), each database gets a fresh throwaway copy:
a SQLite file in a temporary ``VAR_DIR``, and a PostgreSQL database
``tds_bench_staff_<pid>`` created empty and dropped at the end. The measures run in a
child process per database (this script with ``--child``), with the production
configuration (``DEBUG=false``), on a site filled by ``bench_engine``'s bulk set-up
(dossiers spread over the states as on a real site, with their opinions, decisions
and jurors' assignments).

Measured at ``--small`` (1,000) and ``--dossiers`` (10,000) dossiers, through Django's
test client logged in as an administrator:

1. the staff list ``/gestion/dossiers/`` (no filter; and filtered by a search, a state
   and sorted by amount): SQL queries (target: constant, at most 10) and median and
   fastest time of ``--requests`` requests;
2. the XLSX export of every dossier the administrator sees (the drafts excepted):
   time (median of ``--export-runs``), peak Python memory allocated during the request
   (``tracemalloc``, a separate run, since tracing slows Python down), size, and the
   rows read back with openpyxl. The peak at 10,000 rows is printed beside the peak
   at 1,000 rows with their ratio: rows are written out as they are read, so the
   peak is a fixed buffer (the query's chunk of rows, openpyxl's write buffer), not
   a function of the number of rows. The CSV export is measured the same way.

Nothing here asserts anything about time; the figures are printed, with a Markdown
summary of both databases at the end.
"""

import argparse
import json
import re
import sys
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    database_label,
    databases,
    logged_in_client,
    measure_get,
    median_ms,
    run_child,
    say,
    throwaway_url,
    timed,
)
from tests.bench.run import PAGE_QUERY_TARGET  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_staff"
LIST_URL = "/gestion/dossiers/"
FILTERED = {"q": "solidaire", "state": "submitted", "sort": "-amount"}


# ------------------------------------------------------------------ child side


def child(args):
    # Importing bench_engine sets Django up (with the environment run by main()).
    from tests.bench import bench_engine as engine  # isort: skip

    import django
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls.models import Application
    from workflows import rules

    label = database_label()
    say(f"=== {label}")
    call_command("migrate", verbosity=0)
    if Application.objects.exists():
        raise SystemExit("The database already holds dossiers: give the benchmark an empty one.")
    site = engine.Site(engine.random.Random(args.seed))
    client = logged_in_client(site.administrator)
    figures = {"database": label, "django": django.get_version(), "sizes": {}}

    def page(params):
        figures, response = measure_get(client, LIST_URL, params, requests=args.requests)
        assert figures["status"] == 200, figures["status"]
        return {
            "queries": figures["queries"],
            "sql": figures["sql"],
            "median_ms": figures["median_ms"],
            "min_ms": figures["min_ms"],
            "rows_shown": len(
                re.findall(r'href="/gestion/dossiers/\d+/"', response.content.decode())
            ),
        }

    def export(url, check):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            size = 0
            for block in response.streaming_content:
                size += len(block)
            return size

        size = fetch()  # warm-up
        times = timed(fetch, args.export_runs)
        with CaptureQueriesContext(connection) as captured:
            fetch()
        queries = len(captured.captured_queries)  # before the next request empties the log
        tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fetch()
        peak = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
        return {
            "median_s": median_ms(times) / 1000,
            "queries": queries,
            "peak_kib": peak / 1024,
            "bytes": size,
            "rows": check(),
        }

    def xlsx_rows():
        from io import BytesIO

        from openpyxl import load_workbook

        data = b"".join(client.get(LIST_URL + "export.xlsx").streaming_content)
        sheet = load_workbook(BytesIO(data), read_only=True).active
        return sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))

    def csv_rows():
        data = b"".join(client.get(LIST_URL + "export.csv").streaming_content)
        return data.count(b"\r\n") - 1

    for key, size in (("small", args.small), ("large", args.dossiers)):
        seconds = engine.grow(site, size)
        listed = Application.objects.filter(state__in=rules.STAFF_VISIBLE_STATES).count()
        say(f"\n--- {Application.objects.count()} dossiers (bulk set-up {seconds:.1f} s)")
        result = {
            "dossiers": Application.objects.count(),
            "listed": listed,
            "list": page({}),
            "list_filtered": page(FILTERED),
            "xlsx": export(LIST_URL + "export.xlsx", xlsx_rows),
            "csv": export(LIST_URL + "export.csv", csv_rows),
        }
        figures["sizes"][key] = result
        for name in ("list", "list_filtered"):
            figure = result[name]
            flag = "  <-- above the target" if figure["queries"] > PAGE_QUERY_TARGET else ""
            say(
                f"  {name:<14} {figure['queries']} queries{flag}, median "
                f"{figure['median_ms']:.1f} ms (fastest {figure['min_ms']:.1f}) over "
                f"{args.requests} requests, {figure['rows_shown']} rows shown"
            )
            if args.show_queries:
                for number, sql in enumerate(figure["sql"], start=1):
                    say(f"      {number:>2}. {sql[:200]}")
        for name in ("xlsx", "csv"):
            figure = result[name]
            say(
                f"  export {name:<5} {figure['rows']} rows (of {listed} listed), "
                f"{figure['bytes'] / 1024:.0f} KiB, median {figure['median_s']:.2f} s, "
                f"{figure['queries']} queries, peak Python memory {figure['peak_kib']:.0f} KiB"
            )
    small, large = figures["sizes"]["small"], figures["sizes"]["large"]
    for name in ("xlsx", "csv"):
        ratio = large[name]["peak_kib"] / small[name]["peak_kib"]
        figures[f"{name}_peak_ratio"] = ratio
        say(
            f"\n{name.upper()} export peak memory @{small['dossiers']}: "
            f"{small[name]['peak_kib']:.0f} KiB; @{large['dossiers']}: "
            f"{large[name]['peak_kib']:.0f} KiB; ratio {ratio:.2f} "
            f"(rows ratio {large[name]['rows'] / max(small[name]['rows'], 1):.1f})"
        )
    for size in figures["sizes"].values():
        for name in ("list", "list_filtered"):
            size[name].pop("sql")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


# ----------------------------------------------------------------- driver side


def run_one(database, args):
    arguments = ["--child", "--dossiers", str(args.dossiers), "--small", str(args.small)]
    arguments += ["--requests", str(args.requests), "--seed", str(args.seed)]
    arguments += ["--export-runs", str(args.export_runs)]
    if args.show_queries:
        arguments.append("--show-queries")
    return run_child(
        __file__, arguments, database=database, postgres_url=args.postgres_url, label="staff"
    )


def summary(results) -> str:
    names = list(results)
    first = results[names[0]]["sizes"]
    small, large = first["small"]["dossiers"], first["large"]["dossiers"]
    lines = [
        f"## Staff list and export benchmark, {date.today().isoformat()}",
        "",
        f"{' and '.join(results[n]['database'] for n in names)}; "
        f"Django {results[names[0]]['django']}; DEBUG=false; administrator's view "
        "(every dossier but the drafts). Queries counted with CaptureQueriesContext; "
        "peak memory = Python allocations during one request (tracemalloc).",
        "",
        "| figure | " + " | ".join(results[n]["database"] for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def row(label, show):
        lines.append(f"| {label} | " + " | ".join(show(results[n]["sizes"]) for n in names) + " |")

    row(
        f"dossiers in the database / listed (@{small}; @{large})",
        lambda s: (
            f"{s['small']['dossiers']} / {s['small']['listed']}; "
            f"{s['large']['dossiers']} / {s['large']['listed']}"
        ),
    )
    for name, label in (("list", "list page"), ("list_filtered", "filtered list page")):
        row(
            f"{label}: SQL queries @{small} / @{large} (target ≤ {PAGE_QUERY_TARGET}, constant)",
            lambda s, n=name: f"{s['small'][n]['queries']} / {s['large'][n]['queries']}",
        )
        row(
            f"{label}: median (fastest) time @{small} / @{large}, ms",
            lambda s, n=name: (
                f"{s['small'][n]['median_ms']:.1f} ({s['small'][n]['min_ms']:.1f})"
                f" / {s['large'][n]['median_ms']:.1f} ({s['large'][n]['min_ms']:.1f})"
            ),
        )
    for name in ("xlsx", "csv"):
        upper = name.upper()
        row(
            f"{upper} export: rows @{small} / @{large}",
            lambda s, n=name: f"{s['small'][n]['rows']} / {s['large'][n]['rows']}",
        )
        row(
            f"{upper} export: median time @{small} / @{large}, s",
            lambda s, n=name: f"{s['small'][n]['median_s']:.2f} / {s['large'][n]['median_s']:.2f}",
        )
        row(
            f"{upper} export: SQL queries @{small} / @{large}",
            lambda s, n=name: f"{s['small'][n]['queries']} / {s['large'][n]['queries']}",
        )
        row(
            f"{upper} export: peak Python memory @{small} / @{large}, KiB (ratio)",
            lambda s, n=name: (
                f"{s['small'][n]['peak_kib']:.0f} / {s['large'][n]['peak_kib']:.0f}"
                f" ({s['large'][n]['peak_kib'] / s['small'][n]['peak_kib']:.2f})"
            ),
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--export-runs", type=int, default=3, help="timed runs of each export")
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small >= args.dossiers:
        parser.error("need --small < --dossiers")
    if args.child:
        return child(args)

    args.postgres_url = throwaway_url(args.postgres_url, parser)
    results, problems = {}, []
    for database in databases(args.database):
        result = run_one(database, args)
        if isinstance(result, dict):
            results[database] = result
        else:
            problems.append(f"{database}: {result}")
    if results:
        say("\n" + summary(results))
    if problems:
        say("\nWARNING: " + "; ".join(problems))
    return 1 if not results or any("failed" in p for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
