"""Benchmark of the dossier engine on SQLite and PostgreSQL (``make bench``).

    python tests/bench/run.py [--dossiers 10000] [--transitions 500]
                              [--database sqlite|postgres|both] [--show-queries]

Each database gets a fresh throwaway copy: a SQLite file in a temporary ``VAR_DIR``,
and a PostgreSQL database named after ``--postgres-url`` and the process id
(``tds_bench_<pid>`` by default, so that two runs on one server never drop each
other's database), created empty and dropped at the end (``--keep`` keeps both). ``bench_engine.py`` runs once per database
in its own process, with the production configuration (``DEBUG=false``, the database
task backend, the console mailer) and prints its figures; this script then prints a
summary of both, as Markdown tables ready to paste into a note.
"""

import argparse
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import databases, run_child, say, throwaway_url  # noqa: E402

ENGINE = Path(__file__).resolve().with_name("bench_engine.py")
PORTAL = Path(__file__).resolve().with_name("bench_portal.py")
OBSERVATORY = Path(__file__).resolve().with_name("bench_observatory.py")
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench"
QUERY_TARGET = 12
PAGE_QUERY_TARGET = 10


def run_one(database, args):
    """The figures of one database, or "skipped" (PostgreSQL unreachable), or "failed"."""
    arguments = ["--dossiers", str(args.dossiers), "--transitions", str(args.transitions)]
    if args.show_queries:
        arguments.append("--show-queries")
    return run_child(
        ENGINE,
        arguments,
        database=database,
        postgres_url=args.postgres_url,
        label="engine",
        keep=args.keep,
    )


def yes_no(value: bool) -> str:
    return "yes" if value else "**NO**"


def summary(results: dict) -> str:
    """Markdown tables of every figure, one column per database."""
    names = list(results)
    first = results[names[0]]
    small, large = first["sizes"]["small"]["dossiers"], first["sizes"]["large"]["dossiers"]
    lines = [
        f"## Dossier engine benchmark, {date.today().isoformat()}",
        "",
        f"{' and '.join(results[n]['database'] for n in names)}; Python {first['python']}, "
        f"Django {first['django']}, {first['cpus']} CPUs; DEBUG={first['debug']}; "
        f"task backend {first['task_backend']}. Queries counted with CaptureQueriesContext "
        "(BEGIN and COMMIT included; for perform, the delivery task enqueued after commit too).",
        "",
        "| figure | " + " | ".join(results[n]["database"] for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def row(label, function):
        lines.append(f"| {label} | " + " | ".join(function(results[n]) for n in names) + " |")

    row("dossiers in the database (small / large)", lambda r: "{} / {}".format(*sizes(r)))
    row(
        f"`declare_eligible` through perform @{large}, transitions/s",
        lambda r: rate(r["throughput"]["declare_eligible"]),
    )
    row(
        f"`submit` through perform (conditions, outbox email) @{large}, transitions/s",
        lambda r: rate(r["throughput"]["submit"]),
    )
    row("one-row UPDATE + commit (disk cost of a commit), ms", lambda r: commit(r))
    row(
        f"max SQL queries per perform call @{small} / @{large} (target ≤ {QUERY_TARGET})",
        lambda r: "{} / {}".format(*max_queries(r)),
    )
    row("queries per perform constant for every transition", constant)
    row(
        f"dashboard SQL queries @{small} / @{large} (target ≤ {PAGE_QUERY_TARGET}, constant)",
        lambda r: page(r, lambda p: str(p["queries"])),
    )
    row(
        f"dashboard median time of 20 requests @{small} / @{large}, ms",
        lambda r: page(r, lambda p: f"{p['median_ms']:.1f}"),
    )
    row(
        f"dashboard fastest of 20 requests @{small} / @{large}, ms",
        lambda r: page(r, lambda p: f"{p['min_ms']:.1f}"),
    )
    row(f"dashboard time ratio @{large} / @{small}: of the medians; of the fastest", ratios)
    row(
        f"dossiers listed on the page @{small} / @{large}",
        lambda r: page(r, lambda p: str(p["dossiers_shown"])),
    )
    row(
        "load average (1, 5, 15 min) at the end of the run",
        lambda r: ", ".join(f"{x:.2f}" for x in r["load_average"]),
    )

    lines += ["", "SQL queries of one `perform` call, per transition:", ""]
    columns = [
        f"{results[n]['database'].split()[0]} @{size}" for n in names for size in (small, large)
    ]
    lines.append("| transition | " + " | ".join(columns) + f" | constant | ≤ {QUERY_TARGET} |")
    lines.append("|---|" + "---:|" * len(columns) + ":---:|:---:|")
    for label in first["transitions"]["small"]:
        counts = [
            len(results[n]["transitions"][key][label]) for n in names for key in ("small", "large")
        ]
        same = all(counts[i] == counts[i + 1] for i in range(0, len(counts), 2))
        lines.append(
            f"| {label} | "
            + " | ".join(str(c) for c in counts)
            + f" | {yes_no(same)} | {yes_no(max(counts) <= QUERY_TARGET)} |"
        )
    return "\n".join(lines)


def sizes(result):
    return result["sizes"]["small"]["dossiers"], result["sizes"]["large"]["dossiers"]


def rate(figure):
    if not figure:
        return "n/a"
    return (
        f"{figure['per_second']:.0f} (mean {figure['ms_each']:.1f} ms, median "
        f"{figure['median_ms']:.1f} ms, p95 {figure['p95_ms']:.1f} ms; n={figure['count']})"
    )


def commit(result):
    return f"{result['throughput']['commit_ms']:.2f}"


def max_queries(result):
    return tuple(max(len(q) for q in result["transitions"][s].values()) for s in ("small", "large"))


def constant(result):
    small, large = result["transitions"]["small"], result["transitions"]["large"]
    return yes_no(all(len(small[k]) == len(large[k]) for k in small))


def ratios(result):
    small, large = result["dashboard"]["small"], result["dashboard"]["large"]
    if not small or not large:
        return "n/a"
    return f"{large['median_ms'] / small['median_ms']:.2f}; {large['min_ms'] / small['min_ms']:.2f}"


def page(result, show):
    small, large = result["dashboard"]["small"], result["dashboard"]["large"]
    if not small or not large:
        return "not measured (no `dashboard` URL)"
    text = f"{show(small)} / {show(large)}"
    if small["status"] != 200 or large["status"] != 200:
        text += f" (HTTP {small['status']} / {large['status']})"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--transitions", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="server and database name; the run uses <name>_<pid>, dropped at the end",
    )
    parser.add_argument("--show-queries", action="store_true", help="print every query list")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway databases")
    args = parser.parse_args()
    args.postgres_url = throwaway_url(args.postgres_url, parser)

    results, skipped, failed = {}, [], []
    for database in databases(args.database):
        result = run_one(database, args)
        if result == "skipped":
            skipped.append(database)
        elif result == "failed":
            failed.append(database)
        else:
            results[database] = result
    if results:
        say("\n" + summary(results))
    if skipped:
        print(f"\nWARNING: not measured (unreachable): {', '.join(skipped)}.", file=sys.stderr)
    if failed:
        print(f"\nERROR: the benchmark failed on {', '.join(failed)}.", file=sys.stderr)
    # The applicant portal's pages, on fresh databases of their own (bench_portal.py).
    portal = subprocess.run(
        [sys.executable, str(PORTAL), "--database", args.database], cwd=ROOT, check=False
    )
    # The observatory's statistics pages, likewise (bench_observatory.py).
    observatory = subprocess.run(
        [sys.executable, str(OBSERVATORY), "--database", args.database], cwd=ROOT, check=False
    )
    failed = failed or portal.returncode != 0 or observatory.returncode != 0
    # PostgreSQL may be absent when both databases were asked for, not when asked alone.
    return 1 if failed or not results or args.database == "postgres" and skipped else 0


if __name__ == "__main__":
    sys.exit(main())
