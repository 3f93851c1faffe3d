"""Benchmark of the bulk assignment of a call's jurors, on SQLite and PostgreSQL.

    python tests/bench/bench_assignment.py [--small 1000] [--dossiers 5000] [--k 3]
                                           [--database sqlite|postgres|both]

A prize edition with 10 jurors (``bench_deliberation.Edition``) and, for each size, a
call of its own whose ``--small`` then ``--dossiers`` dossiers are with the jury and
have no juror yet. Measured: reading the call and planning ``--k`` jurors per dossier
(``assignment.call_plan``), then saving the whole plan as the administrator confirms it
(``assignment.assign_in_bulk``: assignments, scoring permissions, one audit event per
assignment, one email per juror): time of each step and SQL queries, split into a
fixed part and a part per batch of ``BATCH_SIZE`` rows (target: the plan's queries
constant, the save's a constant number per batch), and the ratio large / small. The
target is the large save under 10 s; nothing here asserts it, the figures are printed.
"""

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    analyze,
    database_label,
    databases,
    run_child,
    say,
    throwaway_url,
)
from tests.bench.bench_deliberation import Edition  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_assignment"
SECONDS_TARGET = 10


def _call_with_the_jury(edition, size, number):
    """A call of its own (the edition's jurors) with ``size`` dossiers with the jury."""
    from django.utils import timezone

    from calls.models import Application, Call
    from reviews.models import Jury
    from workflows.states import DossierState as S

    now = timezone.now()
    call = Call.objects.create(
        kind=Call.Kind.PRIZE,
        title=f"Prix — répartition {number}",
        year=2026,
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
        jury_scores=True,
    )
    jury = Jury.objects.create(call=call, name="Jury")
    jury.members.set(edition.jurors)
    rng = edition.rng
    dossiers = []
    for n in range(size):
        dossier = Application(
            reference=f"R{number}-{n + 1:06d}",
            call=call,
            organization=rng.choice(edition.organizations),
            title=f"Action solidaire n°{n + 1}",
            submitted_at=now - timedelta(minutes=n),
        )
        dossier._set_state(S.IN_JURY)
        dossiers.append(dossier)
    Application.objects.bulk_create(dossiers, batch_size=500)
    analyze()
    return call


def child(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews import assignment
    from reviews.models import JurorAssignment

    call_command("migrate", verbosity=0)
    label = database_label()
    say(f"=== {label}")
    edition = Edition(random.Random(args.seed))
    figures = {"database": label, "django": django.get_version(), "k": args.k, "sizes": {}}
    for number, (key, size) in enumerate((("small", args.small), ("large", args.dossiers))):
        call = _call_with_the_jury(edition, size, number)
        with CaptureQueriesContext(connection) as planning:
            started = time.perf_counter()
            plan, _data = assignment.call_plan(call, args.k, seed=args.seed)
            plan_s = time.perf_counter() - started
        pairs = plan.pairs
        with CaptureQueriesContext(connection) as saving:
            started = time.perf_counter()
            report = assignment.assign_in_bulk(call, pairs, edition.administrator)
            save_s = time.perf_counter() - started
        assert len(report.created) == size * args.k, (len(report.created), size * args.k)
        assert JurorAssignment.objects.filter(application__call=call).count() == size * args.k
        loads = plan.loads.values()
        batches = -(-len(pairs) // assignment.BATCH_SIZE)
        result = {
            "dossiers": size,
            "assignments": len(pairs),
            "plan_s": plan_s,
            "plan_queries": len(planning.captured_queries),
            "save_s": save_s,
            "save_queries": len(saving.captured_queries),
            "batches": batches,
            "load_spread": max(loads) - min(loads),
            "emails": report.emails,
        }
        figures["sizes"][key] = result
        say(
            f"--- {size} dossiers × K={args.k}: {len(pairs)} assignments, "
            f"loads {min(loads)}..{max(loads)}, {report.emails} emails"
        )
        say(f"plan  {plan_s:6.2f} s  queries {result['plan_queries']:4}")
        say(
            f"save  {save_s:6.2f} s  queries {result['save_queries']:4}  "
            f"({batches} batches of {assignment.BATCH_SIZE} assignments)"
        )
    small, large = figures["sizes"]["small"], figures["sizes"]["large"]
    say("--- ratios large / small")
    say(
        f"dossiers {large['dossiers'] / small['dossiers']:.1f}   "
        f"plan time {large['plan_s'] / small['plan_s']:.2f}   "
        f"save time {large['save_s'] / small['save_s']:.2f}   "
        f"plan queries {large['plan_queries'] / small['plan_queries']:.2f}"
    )
    # Queries of a save = a fixed part (the call's data, permissions, one email per
    # juror) + a part per batch of rows: both read from the two sizes.
    per_batch = (large["save_queries"] - small["save_queries"]) / max(
        large["batches"] - small["batches"], 1
    )
    fixed = small["save_queries"] - per_batch * small["batches"]
    figures["save_queries_fixed"], figures["save_queries_per_batch"] = fixed, per_batch
    say(
        f"save queries = {fixed:.0f} fixed + {per_batch:.1f} per batch of "
        f"{assignment.BATCH_SIZE} assignments"
    )
    total = large["plan_s"] + large["save_s"]
    verdict = "under" if total < SECONDS_TARGET else "OVER"
    say(f"{large['dossiers']} dossiers planned and saved in {total:.2f} s ({verdict} the target)")
    Path(args.json).write_text(json.dumps(figures, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=5_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    args.postgres_url = throwaway_url(args.postgres_url, parser)
    arguments = ["--child", "--dossiers", str(args.dossiers), "--small", str(args.small)]
    arguments += ["--k", str(args.k), "--seed", str(args.seed)]
    for database in databases(args.database):
        run_child(
            __file__,
            arguments,
            database=database,
            postgres_url=args.postgres_url,
            label="assignment",
        )


if __name__ == "__main__":
    main()
