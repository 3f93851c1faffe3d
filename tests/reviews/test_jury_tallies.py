"""The per-juror counters of the jury's progress page (``reviews.tallies``): after every
operation of the services that change them (assigning one juror or many, saving and
submitting a scorecard, declaring a conflict of interest, sending a dossier to the
jury and closing it), they equal a recount from the rows, and the page shows them."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from calls.models import ScoringCriterion
from reviews import assignment, services, tallies
from reviews.models import JurorAssignment, JurorTally, Scorecard
from tests.conftest import postgres_available
from tests.factories import UserFactory, assign_confirmed
from tests.web import page
from workflows import rules
from workflows.services import perform
from workflows.states import DossierState as S


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.other_juror = UserFactory(
        email="jure2@example.org", first_name="Paule", last_name="Martin", roles=[rules.JURORS]
    )
    world.jury.members.add(world.other_juror)
    world.grid = [
        ScoringCriterion.objects.create(
            call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=10
        )
    ]
    return world


def recounted(call):
    """The counters kept equal a recount, and so do the assignments flagged to score;
    the counters are returned (juror id → figures)."""
    kept = tallies.stored(call)
    assert kept == tallies.counts(call)
    flagged = JurorAssignment.objects.filter(application__call=call, pending=True)
    assert set(flagged) == set(tallies.pending_assignments(call))
    return kept


def row(juror, **figures):
    return {juror.pk: {**dict.fromkeys(tallies.FIELDS, 0), **figures}}


def of(juror, call):
    return {juror.pk: recounted(call)[juror.pk]}


def test_the_counters_follow_every_operation_and_equal_a_recount(client, jury):
    juror, other, call = jury.juror, jury.other_juror, jury.call
    first, second = jury.dossier(S.IN_JURY), jury.dossier(S.IN_JURY)
    waiting = jury.dossier(S.ELIGIBLE)
    assert recounted(call) == {}

    assign_confirmed(first, juror, by=jury.administrator)
    assert recounted(call) == row(juror, assigned=1, late=1, pending=1)
    assign_confirmed(first, other, by=jury.administrator)
    services.assign_juror(first, other, by=jury.administrator)  # twice: nothing changes
    assert recounted(call) == {
        **row(juror, assigned=1, late=1, pending=1),
        **row(other, assigned=1, late=1, pending=1),
    }

    report = assignment.assign_in_bulk(
        call, [(second.pk, juror.pk), (second.pk, other.pk)], jury.administrator
    )
    assert len(report.created) == 2
    assert of(juror, call) == row(juror, assigned=2, late=2, pending=2)
    services.confirm_no_conflict(second, juror)
    services.confirm_no_conflict(second, other)

    grid = {jury.grid[0].pk: 7}
    services.save_scorecard(first, juror, grid)  # a draft
    assert of(juror, call) == row(juror, assigned=2, drafts=1, late=2, pending=2)
    services.save_scorecard(first, juror, grid, submit=True)
    assert of(juror, call) == row(juror, assigned=2, submitted=1, late=1, pending=1)
    services.save_scorecard(second, juror, grid, submit=True)  # submitted at once
    services.save_scorecard(second, other, grid)
    assert recounted(call) == {
        **row(juror, assigned=2, submitted=2),
        **row(other, assigned=2, drafts=1, late=2, pending=2),
    }

    # A conflict removes the assignment and excludes the scorecard, draft or submitted.
    services.declare_conflict(second, other, "Ma sœur y travaille.")
    services.declare_conflict(first, juror, "Je préside l'association.")
    assert recounted(call) == {
        **row(juror, assigned=1, submitted=1, conflicts=1),
        **row(other, assigned=1, conflicts=1, late=1, pending=1),
    }

    # Assigned before the jury opens: to score at once, late once it is with the jury;
    # neither once the jury is closed.
    services.assign_juror(waiting, other, by=jury.administrator)
    assert of(other, call) == row(other, assigned=2, conflicts=1, late=1, pending=2)
    perform(waiting, "open_jury", jury.administrator)
    assert of(other, call) == row(other, assigned=2, conflicts=1, late=2, pending=2)
    perform(first, "close_jury", jury.administrator)
    assert of(other, call) == row(other, assigned=2, conflicts=1, late=1, pending=1)

    client.force_login(jury.administrator)
    shown = page(client.get(reverse("staff_jury_progress", args=[call.pk])))
    cells = shown.text(f"juror-{other.pk}").split()
    # Assigned, submitted, drafts, conflicts, late, after the name.
    assert cells[-5:] == ["2", "0", "0", "1", "1"]

    # The juror's queue: the counts of its tabs, and the dossier left to score.
    client.force_login(other)
    queue = page(client.get(reverse("staff_jury_queue")))
    assert queue.text("tab-a-noter").endswith("(1)")
    assert queue.text("tab-soumis").endswith("(0)")
    assert queue.text("tab-conflits").endswith("(1)")
    assert waiting.reference in queue.text("queue")
    assert first.reference not in queue.text("queue")


def test_a_recount_repairs_counters_written_past_the_services(jury):
    dossier = jury.dossier(S.IN_JURY)
    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    Scorecard.objects.create(application=dossier, juror=jury.juror)  # a bulk load, say
    assert tallies.stored(jury.call) != tallies.counts(jury.call)

    tallies.recount(jury.call)

    assert recounted(jury.call) == row(jury.juror, assigned=1, drafts=1, late=1, pending=1)


@pytest.mark.postgres_only
@pytest.mark.skipif(not postgres_available(), reason="concurrent transactions: PostgreSQL")
# serialized_rollback: the objectives loaded by a data migration survive the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_changes_never_lose_an_increment(jury):
    """Two transactions adding to the same juror's counters at once, from a row that does
    not exist yet: every increment is kept (relative updates, creation retried)."""
    call_id, juror_id = jury.call.pk, jury.juror.pk
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(20):
                with transaction.atomic():
                    tallies.bump(call_id, juror_id, assigned=1, late=1)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    tally = JurorTally.objects.get(call_id=call_id, juror_id=juror_id)
    assert (tally.assigned, tally.late) == (40, 40)
    assert JurorAssignment.objects.count() == 0


def test_the_counters_follow_an_interest_declared_then_withdrawn(jury):
    """Declaring an interest excludes the juror's submitted scorecard (a conflict);
    withdrawing it lifts the conflict and assigns them back, to score again: the
    dossier is late and to score for them until they confirm and submit anew."""
    juror, call = jury.juror, jury.call
    dossier = jury.dossier(S.IN_JURY)
    assign_confirmed(dossier, juror, by=jury.administrator)
    services.save_scorecard(dossier, juror, {jury.grid[0].pk: 8}, submit=True)
    assert of(juror, call) == row(juror, assigned=1, submitted=1)

    interest = services.declare_interest(juror, jury.organization, "board")
    assert of(juror, call) == row(juror, conflicts=1)

    services.withdraw_interest(juror, interest.pk)
    # Assigned back, to confirm: the excluded scorecard counts as nothing yet.
    assert of(juror, call) == row(juror, assigned=1, late=1, pending=1)
    services.confirm_no_conflict(dossier, juror)
    assert of(juror, call) == row(juror, assigned=1, drafts=1, late=1, pending=1)
    services.save_scorecard(dossier, juror, {jury.grid[0].pk: 8}, submit=True)
    assert of(juror, call) == row(juror, assigned=1, submitted=1)
