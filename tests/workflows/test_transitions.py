"""Every transition of both flows: who may perform it, from which states, to which state,
and what the audit trail records.

The table ``CASES`` lists every (transition, source) pair of each flow with the role
allowed to perform it; ``test_every_transition_is_covered`` fails when a transition is
added to a flow without being listed here."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from calls.models import Application, Nomination
from reviews.models import GovernanceBody, Opinion
from tests.factories import UserFactory
from workflows import rules
from workflows.exceptions import (
    TransitionError,
    TransitionNotPermitted,
    UnknownTransition,
)
from workflows.flows import AmiFlow, PrizeFlow, transition_names
from workflows.models import TransitionLog
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

from . import give_all_opinions, snapshot

REASON = {"reason": "Motif détaillé de la décision."}

AMI_TRANSITIONS = {
    "submit",
    "discard",
    "resubmit",
    "withdraw",
    "request_completion",
    "declare_eligible",
    "declare_ineligible",
    "open_consultation",
    "close_consultation",
    "open_jury",
    "close_jury",
    "to_decision",
    "select",
    "decline",
    "notify",
    "reopen",
}
PRIZE_TRANSITIONS = (AMI_TRANSITIONS - {"open_consultation", "close_consultation"}) | {
    "examine_nomination"
}


@dataclass(frozen=True)
class Case:
    kind: str  # "ami" or "prize"
    transition: str
    source: S
    target: S
    actor: str  # the role of world.roles() that performs it
    data: dict = field(default_factory=dict)
    jury_scores: bool = False  # AMI call with a jury
    opinions: bool = False  # every consulted body has given its opinion
    also_allowed: tuple = ()  # other roles allowed in the same situation
    nominated: bool = False  # a nomination by a third party nobody accepted, call closed

    @property
    def id(self):
        suffix = "-jury" if self.jury_scores and self.kind == "ami" else ""
        return f"{self.kind}-{self.transition}-{self.actor}-from-{self.source}{suffix}"


def _common(kind):
    return [
        Case(kind, "submit", S.DRAFT, S.SUBMITTED, "applicant"),
        Case(kind, "discard", S.DRAFT, S.DISCARDED, "applicant"),
        Case(kind, "resubmit", S.INCOMPLETE, S.SUBMITTED, "applicant"),
        Case(kind, "withdraw", S.SUBMITTED, S.WITHDRAWN, "applicant", REASON),
        Case(kind, "withdraw", S.INCOMPLETE, S.WITHDRAWN, "applicant", REASON),
        Case(kind, "request_completion", S.SUBMITTED, S.INCOMPLETE, "instructor", REASON),
        Case(kind, "declare_eligible", S.SUBMITTED, S.ELIGIBLE, "instructor"),
        Case(kind, "declare_ineligible", S.SUBMITTED, S.INELIGIBLE, "instructor", REASON),
        Case(kind, "open_jury", S.ELIGIBLE, S.IN_JURY, "administrator", jury_scores=True),
        Case(kind, "to_decision", S.ELIGIBLE, S.AWAITING_DECISION, "administrator"),
        Case(kind, "close_jury", S.IN_JURY, S.AWAITING_DECISION, "administrator", jury_scores=True),
        Case(kind, "decline", S.AWAITING_DECISION, S.NOT_SELECTED, "administrator", REASON),
        *[
            Case(kind, "notify", source, S.NOTIFIED, "administrator")
            for source in (S.SELECTED, S.NOT_SELECTED, S.INELIGIBLE)
        ],
        *[
            Case(kind, "reopen", source, S.AWAITING_DECISION, "administrator", REASON)
            for source in (S.SELECTED, S.NOT_SELECTED, S.INELIGIBLE)
        ],
    ]


CASES = [
    *_common("ami"),
    Case(
        "ami",
        "select",
        S.AWAITING_DECISION,
        S.SELECTED,
        "administrator",
        {"amount": "12000", **REASON},
    ),
    Case(
        "ami",
        "open_consultation",
        S.ELIGIBLE,
        S.IN_CONSULTATION,
        "administrator",
        {"due_at": timezone.localdate() + timedelta(days=10)},
    ),
    Case(
        "ami", "close_consultation", S.IN_CONSULTATION, S.AWAITING_DECISION, "administrator", REASON
    ),
    Case(
        "ami",
        "close_consultation",
        S.IN_CONSULTATION,
        S.IN_JURY,
        "administrator",
        REASON,
        jury_scores=True,
    ),
    Case(
        "ami",
        "close_consultation",
        S.IN_CONSULTATION,
        S.AWAITING_DECISION,
        "governance",
        opinions=True,
        also_allowed=("administrator",),
    ),
    Case(
        "ami",
        "close_consultation",
        S.IN_CONSULTATION,
        S.IN_JURY,
        "governance",
        jury_scores=True,
        opinions=True,
        also_allowed=("administrator",),
    ),
    *_common("prize"),
    Case("prize", "select", S.AWAITING_DECISION, S.SELECTED, "administrator", REASON),
    Case(
        "prize",
        "select",
        S.AWAITING_DECISION,
        S.SELECTED,
        "administrator",
        {"special_prize": "on", **REASON},
    ),
    Case(
        "prize",
        "examine_nomination",
        S.DRAFT,
        S.SUBMITTED,
        "instructor",
        nominated=True,
        also_allowed=("administrator",),
    ),
]

# The source states of each transition, as the table above says.
SOURCES = {
    kind: {
        name: {case.source for case in CASES if case.kind == kind and case.transition == name}
        for name in (AMI_TRANSITIONS if kind == "ami" else PRIZE_TRANSITIONS)
    }
    for kind in ("ami", "prize")
}


def actor_of(kind, transition):
    return next(c.actor for c in CASES if c.kind == kind and c.transition == transition)


def data_of(kind, transition):
    return next(c.data for c in CASES if c.kind == kind and c.transition == transition)


@pytest.fixture
def make_world(request, db):
    # ``db`` is requested here, not only through getfixturevalue, so that pytest-django
    # runs these tests before the transactional ones (whose final flush empties the
    # objectives loaded by the data migration).
    return lambda kind: request.getfixturevalue("world" if kind == "ami" else "prize_world")


def build(world, case):
    """The dossier of a case, in its source state, with the call configured for it."""
    if case.jury_scores and not world.call.jury_scores:
        world.call.jury_scores = True
        world.call.save(update_fields=["jury_scores"])
    dossier = world.dossier(case.source)
    if case.transition == "submit":
        attach_required_documents(dossier, world.applicant)
    if case.opinions:
        give_all_opinions(dossier)
    if case.nominated:
        Nomination.objects.create(
            call=world.call,
            organization=dossier.organization,
            nominated_by_organization=world.other_organization,
            nominated_by=world.other_applicant,
            title=dossier.title,
            summary="Une action remarquable.",
            motivation="Elle touche les plus isolés.",
            application=dossier,
        )
        world.call.examine_unaccepted_nominations = True
        world.call.closes_at = timezone.now() - timedelta(minutes=1)
        world.call.save(update_fields=["examine_unaccepted_nominations", "closes_at"])
    return dossier


def outcome(dossier, transition, actor, data):
    try:
        perform(dossier, transition, actor, **data)
    except TransitionError as error:
        return type(error).__name__
    return "performed"


def test_every_transition_is_covered():
    assert transition_names(AmiFlow) == sorted(AMI_TRANSITIONS)
    assert transition_names(PrizeFlow) == sorted(PRIZE_TRANSITIONS)
    assert {c.transition for c in CASES if c.kind == "ami"} == AMI_TRANSITIONS
    assert {c.transition for c in CASES if c.kind == "prize"} == PRIZE_TRANSITIONS


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_allowed_actor_performs_the_transition(make_world, case):
    world = make_world(case.kind)
    dossier = build(world, case)
    actor = world.roles()[case.actor]
    logged_before = list(TransitionLog.objects.filter(application=dossier))

    returned = perform(dossier, case.transition, actor, **case.data)

    assert dossier.state == case.target
    assert Application.objects.get(pk=dossier.pk).state == case.target
    logs = list(TransitionLog.objects.filter(application=dossier))
    assert logs[:-1] == logged_before
    log = logs[-1]
    assert log == returned
    assert (log.transition, log.from_state, log.to_state, log.actor, log.reason) == (
        case.transition,
        case.source,
        case.target,
        actor,
        case.data.get("reason", ""),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_other_role_is_refused(make_world, case):
    world = make_world(case.kind)
    dossier = build(world, case)
    before = snapshot(dossier)
    allowed = {case.actor, *case.also_allowed}

    refusals = {
        role: outcome(dossier, case.transition, user, case.data)
        for role, user in world.roles().items()
        if role not in allowed
    }
    refusals["anonymous"] = outcome(dossier, case.transition, AnonymousUser(), case.data)
    # The allowed user, once their account is deactivated.
    inactive = User.objects.get(pk=world.roles()[case.actor].pk)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    refusals[f"inactive {case.actor}"] = outcome(dossier, case.transition, inactive, case.data)

    assert refusals == dict.fromkeys(refusals, "TransitionNotPermitted")
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        (kind, state)
        for kind in ("ami", "prize")
        for state in S
        if not (kind == "prize" and state == S.IN_CONSULTATION)  # no consultation for prizes
    ],
)
def test_transitions_from_a_wrong_state_are_refused(make_world, kind, state):
    """From each state, every transition the table does not list from it is refused,
    even for its allowed actor, and changes nothing."""
    world = make_world(kind)
    if state == S.IN_JURY and not world.call.jury_scores:
        world.call.jury_scores = True
        world.call.save(update_fields=["jury_scores"])
    dossier = world.dossier(state)
    before = snapshot(dossier)

    refusals = {
        name: outcome(dossier, name, world.roles()[actor_of(kind, name)], data_of(kind, name))
        for name, sources in SOURCES[kind].items()
        if state not in sources
    }

    assert refusals == dict.fromkeys(refusals, "InvalidSourceState")
    assert snapshot(dossier) == before


def test_prize_nominations_have_no_consultation(prize_world):
    dossier = prize_world.dossier(S.ELIGIBLE)
    before = snapshot(dossier)

    for name in ("open_consultation", "close_consultation"):
        with pytest.raises(UnknownTransition):
            perform(dossier, name, prize_world.administrator, **REASON)

    assert snapshot(dossier) == before


def test_governance_member_cannot_close_while_a_body_has_not_answered(world):
    second = GovernanceBody.objects.create(name="Conseil citoyen de Bordeaux Nord")
    second.members.add(UserFactory(roles=[rules.GOVERNANCE_MEMBERS]))
    world.call.governance_bodies.add(second)
    dossier = world.dossier(S.IN_CONSULTATION)
    Opinion.objects.create(
        application=dossier,
        body=world.body,
        author=world.governance,
        verdict=Opinion.Verdict.RESERVED,
        motivation="Sous réserve d'un partenariat avec le centre social.",
    )
    before = snapshot(dossier)

    with pytest.raises(TransitionNotPermitted):
        perform(dossier, "close_consultation", world.governance)
    assert snapshot(dossier) == before

    Opinion.objects.create(
        application=dossier,
        body=second,
        author=second.members.get(),
        verdict=Opinion.Verdict.FAVOURABLE,
        motivation="Avis favorable.",
    )
    perform(dossier, "close_consultation", world.governance)
    assert Application.objects.get(pk=dossier.pk).state == S.AWAITING_DECISION


def test_governance_member_of_a_body_not_consulted_cannot_close(world):
    outsider = UserFactory(roles=[rules.GOVERNANCE_MEMBERS])
    GovernanceBody.objects.create(name="Commission extra-municipale").members.add(outsider)
    dossier = world.dossier(S.IN_CONSULTATION)
    give_all_opinions(dossier)
    before = snapshot(dossier)

    with pytest.raises(TransitionNotPermitted):
        perform(dossier, "close_consultation", outsider)

    assert snapshot(dossier) == before


def test_an_instructor_not_assigned_to_the_call_is_refused_until_assigned(world):
    dossier = world.dossier(S.SUBMITTED)

    with pytest.raises(TransitionNotPermitted):
        perform(dossier, "declare_eligible", world.other_instructor)

    world.call.instructors.add(world.other_instructor)
    perform(dossier, "declare_eligible", world.other_instructor)
    assert Application.objects.get(pk=dossier.pk).state == S.ELIGIBLE
