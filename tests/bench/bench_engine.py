"""Benchmark of the dossier engine on ONE database, the one the settings point at.

Run by ``tests/bench/run.py``, which gives each database a fresh throwaway copy
(``VAR_DIR`` for the SQLite file, ``DATABASE_URL`` for PostgreSQL) and runs this
script in its own process so that the settings are read afresh. Running it directly
against a database that holds data you care about would add thousands of rows to it.

What it does:

1. migrates the empty database and sets up a site: administrator, instructor,
   governance members, jurors, two open calls (an AMI and this year's prize edition)
   and three closed ones;
2. fills the site with ``--small`` dossiers (100) spread over the states as on a real
   site, counts the SQL queries of one ``perform`` call of each transition kind and
   of the administrator's dossier list page (``dashboard``);
3. grows the site to ``--dossiers`` (10,000) and counts the same queries again;
4. measures transitions per second through ``perform``: ``declare_eligible`` by the
   instructor, then ``submit`` by the applicants (conditions on documents and
   objectives, an email written to the outbox and its delivery task enqueued), each
   call in its own transaction as in production.

The bulk set-up writes rows directly (``bulk_create``) with a consistent history:
transition log, eligibility reviews, decisions, opinions, jurors' permissions and sent
emails. Every measured state change goes through ``workflows.services.perform``.

The figures are printed and written as JSON to ``--json`` for ``run.py``'s summary.
Nothing here asserts anything about time.
"""

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, User  # noqa: E402
from calls.models import (  # noqa: E402
    Application,
    ApplicationUserObjectPermission,
    Attachment,
    Call,
    Objective,
    ReferenceCounter,
    RequiredDocument,
)
from calls.services import create_draft  # noqa: E402
from notifications.models import OutboundEmail  # noqa: E402
from notifications.services import TRANSITION_EMAILS  # noqa: E402
from reviews.models import (  # noqa: E402
    Decision,
    EligibilityReview,
    GovernanceBody,
    JurorAssignment,
    Jury,
    Opinion,
)
from tests.bench._common import (  # noqa: E402
    analyze,
    database_label,
    logged_in_client,
    measure_get,
    median_ms,
    say,
    timed,
)
from workflows import rules  # noqa: E402
from workflows.models import AuditEvent, TransitionLog  # noqa: E402
from workflows.paths import (  # noqa: E402
    DEFAULT_DATA,
    actor_role,
    advance,
    attach_required_documents,
    default_data,
)
from workflows.services import perform  # noqa: E402
from workflows.states import DossierState as S  # noqa: E402

QUERY_TARGET = 12  # at most, per perform call (from the issue)
PAGE_QUERY_TARGET = 10  # at most, for the administrator's dossier list
BATCH = 500

# Where the dossiers of a real site are: most in the open calls' instruction, the
# closed calls' dossiers notified, withdrawn or discarded.
SLOTS = [  # (call key, share of the dossiers, state weights)
    ("ami_open", 0.40, "open_ami"),
    ("prize_open", 0.10, "open_prize"),
    ("ami_last_year", 0.20, "closed"),
    ("ami_spring", 0.15, "closed"),
    ("prize_last_year", 0.15, "closed"),
]
STATE_WEIGHTS = {
    "open_ami": {
        S.DRAFT: 12,
        S.SUBMITTED: 24,
        S.INCOMPLETE: 6,
        S.ELIGIBLE: 10,
        S.INELIGIBLE: 5,
        S.IN_CONSULTATION: 12,
        S.AWAITING_DECISION: 10,
        S.SELECTED: 5,
        S.NOT_SELECTED: 5,
        S.NOTIFIED: 6,
        S.WITHDRAWN: 3,
        S.DISCARDED: 2,
    },
    "open_prize": {
        S.DRAFT: 10,
        S.SUBMITTED: 25,
        S.INCOMPLETE: 5,
        S.ELIGIBLE: 15,
        S.INELIGIBLE: 5,
        S.IN_JURY: 27,
        S.AWAITING_DECISION: 8,
        S.WITHDRAWN: 3,
        S.DISCARDED: 2,
    },
    "closed": {S.NOTIFIED: 82, S.WITHDRAWN: 9, S.DISCARDED: 9},
}
TARGET_STATE = {
    "submit": S.SUBMITTED,
    "discard": S.DISCARDED,
    "request_completion": S.INCOMPLETE,
    "resubmit": S.SUBMITTED,
    "withdraw": S.WITHDRAWN,
    "declare_eligible": S.ELIGIBLE,
    "declare_ineligible": S.INELIGIBLE,
    "open_consultation": S.IN_CONSULTATION,
    "close_consultation": S.AWAITING_DECISION,
    "open_jury": S.IN_JURY,
    "close_jury": S.AWAITING_DECISION,
    "to_decision": S.AWAITING_DECISION,
    "select": S.SELECTED,
    "decline": S.NOT_SELECTED,
    "notify": S.NOTIFIED,
}
REVIEW_OUTCOME = {
    "request_completion": EligibilityReview.Outcome.INCOMPLETE,
    "declare_eligible": EligibilityReview.Outcome.ELIGIBLE,
    "declare_ineligible": EligibilityReview.Outcome.INELIGIBLE,
}

# One perform call of each transition kind is measured:
# (label, call, state the dossier is brought to first, transition, data sent).
MEASURED = [
    ("submit", "ami", S.DRAFT, "submit", {}),
    ("discard", "ami", S.DRAFT, "discard", {}),
    ("request_completion", "ami", S.SUBMITTED, "request_completion", None),
    ("resubmit", "ami", S.INCOMPLETE, "resubmit", {}),
    ("withdraw", "ami", S.SUBMITTED, "withdraw", None),
    ("declare_eligible", "ami", S.SUBMITTED, "declare_eligible", {}),
    ("declare_ineligible", "ami", S.SUBMITTED, "declare_ineligible", None),
    ("open_consultation", "ami", S.ELIGIBLE, "open_consultation", {}),
    ("close_consultation", "ami", S.IN_CONSULTATION, "close_consultation", None),
    ("to_decision", "ami", S.ELIGIBLE, "to_decision", {}),
    ("select (AMI grant)", "ami", S.AWAITING_DECISION, "select", {"amount": "12000"}),
    ("decline", "ami", S.AWAITING_DECISION, "decline", None),
    ("notify", "ami", S.SELECTED, "notify", {}),
    ("reopen", "ami", S.SELECTED, "reopen", None),
    ("open_jury", "prize", S.ELIGIBLE, "open_jury", {}),
    ("close_jury", "prize", S.IN_JURY, "close_jury", {}),
    (
        "select (prize, special prize)",
        "prize",
        S.AWAITING_DECISION,
        "select",
        {"special_prize": "on", "amount": "5000"},
    ),
]


# --------------------------------------------------------------------------- site


class Site:
    """The people and calls of the benchmark site."""

    def __init__(self, rng):
        self.rng = rng
        self.now = timezone.now()
        self.password = make_password(None)  # unusable, and no hashing cost per user
        for name in rules.ROLE_GROUPS:  # normally created by workflows/0002_roles
            Group.objects.get_or_create(name=name)
        self.objectives = list(Objective.objects.order_by("number"))
        if len(self.objectives) != 28:
            raise SystemExit(f"Expected the 28 objectives, found {len(self.objectives)}.")

        self.administrator = self.user("admin@bench.example.org", rules.ADMINISTRATORS)
        self.instructor = self.user("instructeur@bench.example.org", rules.INSTRUCTORS)
        self.governance = [
            self.user(f"instance{i}@bench.example.org", rules.GOVERNANCE_MEMBERS) for i in (1, 2)
        ]
        self.jurors = [self.user(f"jure{i}@bench.example.org", rules.JURORS) for i in range(6)]
        self.bodies = []
        for i, member in enumerate(self.governance, start=1):
            body = GovernanceBody.objects.create(name=f"Conseil des solidarités n°{i}")
            body.members.add(member)
            self.bodies.append(body)

        self.organization = Organization.objects.create(
            name="Association Les Amis du Quartier", kind=Organization.Kind.ASSOCIATION
        )
        self.applicant = self.user("porteur@bench.example.org")
        Membership.objects.create(user=self.applicant, organization=self.organization)

        year = timezone.localtime(self.now).year
        day = timedelta(days=1)
        self.calls = {
            "ami_open": self.call("ami", "AMI Accès aux droits", -30 * day, 30 * day, year),
            "prize_open": self.call("prize", f"Prix {year}", -20 * day, 40 * day, year),
            "ami_last_year": self.call("ami", "AMI Alimentation", -400 * day, -340 * day, None),
            "ami_spring": self.call("ami", "AMI Mobilité", -200 * day, -150 * day, None),
            "prize_last_year": self.call(
                "prize", f"Prix {year - 1}", -380 * day, -320 * day, year - 1
            ),
        }
        self.ami, self.prize = self.calls["ami_open"], self.calls["prize_open"]
        self.documents = {
            call.pk: list(call.required_documents.filter(mandatory=True))
            for call in self.calls.values()
        }
        self.call_objectives = {
            call.pk: list(call.objectives.all()) for call in self.calls.values()
        }
        self.score_permission = Permission.objects.get(
            codename=rules.SCORE_PERMISSION, content_type__app_label="calls"
        )
        # Last reference number given, per prefix and year.
        self.counters = Counter()
        self.organizations = []  # (organization, [member emails])
        self.members = {}  # organization id -> first member
        self.quota = defaultdict(Counter)  # prize call id -> highlighted / special

    @property
    def actors(self):
        return {
            "applicant": self.applicant,
            "instructor": self.instructor,
            "administrator": self.administrator,
        }

    def user(self, email, role=None):
        user = User.objects.create(email=email, password=self.password, first_name="Bench")
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    def call(self, kind, title, opens, closes, year):
        prize = kind == "prize"
        call = Call.objects.create(
            kind=kind,
            title=title,
            theme="Solidarités",
            opens_at=self.now + opens,
            closes_at=self.now + closes,
            year=year if prize else None,
            budget=None if prize else Decimal("50000000"),
            max_grant=None if prize else Decimal("30000"),
            special_prize_amount=Decimal("5000") if prize else None,
            opinions_required=not prize,
            jury_scores=prize,
        )
        numbers = range(1, 29) if prize else (1, 2, 3, 8, 9, 12, 15)
        call.objectives.set([o for o in self.objectives if o.number in numbers])
        call.instructors.add(self.instructor)
        labels = ["Statuts de l'association", "Budget prévisionnel"]
        for position, label in enumerate(labels[: 1 if prize else 2]):
            RequiredDocument.objects.create(call=call, label=label, position=position)
        if prize:
            jury = Jury.objects.create(call=call, name=f"Jury du {title}")
            jury.members.set(self.jurors)
        else:
            call.governance_bodies.set(self.bodies)
        return call

    def next_reference(self, call):
        key = (call.reference_prefix, call.reference_year)
        self.counters[key] += 1
        return f"{key[0]}-{key[1]}-{self.counters[key]:04d}"

    def load_counters(self):
        """Continue after the references given by ``calls.services.next_reference``."""
        self.counters = Counter(
            {(c.prefix, c.year): c.last_number for c in ReferenceCounter.objects.all()}
        )

    def save_counters(self):
        """Keep ``calls.services.next_reference`` after the bulk references."""
        for (prefix, year), last in self.counters.items():
            ReferenceCounter.objects.update_or_create(
                prefix=prefix, year=year, defaults={"last_number": last}
            )


# ---------------------------------------------------------------- bulk set-up


def history(site, call, state):
    """The transitions that brought a dossier of ``call`` to ``state``, as a real
    site would have them (some dossiers were sent back for completion once)."""
    rng = site.rng
    if state == S.DRAFT:
        return []
    if state == S.DISCARDED:
        return ["discard"]
    start = ["submit"]
    if state != S.INCOMPLETE and rng.random() < 0.15:
        start += ["request_completion", "resubmit"]
    if state == S.SUBMITTED:
        return start
    if state == S.INCOMPLETE:
        return [*start, "request_completion"]
    if state == S.WITHDRAWN:
        return [*start, "withdraw"]
    if state == S.INELIGIBLE or (state == S.NOTIFIED and rng.random() < 0.15):
        return [*start, "declare_ineligible"] + (["notify"] if state == S.NOTIFIED else [])
    eligible = [*start, "declare_eligible"]
    review = (
        ["open_jury", "close_jury"]
        if call.is_prize
        else ["open_consultation", "close_consultation"]
    )
    if state == S.ELIGIBLE:
        return eligible
    if state in (S.IN_CONSULTATION, S.IN_JURY):
        return [*eligible, review[0]]
    decided = [*eligible, *review]
    if state == S.AWAITING_DECISION:
        return decided
    if state == S.SELECTED:
        return [*decided, "select"]
    if state == S.NOT_SELECTED:
        return [*decided, "decline"]
    # Notified: a grant for about half of the AMI projects; at most the edition's
    # quota of highlighted actions for a prize (the others are not selected).
    if call.is_prize:
        selected = site.quota[call.pk]["highlighted"] < call.highlighted_count - 4
        site.quota[call.pk]["highlighted"] += selected
    else:
        selected = rng.random() < 0.55
    return [*decided, "select" if selected else "decline", "notify"]


def decision_for(site, call, dossier, transition):
    if transition == "decline":
        return Decision(
            application=dossier,
            outcome=Decision.Outcome.NOT_SELECTED,
            motivation=DEFAULT_DATA["decline"]["reason"],
            decided_by=site.administrator,
        )
    fields = {}
    if call.is_prize:
        quota = site.quota[call.pk]
        special = quota["special"] < call.special_prize_count - 2
        if special:
            quota["special"] += 1
        fields = {
            "highlighted": True,
            "special_prize": special,
            "amount": call.special_prize_amount if special else None,
        }
    else:
        amount = Decimal(site.rng.randrange(2000, 30001, 500))
        fields = {"amount": amount, "needs_convention": amount > 23000}
    return Decision(
        application=dossier,
        outcome=Decision.Outcome.SELECTED,
        motivation=DEFAULT_DATA["select"]["reason"],
        decided_by=site.administrator,
        **fields,
    )


def add_organizations(site, count):
    """``count`` organisations with one member each (one in ten has two)."""
    kinds = [Organization.Kind.ASSOCIATION] * 17 + [
        Organization.Kind.CITY_SERVICE,
        Organization.Kind.INSTITUTIONAL,
        Organization.Kind.OTHER,
    ]
    start = len(site.organizations)
    organizations = Organization.objects.bulk_create(
        [
            Organization(name=f"Association solidaire n°{start + i}", kind=site.rng.choice(kinds))
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    users, links = [], []
    for i, organization in enumerate(organizations):
        for j in range(2 if site.rng.random() < 0.1 else 1):
            email = f"membre{start + i}-{j}@asso.example.org"
            users.append(User(email=email, password=site.password, first_name="Membre"))
            links.append(organization)
    users = User.objects.bulk_create(users, batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=u, organization=o) for u, o in zip(users, links, strict=True)],
        batch_size=BATCH,
    )
    emails = defaultdict(list)
    for user, organization in zip(users, links, strict=True):
        emails[organization.pk].append(user.email)
        site.members.setdefault(organization.pk, user)
    site.organizations += [(o, emails[o.pk]) for o in organizations]


def add_dossiers(site, count, *, only=None):
    """Bulk-create ``count`` dossiers with their history. ``only`` = (call key, state)
    puts them all there (to top up a pool); otherwise they follow ``SLOTS``."""
    rng = site.rng
    if count <= 0:
        return
    add_organizations(site, max(3, count // 5))
    site.load_counters()
    plans = []  # (dossier, call, transitions)
    for _ in range(count):
        if only:
            key, state = only
        else:
            key, _share, weights = rng.choices(SLOTS, weights=[s[1] for s in SLOTS])[0]
            table = STATE_WEIGHTS[weights]
            state = rng.choices(list(table), weights=list(table.values()))[0]
        call = site.calls[key]
        transitions = history(site, call, state)
        organization, _emails = rng.choice(site.organizations)
        submitted = site.now - timedelta(days=rng.randint(1, 60)) if transitions else None
        dossier = Application(
            reference=site.next_reference(call),
            call=call,
            organization=organization,
            created_by=site.members[organization.pk],
            title=f"Projet solidaire {rng.randrange(1, 10_000)}",
            summary="Un projet d'accès aux droits dans les quartiers de Bordeaux.",
            requested_amount=Decimal(rng.randrange(2000, 20001, 500)),
            total_budget=Decimal("40000"),
            state=state,  # first assignment of the protected field: set-up only
            submitted_at=submitted,
            consulted_at=submitted if "open_consultation" in transitions else None,
        )
        plans.append((dossier, call, transitions))
    Application.objects.bulk_create([p[0] for p in plans], batch_size=BATCH)

    through = Application.objectives.through
    links, attachments, logs = [], [], []
    reviews, decisions, opinions, grants, assignments = [], [], [], [], []
    for dossier, call, transitions in plans:
        for objective in rng.sample(site.call_objectives[call.pk], rng.choice((1, 1, 2, 3))):
            links.append(through(application=dossier, objective=objective))
        for document in site.documents[call.pk]:
            attachments.append(
                Attachment(
                    application=dossier,
                    required_document=document,
                    file=f"attachments/bench/{dossier.reference}-{document.pk}.pdf",
                    original_name=f"{document.label}.pdf",
                    content_type="application/pdf",
                    size=2048,
                    uploaded_by=dossier.created_by,
                )
            )
        state = S.DRAFT
        for transition in transitions:
            target = TARGET_STATE[transition]
            role = actor_role(transition)
            actor = dossier.created_by if role == "applicant" else getattr(site, role)
            logs.append(
                TransitionLog(
                    application=dossier,
                    transition=transition,
                    from_state=state,
                    to_state=target,
                    actor=actor,
                    reason=DEFAULT_DATA.get(transition, {}).get("reason", ""),
                )
            )
            state = target
            if transition in REVIEW_OUTCOME:
                reviews.append(
                    EligibilityReview(
                        application=dossier,
                        reviewer=site.instructor,
                        outcome=REVIEW_OUTCOME[transition],
                        reason=DEFAULT_DATA.get(transition, {}).get("reason", ""),
                    )
                )
            elif transition in ("select", "decline"):
                decisions.append(decision_for(site, call, dossier, transition))
            elif transition == "close_consultation" or (
                transition == "open_consultation"
                and dossier.state == S.IN_CONSULTATION
                and rng.random() < 0.5
            ):
                # Every body answered before the consultation closed; half of the
                # dossiers still in consultation have the first body's opinion.
                bodies = site.bodies if transition == "close_consultation" else site.bodies[:1]
                for body, member in zip(bodies, site.governance, strict=False):
                    opinions.append(
                        Opinion(
                            application=dossier,
                            body=body,
                            author=member,
                            verdict=rng.choice(Opinion.Verdict.values),
                            motivation="Projet cohérent avec les besoins du quartier.",
                        )
                    )
            elif transition == "open_jury":
                for juror in rng.sample(site.jurors, 3):
                    grants.append(
                        ApplicationUserObjectPermission(
                            content_object=dossier, user=juror, permission=site.score_permission
                        )
                    )
                    assignments.append(JurorAssignment(application=dossier, juror=juror))
        assert state == dossier.state, (dossier.state, transitions)

    through.objects.bulk_create(links, batch_size=BATCH)
    Attachment.objects.bulk_create(attachments, batch_size=BATCH)
    TransitionLog.objects.bulk_create(logs, batch_size=BATCH)
    EligibilityReview.objects.bulk_create(reviews, batch_size=BATCH)
    Decision.objects.bulk_create(decisions, batch_size=BATCH)
    Opinion.objects.bulk_create(opinions, batch_size=BATCH)
    ApplicationUserObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
    JurorAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    add_sent_emails(site, plans, logs)
    site.save_counters()


def add_sent_emails(site, plans, logs):
    """The emails the logged transitions wrote: sent, or held for a decision that is
    not notified yet."""
    emails_of = {o.pk: emails for o, emails in site.organizations}
    governance = [member.email for member in site.governance]
    dossiers = {dossier.pk: dossier for dossier, _call, _transitions in plans}
    rows = []
    for log in logs:
        spec = TRANSITION_EMAILS.get(log.transition)
        if spec is None:
            continue
        template, category, audience = spec
        dossier = dossiers[log.application_id]
        recipients = governance if audience == "governance" else emails_of[dossier.organization_id]
        held = category == OutboundEmail.Category.DECISION and dossier.state != S.NOTIFIED
        for recipient in recipients:
            rows.append(
                OutboundEmail(
                    application=dossier,
                    transition_log=log,
                    event=log.transition,
                    category=category,
                    recipient=recipient,
                    subject=f"[Bordeaux Terre de Solidarités] Dossier {dossier.reference}",
                    body_text=f"Bonjour,\n\nVotre dossier {dossier.reference} ({template}).\n",
                    body_html=f"<p>Votre dossier {dossier.reference} ({template}).</p>",
                    idempotency_key=f"log-{log.pk}:{recipient}",
                    status=OutboundEmail.Status.HELD if held else OutboundEmail.Status.SENT,
                    attempts=0 if held else 1,
                    sent_at=None if held else site.now,
                )
            )
    OutboundEmail.objects.bulk_create(rows, batch_size=BATCH)


def grow(site, total):
    """Bring the database to ``total`` dossiers, spread as on a real site."""
    started = time.perf_counter()
    missing = total - Application.objects.count()
    while missing > 0:
        add_dossiers(site, min(missing, 2000))
        missing = total - Application.objects.count()
    analyze()
    return time.perf_counter() - started


def ensure_pool(site, key, state, count):
    """At least ``count`` bulk dossiers of the call ``key`` in ``state``."""
    pool = pool_query(site, key, state)
    missing = count - pool.count()
    if missing > 0:
        add_dossiers(site, missing, only=(key, state))


def pool_query(site, key, state):
    return (
        Application.objects.filter(call=site.calls[key], state=state)
        .exclude(organization=site.organization)
        .select_related("call", "organization")
        .order_by("pk")
    )


# ----------------------------------------------------------------- measures


def measure_transitions(site):
    """{label: [SQL of one perform call]} for each transition kind, the dossier
    brought to the source state through the real transitions beforehand."""
    results = {}
    for label, call_key, source, transition, data in MEASURED:
        call = site.ami if call_key == "ami" else site.prize
        draft = create_draft(
            call=call,
            organization=site.organization,
            user=site.applicant,
            title=f"Mesure {label}",
            objectives=site.call_objectives[call.pk][:2],
            requested_amount=Decimal("10000"),
            total_budget=Decimal("25000"),
        )
        if source == S.DRAFT:
            attach_required_documents(draft, site.applicant)
        advance(draft, source, site.actors)
        # What the staff form sends (a due date, the eligibility checklist...), then the
        # measured case's own data.
        payload = {**default_data(draft, transition), **(data or {})}
        if transition == "select":
            payload.setdefault("reason", DEFAULT_DATA["select"]["reason"])
        # As in a request: the dossier as the view loads it, a fresh user object.
        dossier = Application.objects.select_related("call", "organization").get(pk=draft.pk)
        actor = User.objects.get(pk=site.actors[actor_role(transition)].pk)
        with CaptureQueriesContext(connection) as captured:
            perform(dossier, transition, actor, expected_version=dossier.version, **payload)
        results[label] = [query["sql"] for query in captured.captured_queries]
    return results


def measure_dashboard(site, requests):
    try:
        url = reverse("dashboard")
    except NoReverseMatch:
        return None
    client = logged_in_client(site.administrator, raise_request_exception=False)
    statements = []  # (sql, params) as sent to the driver, to be replayed alone

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    figures, response = measure_get(client, url, requests=requests, wrapper=record)
    html = response.content.decode(errors="replace")
    references = set(re.findall(r"\b(?:AMI|PRIX)-\d{4}-\d{4,}\b", html))
    return {
        "url": url,
        **figures,
        "statements": statements,
        "dossiers_shown": len(references),
    }


def commit_latency(count=200):
    """Mean time of a one-row UPDATE in its own transaction: what the machine's disk
    charges for each commit (a perform call commits twice: its transaction, then the
    delivery task's row)."""
    counter = ReferenceCounter.objects.create(prefix="BENCH", year=1)
    rows = ReferenceCounter.objects.filter(pk=counter.pk)
    started = time.perf_counter()
    for number in range(count):
        rows.update(last_number=number)
    elapsed = time.perf_counter() - started
    counter.delete()
    return elapsed / count * 1000


def time_queries(statements, repeat=5):
    """[(median ms, SQL)] of the SELECT statements of a page, run again one by one
    and fetched whole, slowest first: where the database time goes."""
    timings = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue

            def run(sql=sql, params=params):
                cursor.execute(sql, params)
                cursor.fetchall()

            timings.append((median_ms(timed(run, repeat)), sql))
    return sorted(timings, reverse=True)


def throughput(dossiers, transition, actor_of):
    """Transitions per second through perform, each call its own transaction."""
    if not dossiers:
        return None
    durations = []
    for dossier in dossiers:
        actor = actor_of(dossier)
        rules.forget(actor)  # a request loads its user afresh: roles are not cached
        payload = default_data(dossier, transition)
        started = time.perf_counter()
        # As a form sends it: the version the page showed (checked under the lock).
        perform(dossier, transition, actor, expected_version=dossier.version, **payload)
        durations.append(time.perf_counter() - started)
    elapsed = sum(durations)
    durations.sort()
    return {
        "transition": transition,
        "count": len(dossiers),
        "seconds": elapsed,
        "per_second": len(dossiers) / elapsed,
        "ms_each": elapsed / len(dossiers) * 1000,
        # Less sensitive than the mean to other processes taking the CPUs for a while.
        "median_ms": median_ms(durations),
        "p95_ms": durations[int(len(durations) * 0.95) - 1] * 1000,
    }


# ------------------------------------------------------------------ printing


def print_queries(label, sql, indent="    "):
    say(f"{indent}{label}: {len(sql)} queries")
    for number, statement in enumerate(sql, start=1):
        say(f"{indent}  {number:>2}. {statement[:300]}{' …' if len(statement) > 300 else ''}")


def print_transition_table(small, large, n_small, n_large):
    say(f"| transition | queries @{n_small} | queries @{n_large} | constant | ≤ {QUERY_TARGET} |")
    say("|---|---:|---:|:---:|:---:|")
    for label, *_rest in MEASURED:
        q_small, q_large = len(small[label]), len(large[label])
        say(
            f"| {label} | {q_small} | {q_large} | {'yes' if q_small == q_large else 'NO'} "
            f"| {'yes' if max(q_small, q_large) <= QUERY_TARGET else 'NO'} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--transitions", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--show-queries", action="store_true", help="print every query list")
    parser.add_argument("--json", type=Path, help="write the figures there")
    args = parser.parse_args()
    if args.small < len(MEASURED) or args.dossiers <= args.small:
        parser.error(f"need {len(MEASURED)} <= --small < --dossiers")
    if args.transitions < 1 or 2 * args.transitions > args.dossiers - args.small:
        parser.error("need 1 <= 2 * --transitions <= --dossiers - --small")

    label = database_label()
    say(f"=== {label} — {settings.DATABASES['default']['NAME']}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"migrated in {time.perf_counter() - started:.1f} s")
    if Application.objects.exists():
        raise SystemExit("The database already holds dossiers: give the benchmark an empty one.")
    site = Site(random.Random(args.seed))
    figures = {
        "database": label,
        "vendor": connection.vendor,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "debug": settings.DEBUG,
        "task_backend": settings.TASKS["default"]["BACKEND"],
        "sizes": {},
        "transitions": {},
        "dashboard": {},
    }

    sizes = [("small", args.small), ("large", args.dossiers)]
    for key, size in sizes:
        if key == "large":
            # The dossiers of the throughput runs are part of the large site.
            ensure_pool(site, "ami_open", S.SUBMITTED, args.transitions)
            ensure_pool(site, "ami_open", S.DRAFT, args.transitions)
        # The measured dossiers are part of the count too: bulk set-up to size - 17.
        seconds = grow(site, size - len(MEASURED))
        say(f"\n--- {size} dossiers (bulk set-up {seconds:.1f} s)")
        queries = measure_transitions(site)
        count = Application.objects.count()
        states = dict(Counter(Application.objects.values_list("state", flat=True)))
        figures["sizes"][key] = {"dossiers": count, "states": states}
        figures["transitions"][key] = queries
        say(f"dossiers in the database: {count}; by state: {dict(sorted(states.items()))}")
        for name, sql in queries.items():
            flag = "  <-- above the target" if len(sql) > QUERY_TARGET else ""
            say(f"  perform {name:<30} {len(sql):>3} queries{flag}")
            if args.show_queries or len(sql) > QUERY_TARGET:
                print_queries(name, sql)
        say("  (counts include BEGIN and COMMIT, which Django logs as queries)")
        page = measure_dashboard(site, args.requests)
        figures["dashboard"][key] = page
        if page is None:
            say("  dashboard: the URL named 'dashboard' does not exist yet; not measured")
        else:
            flag = "  <-- above the target" if page["queries"] > PAGE_QUERY_TARGET else ""
            say(
                f"  dashboard {page['url']}: HTTP {page['status']}, {page['queries']} queries"
                f"{flag}, median {page['median_ms']:.1f} ms (min {page['min_ms']:.1f}) over "
                f"{args.requests} requests, "
                f"{page['dossiers_shown']} dossiers shown, {page['bytes']} bytes"
            )
            if args.show_queries or page["queries"] > PAGE_QUERY_TARGET:
                print_queries("dashboard", page["sql"])
            page["query_ms"] = time_queries(page.pop("statements"))
            say("  its SELECT statements replayed alone, median of 5, slowest first:")
            for ms, statement in page["query_ms"]:
                say(f"    {ms:7.2f} ms  {statement[:150]}{' …' if len(statement) > 150 else ''}")

    n_small = figures["sizes"]["small"]["dossiers"]
    n_large = figures["sizes"]["large"]["dossiers"]
    say(f"\n--- SQL queries per perform call ({label})")
    print_transition_table(
        figures["transitions"]["small"], figures["transitions"]["large"], n_small, n_large
    )
    small_page, large_page = figures["dashboard"]["small"], figures["dashboard"]["large"]
    if small_page and large_page:
        say(f"\n--- administrator's dossier list {large_page['url']} ({label})")
        say(f"queries @{n_small}: {small_page['queries']}; @{n_large}: {large_page['queries']}")
        ratio = large_page["median_ms"] / small_page["median_ms"]
        figures["dashboard"]["time_ratio"] = ratio
        say(
            f"median time @{n_small}: {small_page['median_ms']:.1f} ms; "
            f"@{n_large}: {large_page['median_ms']:.1f} ms; ratio {ratio:.2f}"
        )

    say(f"\n--- transitions per second through perform, {n_large} dossiers ({label})")
    submitted = list(pool_query(site, "ami_open", S.SUBMITTED)[: args.transitions])
    drafts = list(pool_query(site, "ami_open", S.DRAFT)[: args.transitions])
    figures["sizes"]["throughput"] = {"dossiers": Application.objects.count()}
    outbox_before = OutboundEmail.objects.count()
    trail_before = TransitionLog.objects.count(), AuditEvent.objects.count()
    eligible = throughput(submitted, "declare_eligible", lambda d: site.instructor)
    submit = throughput(drafts, "submit", lambda d: site.members[d.organization_id])
    figures["throughput"] = {
        "declare_eligible": eligible,
        "submit": submit,
        "commit_ms": commit_latency(),
        "emails_written": OutboundEmail.objects.count() - outbox_before,
        "log_rows_written": TransitionLog.objects.count() - trail_before[0],
        "audit_events_written": AuditEvent.objects.count() - trail_before[1],
        "dossiers": figures["sizes"]["throughput"]["dossiers"],
    }
    for name, result in (
        ("declare_eligible (instructor)", eligible),
        ("submit (applicant)", submit),
    ):
        say(
            f"  {name:<30} {result['count']} transitions in {result['seconds']:.2f} s: "
            f"{result['per_second']:.0f}/s (mean {result['ms_each']:.1f} ms, median "
            f"{result['median_ms']:.1f} ms, 95th percentile {result['p95_ms']:.1f} ms)"
        )
    say(f"  outbox rows written by these transitions: {figures['throughput']['emails_written']}")
    say(
        "  audit rows written by these transitions: "
        f"{figures['throughput']['log_rows_written']} transition log rows, "
        f"{figures['throughput']['audit_events_written']} audit events; the eligibility "
        "checklist is kept in the log row's data; "
        "each call sent the dossier's version (expected_version)"
    )
    commit_ms = figures["throughput"]["commit_ms"]
    say(f"  one-row UPDATE and commit (disk cost of a commit): {commit_ms:.2f} ms")
    figures["load_average"] = os.getloadavg()
    say(f"\ntotal {time.perf_counter() - started:.0f} s; load average {figures['load_average']}")

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
