"""Benchmark of the applicant portal's pages: SQL queries of the organisation's
dashboard and of the dossier page, with few and with many dossiers and events.

    python tests/bench/bench_portal.py [--database sqlite|postgres|both]
                                       [--show-queries] [--keep]

(``make bench`` runs it after the engine benchmark, through ``tests/bench/run.py``.)

Like ``run.py``, each database gets a fresh throwaway copy: a SQLite file in a
temporary ``VAR_DIR`` and a PostgreSQL database ``tds_bench_portal_<pid>`` dropped at
the end; the measures run in a child process per database with the production
configuration (``DEBUG=false``, the database task backend, the console mailer).

In the child (``--measure``): one organisation, its member and an open AMI call; the
organisation's dossiers are brought to their states through the real transitions
(``workflows.paths.advance``), and one of them, the followed dossier, gets a long
history: completion requests answered and sent again (transition log and emails, marked
as sent), and messages of the association. The applicant's two pages are requested
through Django's test client at

* 5 dossiers, the followed one with 20 events in its timeline, then
* 50 dossiers, the followed one with 200 events,

counting the SQL queries of each page (target: the same count at both sizes, at most
10) and timing 20 requests. Nothing here asserts anything about time.
"""

import argparse
import json
import os
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import run as runner  # noqa: E402  (psycopg only: no Django set-up)
from tests.bench._common import (  # noqa: E402
    database_label,
    databases,
    logged_in_client,
    measure_get,
    run_child,
    say,
    throwaway_url,
)

SIZES = {"small": (5, 20), "large": (50, 200)}  # (dossiers, timeline events)
PAGE_QUERY_TARGET = runner.PAGE_QUERY_TARGET
REQUESTS = 20
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tds_bench_portal"
REFERENCE = re.compile(r"\b(?:AMI|PRIX)-\d{4}-\d{4,}\b")


# ---------------------------------------------------------------- child process


def measure(args):
    """Set up the site and measure both pages at both sizes (in the child process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from calls.models import Application

    label = database_label()
    say(f"=== portal pages, {label}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"migrated in {time.perf_counter() - started:.1f} s")
    if Application.objects.exists():
        raise SystemExit("The database already holds dossiers: give the benchmark an empty one.")

    site = PortalSite()
    figures = {"database": label, "vendor": connection.vendor, "sizes": {}, "pages": {}}
    for key, (dossiers, events) in SIZES.items():
        site.grow(dossiers, events)
        shown = site.timeline_length()
        figures["sizes"][key] = {"dossiers": site.dossier_count(), "events": shown}
        say(f"\n--- {figures['sizes'][key]['dossiers']} dossiers, {shown} timeline events")
        figures["pages"][key] = {}
        for page, url in site.urls().items():
            result = measure_page(site.applicant, url)
            figures["pages"][key][page] = result
            flag = "  <-- above the target" if result["queries"] > PAGE_QUERY_TARGET else ""
            shown = (
                f"{result['references']} dossiers listed"
                if page == "dashboard"
                else f"{result['events']} timeline entries"
            )
            say(
                f"  {page:<14} HTTP {result['status']}, {result['queries']:>3} queries, "
                f"median {result['median_ms']:.1f} ms, fastest {result['min_ms']:.1f} ms, "
                f"{shown}{flag}"
            )
            if args.show_queries or result["queries"] > PAGE_QUERY_TARGET:
                for number, sql in enumerate(result["sql"], start=1):
                    say(f"      {number:>2}. {sql[:300]}{' …' if len(sql) > 300 else ''}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


class PortalSite:
    """One association with its dossiers, one of them followed for a long time."""

    def __init__(self):
        from tests.factories import (
            CallFactory,
            MembershipFactory,
            OrganizationFactory,
            UserFactory,
        )
        from workflows import rules

        self.instructor = UserFactory(email="instructeur@example.org", roles=[rules.INSTRUCTORS])
        self.administrator = UserFactory(email="admin@example.org", roles=[rules.ADMINISTRATORS])
        self.call = CallFactory(opinions_required=True)
        self.call.instructors.add(self.instructor)
        self.organization = OrganizationFactory(name="Association Les Amis du Quartier")
        self.applicant = MembershipFactory(
            organization=self.organization, user__email="porteur@example.org"
        ).user
        # Another association's dossiers, which the applicant must not see.
        other = MembershipFactory(user__email="voisin@example.org")
        self.other = (other.organization, other.user)
        self.followed = None
        self.count = 0

    @property
    def actors(self):
        return {
            "applicant": self.applicant,
            "instructor": self.instructor,
            "administrator": self.administrator,
        }

    def dossier_count(self):
        return self.organization.applications.count()

    def grow(self, dossiers, events):
        from workflows.states import DossierState as S

        states = [S.SUBMITTED, S.DRAFT, S.INCOMPLETE, S.ELIGIBLE, S.NOTIFIED, S.WITHDRAWN]
        if self.followed is None:
            self.followed = self.new_dossier(S.SUBMITTED, "Le dossier suivi")
            self.new_dossier(S.SUBMITTED, "Dossier d'une autre association", other=True)
        while self.dossier_count() < dossiers:
            self.count += 1
            state = states[self.count % len(states)]
            self.new_dossier(state, f"Projet solidaire n°{self.count}")
        self.lengthen_history(events)

    def new_dossier(self, state, title, other=False):
        from calls.services import create_draft
        from workflows.paths import advance, attach_required_documents

        organization, member = self.other if other else (self.organization, self.applicant)
        draft = create_draft(
            call=self.call,
            organization=organization,
            user=member,
            title=title,
            summary="Des permanences d'accès aux droits dans le quartier.",
            objectives=list(self.call.objectives.all()[:2]),
            requested_amount=Decimal("8000"),
            total_budget=Decimal("20000"),
        )
        attach_required_documents(draft, member)
        actors = {**self.actors, "applicant": member}
        dossier = advance(draft, state, actors)
        self.mark_emails_sent()
        return dossier

    def lengthen_history(self, events):
        """Completion requests answered, and messages, until the applicant's timeline
        of the followed dossier has exactly ``events`` entries."""
        from calls.services import post_message
        from workflows.services import perform

        while self.timeline_length() <= events - 6:
            perform(
                self.followed,
                "request_completion",
                self.instructor,
                reason="Merci de joindre le budget prévisionnel détaillé.",
            )
            perform(self.followed, "resubmit", self.applicant)
            self.mark_emails_sent()
            post_message(
                self.followed, self.applicant, "Voici le budget détaillé demandé, en pièce jointe."
            )
        while self.timeline_length() < events:
            post_message(self.followed, self.applicant, "Une précision sur notre projet.")

    def mark_emails_sent(self):
        """The delivery tasks are not run here (database task backend): the emails are
        marked as sent, as the worker would have."""
        from django.utils import timezone

        from notifications.models import OutboundEmail

        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).update(
            status=OutboundEmail.Status.SENT, sent_at=timezone.now(), attempts=1
        )

    def timeline_length(self):
        from calls import selectors

        return len(selectors.timeline(self.followed, self.applicant))

    def urls(self):
        from django.urls import reverse

        return {
            "dashboard": reverse("dashboard"),
            "dossier page": reverse("dossier_detail", args=[self.followed.pk]),
        }


def measure_page(user, url):

    from accounts.models import User

    client = logged_in_client(User.objects.get(pk=user.pk), raise_request_exception=False)
    figures, response = measure_get(client, url, requests=REQUESTS)
    html = response.content.decode(errors="replace")
    del figures["bytes"]
    return {
        "url": url,
        **figures,
        "references": len(set(REFERENCE.findall(html))),
        "events": len(re.findall(r'<li class="event\b', html)),
    }


# --------------------------------------------------------------- parent process


def run_one(database, args):
    """The figures of one database, or "skipped" (PostgreSQL unreachable), or "failed"."""
    return run_child(
        Path(__file__),
        ["--measure", *(["--show-queries"] if args.show_queries else [])],
        database=database,
        postgres_url=args.postgres_url,
        label="portal",
        keep=args.keep,
    )


def summary(results):
    """A Markdown table: queries and times of each page, at both sizes, per database."""
    first = next(iter(results.values()))
    small, large = first["sizes"]["small"], first["sizes"]["large"]
    sizes = (
        f"@{small['dossiers']}/{small['events']} and @{large['dossiers']}/{large['events']} "
        "(dossiers of the organisation / events in the followed dossier's timeline)"
    )
    lines = [
        "## Applicant portal pages: SQL queries " + sizes,
        "",
        "| page | database | queries small / large | constant | "
        f"≤ {PAGE_QUERY_TARGET} | median ms small / large | entries shown small / large |",
        "|---|---|---:|:---:|:---:|---:|---:|",
    ]
    for page in first["pages"]["small"]:
        for result in results.values():
            a, b = result["pages"]["small"][page], result["pages"]["large"][page]
            shown = "references" if page == "dashboard" else "events"
            status = (
                "" if a["status"] == b["status"] == 200 else f" (HTTP {a['status']}/{b['status']})"
            )
            lines.append(
                f"| {page}{status} | {result['database']} | {a['queries']} / {b['queries']} | "
                f"{runner.yes_no(a['queries'] == b['queries'])} | "
                f"{runner.yes_no(max(a['queries'], b['queries']) <= PAGE_QUERY_TARGET)} | "
                f"{a['median_ms']:.1f} / {b['median_ms']:.1f} | {a[shown]} / {b[shown]} |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="server and database name; the run uses <name>_<pid>, dropped at the end",
    )
    parser.add_argument("--show-queries", action="store_true", help="print every query list")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway databases")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return 0
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
        print(f"\nERROR: the portal benchmark failed on {', '.join(failed)}.", file=sys.stderr)
    return 1 if failed or not results or args.database == "postgres" and skipped else 0


if __name__ == "__main__":
    sys.exit(main())
