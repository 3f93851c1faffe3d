"""Withdrawing a declared interest (CGCT L2131-11): the conflicts of interest the
interest declared are lifted only where the dossier's jury is still open; the juror is
back "to confirm" and their scorecard stays excluded until they confirm having no
conflict again, then comes back as a draft to submit again. Closed juries, notified
decisions and conflicts declared by hand keep their conflict. Each lift is in the
dossier's audit trail; the page says what will change before the withdrawal."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import ScoringCriterion
from reviews import services
from reviews.models import ConflictOfInterest, DeclaredInterest, JurorAssignment, Scorecard
from tests.factories import assign_confirmed
from tests.web import page
from workflows import rules
from workflows.audit import event_label
from workflows.exceptions import InvalidTransitionData
from workflows.models import AuditEvent
from workflows.services import perform
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.criterion = ScoringCriterion.objects.create(
        call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=10
    )
    return world


def scored(world, value=7):
    """A dossier of ``world.organization`` with the jury, the juror confirmed and scored
    (submitted)."""
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, world.administrator)
    services.save_scorecard(dossier, world.juror, {world.criterion.pk: value}, submit=True)
    return dossier


def withdraw_url(interest):
    return reverse("staff_interest_withdraw", args=[interest.pk])


def test_on_an_open_jury_the_conflict_is_lifted_and_the_juror_confirms_again(client, jury):
    world = jury
    dossier = scored(world)
    interest = services.declare_interest(world.juror, world.organization, "board")
    conflict = ConflictOfInterest.objects.get(application=dossier, juror=world.juror)
    assert conflict.declared_interest == interest
    assert not Scorecard.objects.counted().filter(application=dossier).exists()
    client.force_login(world.juror)

    # The confirmation step names the dossier and what happens to it.
    listing = client.get(reverse("staff_interests"), HTTP_ACCEPT_LANGUAGE="fr")
    assert withdraw_url(interest) in listing.content.decode()
    assert "montre d’abord lesquels de vos conflits" in listing.content.decode()
    step = client.get(withdraw_url(interest))
    assert step.status_code == 200
    row = page(step).text(f"effect-{dossier.pk}")
    assert dossier.reference in row and "Conflict lifted" in row and "to confirm" in row
    assert DeclaredInterest.objects.filter(pk=interest.pk).exists()  # nothing done yet

    response = client.post(withdraw_url(interest))
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert f"Conflicts of interest lifted: {dossier.reference}" in done
    assert not DeclaredInterest.objects.exists()
    assert not ConflictOfInterest.objects.filter(application=dossier).exists()
    # Back "to confirm": assigned, not confirmed, reads nothing of the dossier yet.
    assignment = JurorAssignment.objects.get(application=dossier, juror=world.juror)
    assert assignment.confirmed_at is None
    assert rules.is_juror_of(world.juror, dossier)
    assert not rules.can_view(world.juror, dossier)
    queue = page(client.get(reverse("staff_jury_queue"))).text("queue")
    assert dossier.reference in queue and "To confirm: no conflict of interest" in queue
    # The scorecard stays excluded until the juror confirms again.
    card = Scorecard.objects.get(application=dossier, juror=world.juror)
    assert card.excluded_at is not None
    assert not Scorecard.objects.counted().filter(application=dossier).exists()
    # The lift is in the dossier's audit trail: who and when.
    lift = AuditEvent.objects.get(event="jury.conflict_lifted")
    assert (lift.application, lift.actor, lift.subject_user) == (dossier, world.juror, world.juror)
    assert lift.at is not None and world.organization.name in lift.reason
    assert event_label("jury.conflict_lifted") != "jury.conflict_lifted"
    withdrawn = AuditEvent.objects.get(event="interest.withdrawn")
    assert withdrawn.data["conflicts_lifted"] == [dossier.reference]

    # Confirming no conflict brings the scorecard back as a draft, to submit again.
    response = client.post(reverse("staff_confirm_no_conflict", args=[dossier.pk]))
    assert response.status_code == 302
    opened = client.get(response["Location"]).content.decode()
    assert "is back as a draft" in opened
    card.refresh_from_db()
    assert (card.excluded_at, card.submitted_at) == (None, None)
    assert card.scores.get().value == 7
    assert AuditEvent.objects.filter(event="jury.scorecard_reincluded").count() == 1
    assert not Scorecard.objects.counted().filter(application=dossier).exists()
    services.save_scorecard(dossier, world.juror, {world.criterion.pk: 8}, submit=True)
    assert Scorecard.objects.counted().get(application=dossier).scores.get().value == 8


@pytest.mark.parametrize("state", [S.AWAITING_DECISION, S.NOTIFIED])
def test_a_closed_jury_or_a_notified_decision_keeps_its_conflict(client, jury, state):
    world = jury
    dossier = scored(world)
    interest = services.declare_interest(world.juror, world.organization, "member")
    if state == S.AWAITING_DECISION:
        perform(dossier, "close_jury", world.administrator)
    else:
        perform(dossier, "close_jury", world.administrator)
        perform(dossier, "decline", world.administrator, reason="Hors du périmètre.")
        perform(dossier, "notify", world.administrator)
    client.force_login(world.juror)

    row = page(client.get(withdraw_url(interest))).text(f"effect-{dossier.pk}")
    assert "Conflict kept" in row
    assert ("notified" if state == S.NOTIFIED else "jury on this dossier is closed") in row

    assert client.post(withdraw_url(interest)).status_code == 302
    assert ConflictOfInterest.objects.filter(application=dossier, juror=world.juror).exists()
    assert not JurorAssignment.objects.filter(application=dossier, juror=world.juror).exists()
    assert Scorecard.objects.get(application=dossier).excluded_at is not None
    assert not AuditEvent.objects.filter(event="jury.conflict_lifted").exists()


def test_a_conflict_declared_by_hand_is_kept(client, jury):
    world = jury
    by_hand = scored(world)
    services.declare_conflict(by_hand, world.juror, "Ma sœur y travaille.")
    automatic = scored(world)
    interest = services.declare_interest(world.juror, world.organization, "family")
    assert ConflictOfInterest.objects.get(application=by_hand).declared_interest is None
    client.force_login(world.juror)

    step = page(client.get(withdraw_url(interest)))
    assert "Conflict kept" in step.text(f"effect-{by_hand.pk}")
    assert "declared on the dossier itself" in step.text(f"effect-{by_hand.pk}")
    assert "Conflict lifted" in step.text(f"effect-{automatic.pk}")

    client.post(withdraw_url(interest))
    assert ConflictOfInterest.objects.get(juror=world.juror).application == by_hand
    assert not rules.is_juror_of(world.juror, by_hand)
    assert rules.is_juror_of(world.juror, automatic)
    lifted = AuditEvent.objects.filter(event="jury.conflict_lifted")
    assert list(lifted.values_list("application", flat=True)) == [automatic.pk]


def test_a_juror_no_longer_of_the_jury_is_not_assigned_back(client, jury):
    world = jury
    scored(world)
    interest = services.declare_interest(world.juror, world.organization, "employee")
    world.jury.members.remove(world.juror)
    client.force_login(world.juror)
    assert "not assigned back" in page(client.get(withdraw_url(interest))).text("effects")

    client.post(withdraw_url(interest))
    assert not ConflictOfInterest.objects.exists()
    assert not JurorAssignment.objects.filter(juror=world.juror).exists()
    assert (
        AuditEvent.objects.get(event="jury.conflict_lifted").data["assigned_back_to_confirm"]
        is False
    )


def test_a_foreign_or_withdrawn_interest_gets_a_french_message(client, jury):
    world = jury
    mine = services.declare_interest(world.juror, world.organization, "member")
    theirs = services.declare_interest(world.instructor, world.organization, "employee")
    client.force_login(world.juror)
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    message = "n’existe pas ou a déjà été retirée"

    for method in (client.get, client.post):
        response = method(withdraw_url(theirs), **french)
        assert response.status_code == 404
        assert message in response.content.decode()
    assert DeclaredInterest.objects.filter(pk=theirs.pk).exists()

    assert client.post(withdraw_url(mine), **french).status_code == 302
    again = client.post(withdraw_url(mine), **french)  # a second click
    assert again.status_code == 404
    assert message in again.content.decode()
    assert client.get(withdraw_url(mine), **french).status_code == 404
    assert AuditEvent.objects.filter(event="interest.withdrawn").count() == 1
    missing = reverse("staff_interest_withdraw", args=[999999])
    assert client.get(missing, **french).status_code == 404
    with pytest.raises(InvalidTransitionData, match="does not exist or was already withdrawn"):
        services.withdraw_interest(world.juror, "abc")
