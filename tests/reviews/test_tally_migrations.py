"""The migrations that brought the jurors' counters run on a database that already holds
a jury's work: brought back before them and forward again, the counters and the "to
score" flags are counted from the rows."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from calls.models import ScoringCriterion
from reviews import services, tallies
from reviews.models import JurorAssignment, JurorTally
from tests.factories import UserFactory, assign_confirmed
from workflows import rules
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_COUNTERS = "0006_conflict_declared_interest"


def test_the_counters_are_counted_from_the_rows_already_there(prize_world):
    world = prize_world
    other = UserFactory(email="jure2@example.org", roles=[rules.JURORS])
    world.jury.members.add(other)
    criterion = ScoringCriterion.objects.create(
        call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=10
    )
    scored, waiting = world.dossier(S.IN_JURY), world.dossier(S.IN_JURY)
    for dossier in (scored, waiting):
        assign_confirmed(dossier, world.juror, by=world.administrator)
        assign_confirmed(dossier, other, by=world.administrator)
    services.save_scorecard(scored, world.juror, {criterion.pk: 7}, submit=True)
    services.save_scorecard(scored, other, {criterion.pk: 5})  # a draft
    services.declare_conflict(waiting, other, "Ma sœur y travaille.")
    kept = tallies.stored(world.call)
    assert kept == tallies.counts(world.call) != {}

    call_command("migrate", "reviews", BEFORE_COUNTERS, verbosity=0)
    call_command("migrate", "reviews", verbosity=0)

    assert tallies.stored(world.call) == kept
    assert JurorTally.objects.filter(call=world.call).count() == 2
    flagged = JurorAssignment.objects.filter(application__call=world.call, pending=True)
    assert set(flagged) == set(tallies.pending_assignments(world.call))
    assert {(a.application_id, a.juror_id) for a in flagged} == {
        (waiting.pk, world.juror.pk),
        (scored.pk, other.pk),
    }
