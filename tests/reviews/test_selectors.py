"""Score summaries and the ranking of a prize edition, checked against averages
computed by hand."""

from decimal import Decimal

import pytest

from calls.models import ScoringCriterion
from reviews import selectors, services
from reviews.models import ConflictOfInterest
from reviews.selectors import ScoreSummary
from tests.factories import UserFactory, assign_confirmed
from workflows import rules
from workflows.services import perform
from workflows.states import DossierState as S


@pytest.fixture
def jury(prize_world):
    """Three jurors of the edition's jury and a grid of two unequal criteria."""
    world = prize_world
    jurors = [world.juror]
    for n in (2, 3):
        juror = UserFactory(email=f"jure{n}@example.org", roles=[rules.JURORS])
        world.jury.members.add(juror)
        jurors.append(juror)
    local = ScoringCriterion.objects.create(
        call=world.call, label="Ancrage local", weight=Decimal("3"), max_score=5
    )
    innovation = ScoringCriterion.objects.create(
        call=world.call, label="Caractère innovant", weight=Decimal("1"), max_score=10
    )
    return world, jurors, local, innovation


def scored(world, jurors, marks, criteria, submit=True):
    """A dossier with the jury, scored by each juror: marks = [(local, innovation)]."""
    dossier = world.dossier(S.IN_JURY)
    for juror, values in zip(jurors, marks, strict=False):
        assign_confirmed(dossier, juror, by=world.administrator)
        services.save_scorecard(
            dossier,
            juror,
            dict(zip([c.pk for c in criteria], values, strict=True)),
            submit=submit,
        )
    return dossier


def test_weighted_average_on_20(jury):
    world, jurors, local, innovation = jury
    # Juror 1: (3 × 4/5 + 1 × 5/10) / 4 × 20 = (2.4 + 0.5) / 4 × 20 = 14.5
    # Juror 2: (3 × 5/5 + 1 × 7/10) / 4 × 20 = (3 + 0.7) / 4 × 20 = 18.5
    # Juror 3: (3 × 2/5 + 1 × 10/10) / 4 × 20 = (1.2 + 1) / 4 × 20 = 11
    # Mean: (14.5 + 18.5 + 11) / 3 = 14.666… → 14.67
    dossier = scored(world, jurors, [(4, 5), (5, 7), (2, 10)], [local, innovation])

    assert selectors.score_summary(dossier) == ScoreSummary(average=Decimal("14.67"), count=3)


def test_no_scorecard_means_no_average(jury):
    world, *_ = jury
    dossier = world.dossier(S.IN_JURY)
    assert selectors.score_summary(dossier) == ScoreSummary(average=None, count=0)


def test_draft_scorecards_do_not_count(jury):
    world, jurors, local, innovation = jury
    dossier = scored(world, jurors[:1], [(4, 5)], [local, innovation])
    assign_confirmed(dossier, jurors[1], by=world.administrator)
    services.save_scorecard(dossier, jurors[1], {local.pk: 0, innovation.pk: 0})  # not submitted

    assert selectors.score_summary(dossier) == ScoreSummary(average=Decimal("14.50"), count=1)


def test_scores_of_a_juror_in_conflict_are_left_out(jury):
    world, jurors, local, innovation = jury
    dossier = scored(world, jurors[:2], [(4, 5), (5, 7)], [local, innovation])
    assert selectors.score_summary(dossier) == ScoreSummary(average=Decimal("16.50"), count=2)

    # Declared through the service: the scorecard goes.
    services.declare_conflict(dossier, jurors[1], reason="Bénévole de l'association.")
    assert selectors.score_summary(dossier) == ScoreSummary(average=Decimal("14.50"), count=1)

    # A conflict on record next to a scorecard (an import, an old row) is ignored too.
    ConflictOfInterest.objects.create(application=dossier, juror=jurors[0])
    assert selectors.score_summary(dossier) == ScoreSummary(average=None, count=0)


def test_ranking_orders_by_average_in_one_query(jury, django_assert_num_queries):
    world, jurors, local, innovation = jury
    criteria = [local, innovation]
    middle = scored(world, jurors, [(4, 5), (5, 7), (2, 10)], criteria)  # 14.67
    best = scored(world, jurors[:1], [(5, 10)], criteria)  # 20
    worst = scored(world, jurors[:2], [(0, 0), (1, 0)], criteria)  # (0 + 3) / 2 = 1.5
    unscored = world.dossier(S.IN_JURY)
    decided = scored(world, jurors, [(5, 10)] * 3, criteria)
    perform(decided, "close_jury", world.administrator)
    perform(decided, "select", world.administrator, reason="Lauréat.")
    awaiting = scored(world, jurors[:1], [(3, 6)], criteria)  # (1.8 + 0.6) / 4 × 20 = 12
    perform(awaiting, "close_jury", world.administrator)
    world.dossier(S.SUBMITTED)  # not yet with the jury

    with django_assert_num_queries(1):
        rows = [
            (d.pk, d.average, d.scorecard_count, d.organization.name)
            for d in selectors.ranking(world.call)
        ]

    assert [pk for pk, *_ in rows] == [best.pk, middle.pk, awaiting.pk, worst.pk, unscored.pk]
    averages = {pk: average for pk, average, *_ in rows}
    assert averages[best.pk] == pytest.approx(20)
    assert averages[middle.pk] == pytest.approx(44 / 3)
    assert averages[awaiting.pk] == pytest.approx(12)
    assert averages[worst.pk] == pytest.approx(1.5)
    assert averages[unscored.pk] is None
    assert [count for _, _, count, _ in rows] == [1, 3, 1, 2, 0]
