"""Juror assignments, conflicts of interest, governance opinions and scorecards: what
each person may do, and what the others then see."""

from decimal import Decimal

import pytest
from guardian.models import UserObjectPermission

from accounts.models import Membership
from calls.models import Application, ApplicationUserObjectPermission, ScoringCriterion
from calls.selectors import visible_dossiers
from reviews import selectors, services
from reviews.models import (
    ConflictOfInterest,
    GovernanceBody,
    JurorAssignment,
    Opinion,
    Score,
    Scorecard,
)
from tests.factories import CallFactory, UserFactory, assign_confirmed
from workflows import rules
from workflows.exceptions import (
    InvalidSourceState,
    InvalidTransitionData,
    TransitionError,
    TransitionNotPermitted,
)
from workflows.models import AuditEvent, TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S


def stored_state(dossier):
    """The state as stored (the protected field cannot be refreshed in place)."""
    return Application.objects.values_list("state", flat=True).get(pk=dossier.pk)


def juror_of(world, email):
    """One more juror, member of the call's jury."""
    juror = UserFactory(email=email, roles=[rules.JURORS])
    world.jury.members.add(juror)
    return juror


@pytest.fixture
def grid(prize_world):
    """A scoring grid of two criteria on the prize edition."""
    return [
        ScoringCriterion.objects.create(
            call=prize_world.call, label="Ancrage local", weight=Decimal("2"), max_score=5
        ),
        ScoringCriterion.objects.create(
            call=prize_world.call, label="Caractère innovant", weight=Decimal("1"), max_score=10
        ),
    ]


# Assigning jurors.


def test_assignment_lets_the_juror_see_and_score_the_dossier(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assert not rules.can_view(world.juror, dossier)
    assert dossier not in visible_dossiers(world.juror)

    assignment = assign_confirmed(dossier, world.juror, by=world.administrator)

    assert assignment.juror == world.juror and assignment.application == dossier
    assert rules.can_view(world.juror, dossier)
    assert rules.can_score(world.juror, dossier)
    assert list(rules.filter_visible(Application.objects.all(), world.juror)) == [dossier]
    assert list(visible_dossiers(world.juror)) == [dossier]
    # The grant lives in the direct-FK table, never in guardian's generic one.
    assert ApplicationUserObjectPermission.objects.filter(
        user=world.juror, content_object=dossier, permission__codename="score_application"
    ).exists()
    assert not UserObjectPermission.objects.exists()
    # Another juror of the jury, not assigned, still sees nothing.
    other = juror_of(world, "jure-bis@example.org")
    assert not rules.can_view(other, dossier)
    assert list(visible_dossiers(other)) == []


def test_assigning_twice_keeps_one_assignment(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    assert JurorAssignment.objects.filter(application=dossier).count() == 1
    assert ApplicationUserObjectPermission.objects.filter(content_object=dossier).count() == 1


@pytest.mark.parametrize("role", ["instructor", "juror", "governance", "applicant"])
def test_only_administrators_assign_jurors(prize_world, role):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    with pytest.raises(TransitionNotPermitted):
        assign_confirmed(dossier, world.juror, by=getattr(world, role))
    assert not JurorAssignment.objects.exists()
    assert not rules.can_view(world.juror, dossier)


def test_a_juror_outside_the_call_jury_cannot_be_assigned(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    outsider = UserFactory(email="jure-autre-jury@example.org", roles=[rules.JURORS])
    not_a_juror = UserFactory(email="sans-role@example.org")
    world.jury.members.add(not_a_juror)  # in the jury but not in the jurors group
    for user in (outsider, not_a_juror, world.instructor):
        with pytest.raises(InvalidTransitionData) as error:
            assign_confirmed(dossier, user, by=world.administrator)
        assert error.value.field == "juror"
        assert "jury" in str(error.value.message)
    assert not JurorAssignment.objects.exists()
    assert not ApplicationUserObjectPermission.objects.exists()


def test_a_juror_cannot_be_assigned_to_a_notified_dossier(prize_world):
    world = prize_world
    dossier = world.dossier(S.NOTIFIED)
    with pytest.raises(InvalidSourceState):
        assign_confirmed(dossier, world.juror, by=world.administrator)
    assert not JurorAssignment.objects.exists()


# Conflicts of interest.


def test_a_conflict_removes_the_juror_from_the_dossier(prize_world, grid):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    other_dossier = world.dossier(S.IN_JURY)
    colleague = juror_of(world, "jure-bis@example.org")
    for juror in (world.juror, colleague):
        assign_confirmed(dossier, juror, by=world.administrator)
    assign_confirmed(other_dossier, world.juror, by=world.administrator)
    services.save_scorecard(dossier, world.juror, {grid[0].pk: 5, grid[1].pk: 10}, submit=True)
    services.save_scorecard(dossier, colleague, {grid[0].pk: 1, grid[1].pk: 2}, submit=True)
    assert selectors.score_summary(dossier).count == 2

    conflict = services.declare_conflict(dossier, world.juror, reason="Je préside l'association.")

    assert conflict.reason == "Je préside l'association."
    assert not rules.can_view(world.juror, dossier)
    assert not rules.can_score(world.juror, dossier)
    assert list(visible_dossiers(world.juror)) == [other_dossier]
    assert not ApplicationUserObjectPermission.objects.filter(
        user=world.juror, content_object=dossier
    ).exists()
    assert not JurorAssignment.objects.filter(application=dossier, juror=world.juror).exists()
    # Their scorecard is kept, marked excluded: the average is now the colleague's alone.
    kept = Scorecard.objects.get(application=dossier, juror=world.juror)
    assert kept.submitted_at is not None
    assert kept.excluded_at is not None
    assert kept.excluded_by == world.juror
    assert "Je préside l'association." in kept.excluded_reason
    assert kept.scores.count() == 2
    assert list(Scorecard.objects.counted().filter(application=dossier)) == [
        Scorecard.objects.get(application=dossier, juror=colleague)
    ]
    events = list(
        AuditEvent.objects.filter(application=dossier, subject_user=world.juror)
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events[-2:] == ["jury.conflict_declared", "jury.scorecard_excluded"]
    summary = selectors.score_summary(dossier)
    assert summary.count == 1
    # (2 × 1/5 + 1 × 2/10) / 3 × 20 = 4
    assert summary.average == Decimal("4.00")
    # The colleague and the other dossier are untouched.
    assert rules.can_score(colleague, dossier)
    assert rules.can_score(world.juror, other_dossier)


def test_a_juror_with_a_conflict_can_neither_see_nor_score(prize_world, grid):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    services.declare_conflict(dossier, world.juror)

    with pytest.raises(TransitionNotPermitted):
        services.save_scorecard(dossier, world.juror, {grid[0].pk: 3})
    assert not Scorecard.objects.exists()
    assert dossier not in visible_dossiers(world.juror)


def test_declaring_a_conflict_twice_is_refused_and_keeps_the_first(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    services.declare_conflict(dossier, world.juror, reason="Membre du bureau.")
    with pytest.raises(InvalidTransitionData) as error:
        services.declare_conflict(dossier, world.juror, reason="Autre raison.")
    assert "already recorded" in str(error.value.message)
    assert error.value.field == "reason"
    assert ConflictOfInterest.objects.get().reason == "Membre du bureau."


def test_a_conflict_after_the_jury_closed_is_refused_unless_an_administrator_records_it(
    prize_world, grid
):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    services.save_scorecard(dossier, world.juror, {grid[0].pk: 5, grid[1].pk: 10}, submit=True)
    perform(dossier, "close_jury", world.administrator)
    with pytest.raises(InvalidSourceState) as error:
        services.declare_conflict(dossier, world.juror, reason="Trop tard.")
    assert "closed" in str(error.value.message)
    assert not ConflictOfInterest.objects.exists()
    assert Scorecard.objects.counted().filter(application=dossier).count() == 1
    # An administrator records it, with a reason (required), logged.
    with pytest.raises(InvalidTransitionData):
        services.declare_conflict(dossier, world.juror, by=world.administrator)
    services.declare_conflict(
        dossier, world.juror, reason="Signalé après la réunion.", by=world.administrator
    )
    card = Scorecard.objects.get(application=dossier, juror=world.juror)
    assert card.excluded_by == world.administrator
    assert not Scorecard.objects.counted().filter(application=dossier).exists()
    assert selectors.score_summary(dossier).count == 0
    event = AuditEvent.objects.get(event="jury.conflict_declared")
    assert event.actor == world.administrator
    assert event.reason == "Signalé après la réunion."


def test_a_member_of_the_applicant_organisation_cannot_be_assigned(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    Membership.objects.create(user=world.juror, organization=dossier.organization)
    rules.forget(world.juror)
    with pytest.raises(InvalidTransitionData) as error:
        assign_confirmed(dossier, world.juror, by=world.administrator)
    assert "member of the organisation" in str(error.value.message)
    assert error.value.field == "juror"
    assert not JurorAssignment.objects.exists()
    assert not rules.can_see_internal(world.juror, dossier)


def test_a_juror_who_declared_a_conflict_cannot_be_assigned(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    services.declare_conflict(dossier, world.juror)  # before any assignment
    with pytest.raises(InvalidTransitionData) as error:
        assign_confirmed(dossier, world.juror, by=world.administrator)
    assert "conflict of interest" in str(error.value.message)
    assert not JurorAssignment.objects.exists()
    assert not rules.can_view(world.juror, dossier)


@pytest.mark.parametrize("role", ["instructor", "governance", "applicant", "administrator"])
def test_only_jurors_of_the_call_declare_conflicts(prize_world, role):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    with pytest.raises(TransitionNotPermitted):
        services.declare_conflict(dossier, getattr(world, role))
    assert not ConflictOfInterest.objects.exists()


# Opinions of the governance bodies.


def test_an_opinion_by_a_member_is_recorded(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    second_body = GovernanceBody.objects.create(name="Conseil citoyen")
    world.call.governance_bodies.add(second_body)

    opinion = services.record_opinion(
        dossier,
        world.body,
        world.governance,
        Opinion.Verdict.FAVOURABLE,
        "  Projet utile au quartier.  ",
    )

    assert opinion.author == world.governance
    assert opinion.motivation == "Projet utile au quartier."
    # One body out of two has answered: the consultation goes on.
    assert stored_state(dossier) == S.IN_CONSULTATION


def test_non_members_cannot_give_the_opinion_of_a_body(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    stranger = UserFactory(email="autre-instance@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    for user in (stranger, world.administrator, world.instructor, world.applicant):
        with pytest.raises(TransitionNotPermitted) as error:
            services.record_opinion(dossier, world.body, user, "favourable", "Très bien.")
        assert world.body.name in str(error.value.message)
    assert not Opinion.objects.exists()
    assert stored_state(dossier) == S.IN_CONSULTATION


def test_a_body_not_consulted_on_the_call_cannot_give_an_opinion(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    elsewhere = GovernanceBody.objects.create(name="Conseil d'un autre appel")
    member = UserFactory(email="membre-ailleurs@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    elsewhere.members.add(member)
    world.body.members.add(member)  # also a member of the body that is consulted
    with pytest.raises(TransitionNotPermitted) as error:
        services.record_opinion(dossier, elsewhere, member, "favourable", "Très bien.")
    assert "not consulted" in str(error.value.message)
    assert not Opinion.objects.exists()


def test_an_opinion_needs_a_motivation_and_a_known_verdict(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    with pytest.raises(InvalidTransitionData) as error:
        services.record_opinion(dossier, world.body, world.governance, "favourable", "   ")
    assert error.value.field == "motivation"
    with pytest.raises(InvalidTransitionData) as error:
        services.record_opinion(dossier, world.body, world.governance, "enthousiaste", "Oui.")
    assert error.value.field == "verdict"
    assert not Opinion.objects.exists()


def test_opinions_only_while_the_bodies_are_consulted(world):
    dossier = world.dossier(S.ELIGIBLE)
    with pytest.raises(InvalidSourceState):
        services.record_opinion(dossier, world.body, world.governance, "favourable", "Bien.")
    assert not Opinion.objects.exists()


def test_a_body_gives_one_opinion_only(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    colleague = UserFactory(email="instance-bis@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    world.body.members.add(colleague)
    world.call.governance_bodies.add(GovernanceBody.objects.create(name="Conseil citoyen"))
    services.record_opinion(dossier, world.body, world.governance, "favourable", "Bien.")

    with pytest.raises(TransitionNotPermitted) as error:
        services.record_opinion(dossier, world.body, colleague, "unfavourable", "Non.")

    assert "already given its opinion" in str(error.value.message)
    assert Opinion.objects.get().verdict == "favourable"


def test_the_last_opinion_closes_the_consultation(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    citizens = GovernanceBody.objects.create(name="Conseil citoyen")
    world.call.governance_bodies.add(citizens)
    citizen = UserFactory(email="citoyen@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    citizens.members.add(citizen)

    services.record_opinion(dossier, world.body, world.governance, "favourable", "Bien.")
    assert not TransitionLog.objects.filter(transition="close_consultation").exists()
    services.record_opinion(dossier, citizens, citizen, "reserved", "Sous réserve du budget.")

    assert dossier.state == S.AWAITING_DECISION  # the caller's object follows
    assert stored_state(dossier) == S.AWAITING_DECISION
    log = TransitionLog.objects.get(application=dossier, transition="close_consultation")
    assert log.actor == citizen
    assert (log.from_state, log.to_state) == (S.IN_CONSULTATION, S.AWAITING_DECISION)


def test_the_last_opinion_sends_the_dossier_to_the_jury_when_one_scores(world):
    world.call.jury_scores = True
    world.call.save()
    dossier = world.dossier(S.IN_CONSULTATION)

    services.record_opinion(dossier, world.body, world.governance, "favourable", "Bien.")

    assert stored_state(dossier) == S.IN_JURY
    log = TransitionLog.objects.get(application=dossier, transition="close_consultation")
    assert log.actor == world.governance


# Scorecards.


@pytest.fixture
def assigned(prize_world, grid):
    dossier = prize_world.dossier(S.IN_JURY)
    assign_confirmed(dossier, prize_world.juror, by=prize_world.administrator)
    return dossier


@pytest.mark.parametrize("value", [-1, 6, "7", "3.5", "trois", True])
def test_scores_stay_within_the_criterion_bounds(prize_world, grid, assigned, value):
    with pytest.raises(InvalidTransitionData) as error:
        services.save_scorecard(assigned, prize_world.juror, {grid[0].pk: value})
    assert error.value.field == f"criterion_{grid[0].pk}"
    assert "between 0 and 5" in str(error.value.message)
    assert not Score.objects.exists()


def test_bounds_are_inclusive(prize_world, grid, assigned):
    card = services.save_scorecard(
        assigned, prize_world.juror, {grid[0].pk: 0, grid[1].pk: 10}, submit=True
    )
    assert dict(card.scores.values_list("criterion_id", "value")) == {
        grid[0].pk: 0,
        grid[1].pk: 10,
    }


def test_a_criterion_of_another_call_is_refused(prize_world, grid, assigned):
    foreign = ScoringCriterion.objects.create(call=CallFactory(), label="Autre appel", max_score=5)
    with pytest.raises(InvalidTransitionData):
        services.save_scorecard(assigned, prize_world.juror, {foreign.pk: 3})
    assert not Score.objects.exists()


def test_a_draft_scorecard_may_be_partial_and_is_not_counted(prize_world, grid, assigned):
    card = services.save_scorecard(assigned, prize_world.juror, {grid[0].pk: 4}, comment="À revoir")
    assert card.submitted_at is None
    assert card.comment == "À revoir"
    assert selectors.score_summary(assigned) == selectors.ScoreSummary(average=None, count=0)

    # Completed and corrected later, then submitted.
    card = services.save_scorecard(
        assigned, prize_world.juror, {grid[0].pk: 3, grid[1].pk: 5}, submit=True
    )
    assert card.submitted_at is not None
    assert Scorecard.objects.count() == 1
    assert dict(card.scores.values_list("criterion_id", "value")) == {grid[0].pk: 3, grid[1].pk: 5}
    assert selectors.score_summary(assigned).count == 1


def test_submitting_needs_every_criterion(prize_world, grid, assigned):
    with pytest.raises(InvalidTransitionData) as error:
        services.save_scorecard(assigned, prize_world.juror, {grid[0].pk: 4}, submit=True)
    assert "Caractère innovant" in str(error.value.message)
    assert error.value.field == f"criterion_{grid[1].pk}"
    assert not Scorecard.objects.filter(submitted_at__isnull=False).exists()


def test_a_submitted_scorecard_is_final(prize_world, grid, assigned):
    services.save_scorecard(
        assigned, prize_world.juror, {grid[0].pk: 4, grid[1].pk: 8}, submit=True
    )
    with pytest.raises(TransitionNotPermitted):
        services.save_scorecard(assigned, prize_world.juror, {grid[0].pk: 1})
    assert Score.objects.get(criterion=grid[0]).value == 4


def test_only_assigned_jurors_score_and_only_with_the_jury(prize_world, grid, assigned):
    world = prize_world
    colleague = juror_of(world, "jure-bis@example.org")
    for user in (colleague, world.administrator, world.instructor):
        with pytest.raises(TransitionError):
            services.save_scorecard(assigned, user, {grid[0].pk: 3})
    perform(assigned, "close_jury", world.administrator)
    with pytest.raises(TransitionNotPermitted):
        services.save_scorecard(assigned, world.juror, {grid[0].pk: 3})
    assert not Scorecard.objects.exists()
