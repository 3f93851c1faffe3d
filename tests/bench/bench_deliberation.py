"""Benchmark of the ranking page and the deliberation screen of a prize edition, on
SQLite and PostgreSQL.

    python tests/bench/bench_deliberation.py [--small 1000] [--dossiers 5000]
                                             [--requests 15] [--database sqlite|postgres|both]

Like ``bench_staff.py``, each database gets a fresh throwaway copy (a SQLite file in a
temporary ``VAR_DIR``, a PostgreSQL database ``tds_bench_delib_<pid>``), and the
measures run in a child process with the production configuration (``DEBUG=false``).

The edition: 10 jurors, a grid of 5 weighted criteria, dossiers awaiting decision of
200 organisations (a third of them not associations), each with one to three of the 28
objectives and three submitted scorecards of three jurors (bulk-inserted: the
benchmark measures the reads, not the set-up). Measured at ``--small`` and
``--dossiers`` dossiers, through Django's test client logged in as an administrator:

1. the ranking page with 250 rows (``?size=250``) and the deliberation screen (with
   and without the suggested selection): SQL queries (constant) and median / fastest
   time of ``--requests`` requests, with the ratio large / small (target ≤ 1.3
   would mean the page does not grow with the call; the whole call is ranked, so
   it does grow: the figure says by how much);
2. one SQL aggregate of the same scores (the weighted mean per dossier in one
   ``GROUP BY``), the floor of any ranking, and the ratio page / aggregate.

Target: median ≤ 300 ms for the 250-row ranking page at 5,000 dossiers.
Nothing here asserts anything about time; the figures are printed.
"""

import argparse
import json
import random
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._common import (  # noqa: E402
    analyze,
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

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_delib"
JURORS = 10
CRITERIA = ((3, 5), (2, 5), (2, 10), (1, 5), (1, 20))  # (weight, max)
CARDS_PER_DOSSIER = 3


# ------------------------------------------------------------------ child side


class Edition:
    def __init__(self, rng):
        from decimal import Decimal

        from django.contrib.auth.models import Group
        from django.utils import timezone

        from accounts.models import Organization, User
        from calls.models import Call, Objective, ScoringCriterion
        from reviews.models import Jury
        from workflows import rules

        self.rng = rng
        now = timezone.now()
        self.call = Call.objects.create(
            kind=Call.Kind.PRIZE,
            title="Prix Bordeaux Terre de Solidarités 2026",
            year=2026,
            opens_at=now - timedelta(days=90),
            closes_at=now - timedelta(days=30),
            jury_scores=True,
            special_prize_amount=Decimal("5000"),
        )
        self.objectives = list(Objective.objects.order_by("number"))
        self.call.objectives.set(self.objectives)
        admins = Group.objects.get_or_create(name=rules.ADMINISTRATORS)[0]
        jurors_group = Group.objects.get_or_create(name=rules.JURORS)[0]
        self.administrator = User.objects.create_user(email="admin-bench@example.org", password="x")
        self.administrator.groups.add(admins)
        jury = Jury.objects.create(call=self.call, name="Jury")
        self.jurors = []
        for n in range(JURORS):
            juror = User.objects.create_user(email=f"jure{n}@example.org", password="x")
            juror.groups.add(jurors_group)
            jury.members.add(juror)
            self.jurors.append(juror)
        self.criteria = [
            ScoringCriterion.objects.create(
                call=self.call,
                label=f"Critère {n + 1}",
                weight=Decimal(weight),
                max_score=maximum,
                position=n,
            )
            for n, (weight, maximum) in enumerate(CRITERIA)
        ]
        kinds = [Organization.Kind.ASSOCIATION] * 2 + [Organization.Kind.OTHER]
        self.organizations = Organization.objects.bulk_create(
            Organization(
                name=f"Organisation {n}",
                kind=kinds[n % 3],
                siret="73282932000074",
            )
            for n in range(200)
        )
        self.count = 0

    def grow(self, total):
        from django.utils import timezone

        from calls.models import Application
        from reviews.models import JurorAssignment, Score, Scorecard
        from workflows.states import DossierState as S

        rng, now = self.rng, timezone.now()
        dossiers = []
        for n in range(self.count, total):
            dossier = Application(
                reference=f"PRIX-2026-{n + 1:05d}",
                call=self.call,
                organization=rng.choice(self.organizations),
                title=f"Action solidaire n°{n + 1}",
                summary="Une action de solidarité dans les quartiers.",
                districts=[rng.choice(["bastide", "centre", "sud", "cauderan"])],
                submitted_at=now - timedelta(minutes=n),
            )
            dossier._set_state(S.AWAITING_DECISION)
            dossiers.append(dossier)
        dossiers = Application.objects.bulk_create(dossiers, batch_size=500)
        through = Application.objectives.through
        through.objects.bulk_create(
            (
                through(application_id=d.pk, objective_id=o.pk)
                for d in dossiers
                for o in rng.sample(self.objectives, rng.randint(1, 3))
            ),
            batch_size=1000,
        )
        cards, assignments = [], []
        for dossier in dossiers:
            for juror in rng.sample(self.jurors, CARDS_PER_DOSSIER):
                assignments.append(JurorAssignment(application=dossier, juror=juror))
                cards.append(
                    Scorecard(
                        application=dossier,
                        juror=juror,
                        comment="Avis motivé du juré.",
                        submitted_at=now,
                    )
                )
        JurorAssignment.objects.bulk_create(assignments, batch_size=1000)
        cards = Scorecard.objects.bulk_create(cards, batch_size=1000)
        Score.objects.bulk_create(
            (
                Score(scorecard=card, criterion=c, value=rng.randint(0, c.max_score))
                for card in cards
                for c in self.criteria
            ),
            batch_size=2000,
        )
        self.count = total


def child(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import F, FloatField, Sum
    from django.db.models.functions import Cast

    from reviews.models import Score

    call_command("migrate", verbosity=0)
    label = database_label()
    say(f"=== {label}")
    edition = Edition(random.Random(args.seed))
    client = logged_in_client(edition.administrator)
    pages = {
        "ranking_250": f"/gestion/appels/{edition.call.pk}/classement/?size=250",
        "deliberation": f"/gestion/appels/{edition.call.pk}/deliberation/",
        "deliberation_suggest": f"/gestion/appels/{edition.call.pk}/deliberation/?suggest=1",
    }

    def measure(url):
        figures, _response = measure_get(client, url, requests=args.requests)
        assert figures["status"] == 200, (url, figures["status"])
        return {key: figures[key] for key in ("queries", "median_ms", "min_ms", "bytes")}

    def aggregate():
        def run():
            return list(
                Score.objects.filter(
                    scorecard__application__call=edition.call,
                    scorecard__submitted_at__isnull=False,
                    scorecard__excluded_at__isnull=True,
                )
                .values("scorecard__application_id")
                .annotate(
                    weighted=Sum(
                        Cast(F("criterion__weight"), FloatField())
                        * Cast(F("value"), FloatField())
                        / Cast(F("criterion__max_score"), FloatField())
                    )
                )
                .order_by("-weighted")
            )

        run()
        return {"median_ms": median_ms(timed(run, args.requests))}

    figures = {"database": label, "django": django.get_version(), "sizes": {}}
    for key, size in (("small", args.small), ("large", args.dossiers)):
        edition.grow(size)
        analyze()
        say(f"--- {size} dossiers, {size * CARDS_PER_DOSSIER} scorecards")
        result = {"dossiers": size, "aggregate": aggregate()}
        for name, url in pages.items():
            result[name] = measure(url)
            say(
                f"{name:22} queries {result[name]['queries']:3}  median "
                f"{result[name]['median_ms']:7.1f} ms  fastest {result[name]['min_ms']:7.1f} ms  "
                f"{result[name]['bytes'] / 1024:7.0f} KiB"
            )
        say(f"{'one SQL aggregate':22} median {result['aggregate']['median_ms']:7.1f} ms")
        figures["sizes"][key] = result
    small, large = figures["sizes"]["small"], figures["sizes"]["large"]
    say("--- ratios")
    for name in pages:
        say(
            f"{name:22} large / small {large[name]['median_ms'] / small[name]['median_ms']:.2f}"
            f"   page / aggregate @{args.dossiers}: "
            f"{large[name]['median_ms'] / large['aggregate']['median_ms']:.1f}"
        )
    Path(args.json).write_text(json.dumps(figures, indent=2))


# ----------------------------------------------------------------- driver side


def run_one(database, args):
    arguments = ["--child", "--dossiers", str(args.dossiers), "--small", str(args.small)]
    arguments += ["--requests", str(args.requests), "--seed", str(args.seed)]
    return run_child(
        __file__, arguments, database=database, postgres_url=args.postgres_url, label="delib"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=5_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=15)
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
    for database in databases(args.database):
        run_one(database, args)


if __name__ == "__main__":
    main()
