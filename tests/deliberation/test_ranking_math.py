"""The ranking arithmetic (reviews.ranking) against examples computed by hand."""

from datetime import UTC, datetime
from decimal import Decimal

from reviews import ranking
from reviews.ranking import Card, Criterion, Row

# The grid: A weighs 3 and is marked on 5, B weighs 1 and is marked on 10.
A = Criterion(pk=1, weight=3.0, max_score=5, position=0)
B = Criterion(pk=2, weight=1.0, max_score=10, position=1)
GRID = [A, B]
DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def rows(*references):
    return [
        Row(application_id=i, reference=reference, submitted_at=DAY)
        for i, reference in enumerate(references, start=1)
    ]


def card(pk, dossier, juror, a, b):
    return Card(pk=pk, application_id=dossier, juror_id=juror, values={1: a, 2: b})


def shown(value):
    return ranking.rounded(value)


def test_hand_computed_ranking_with_normalisation_and_dispersion():
    # A juror's mark on 20 = 20 × (3 × A/5 + 1 × B/10) / (3 + 1) = 3A + B/2.
    # Juror 1 (severe): PRIX-1: A=4, B=5 → 12 + 2.5 = 14.5; PRIX-2: A=2, B=10 → 6 + 5 = 11.
    # Juror 2 (generous): PRIX-2: A=5, B=7 → 15 + 3.5 = 18.5; PRIX-3: A=5, B=10 → 20.
    cards = [
        card(1, 1, "j1", 4, 5),
        card(2, 2, "j1", 2, 10),
        card(3, 2, "j2", 5, 7),
        card(4, 3, "j2", 5, 10),
    ]
    ordered = ranking.rank(rows("PRIX-1", "PRIX-2", "PRIX-3"), cards, GRID, threshold=3.5)

    # Raw scores (mean of the marks): PRIX-1 14.5; PRIX-2 (11 + 18.5) / 2 = 14.75; PRIX-3 20.
    assert [(row.reference, shown(row.score)) for row in ordered] == [
        ("PRIX-3", Decimal("20.00")),
        ("PRIX-2", Decimal("14.75")),
        ("PRIX-1", Decimal("14.50")),
    ]
    assert [row.position for row in ordered] == [1, 2, 3]
    by_reference = {row.reference: row for row in ordered}
    # Normalisation. Every mark of the call: 14.5, 11, 18.5, 20 → mean 64 / 4 = 16;
    # deviations −1.5, −5, 2.5, 4 → variance (2.25 + 25 + 6.25 + 16) / 4 = 12.375,
    # standard deviation √12.375 = 3.5178…
    # Juror 1: mean (14.5 + 11) / 2 = 12.75, deviation 1.75 → z = +1 (PRIX-1), −1 (PRIX-2).
    # Juror 2: mean (18.5 + 20) / 2 = 19.25, deviation 0.75 → z = −1 (PRIX-2), +1 (PRIX-3).
    # Rescaled: 16 ± 3.5178 → PRIX-1 19.52, PRIX-2 12.48 (both its marks), PRIX-3 19.52:
    # the severe juror's best dossier is worth the generous juror's best.
    assert shown(by_reference["PRIX-1"].normalised) == Decimal("19.52")
    assert shown(by_reference["PRIX-2"].normalised) == Decimal("12.48")
    assert shown(by_reference["PRIX-3"].normalised) == Decimal("19.52")
    # Dispersion of PRIX-2: marks 11 and 18.5 around 14.75 → √((3.75² + 3.75²) / 2) = 3.75,
    # above the threshold 3.5: flagged. A single mark has no dispersion.
    assert shown(by_reference["PRIX-2"].dispersion) == Decimal("3.75")
    assert by_reference["PRIX-2"].disagreement is True
    assert by_reference["PRIX-1"].dispersion == 0
    assert by_reference["PRIX-1"].disagreement is False
    # Averages per criterion of PRIX-2: A (2 + 5) / 2 = 3.5; B (10 + 7) / 2 = 8.5.
    assert by_reference["PRIX-2"].criteria == {1: 3.5, 2: 8.5}
    assert [row.counted for row in ordered] == [1, 2, 1]


def test_median_instead_of_mean():
    # Marks 3A + B/2: (2, 8) → 10; (4, 0) → 12; (5, 10) → 20. Mean 42 / 3 = 14, median 12.
    cards = [card(1, 1, "j1", 2, 8), card(2, 1, "j2", 4, 0), card(3, 1, "j3", 5, 10)]
    mean = ranking.rank(rows("PRIX-1"), cards, GRID)[0]
    assert shown(mean.score) == Decimal("14.00")
    median = ranking.rank(rows("PRIX-1"), cards, GRID, method=ranking.MEDIAN)[0]
    assert shown(median.score) == Decimal("12.00")


def test_tie_break_heaviest_criterion_then_earlier_submission():
    # Three dossiers at 15 / 20: PRIX-1 (A=4, B=6 → 12 + 3), PRIX-2 (A=5, B=0 → 15 + 0),
    # PRIX-3 (A=4, B=6), submitted a day before PRIX-1.
    tied = rows("PRIX-1", "PRIX-2", "PRIX-3")
    tied[2].submitted_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    cards = [card(1, 1, "j1", 4, 6), card(2, 2, "j1", 5, 0), card(3, 3, "j1", 4, 6)]
    ordered = ranking.rank(tied, cards, GRID)

    assert {shown(row.score) for row in ordered} == {Decimal("15.00")}
    # PRIX-2 first: 5 / 5 on A, the heaviest criterion; then PRIX-3, submitted earlier.
    assert [row.reference for row in ordered] == ["PRIX-2", "PRIX-3", "PRIX-1"]


def test_the_heaviest_criterion_decides_ties_whatever_its_place_in_the_grid():
    light_first = [Criterion(pk=2, weight=1.0, max_score=10, position=0), A]
    assert ranking.first_criterion(light_first) == A
    equal = [Criterion(pk=5, weight=2.0, max_score=5, position=1), Criterion(6, 2.0, 5, 0)]
    assert ranking.first_criterion(equal).pk == 6


def test_dossiers_without_scorecard_come_last_by_reference():
    ordered = ranking.rank(rows("PRIX-2", "PRIX-1", "PRIX-3"), [card(1, 3, "j1", 1, 1)], GRID)
    assert [row.reference for row in ordered] == ["PRIX-3", "PRIX-1", "PRIX-2"]
    assert ordered[1].score is None and ordered[1].normalised is None


def test_a_juror_without_spread_is_only_shifted():
    # Juror 1 gives 10 twice, juror 2 gives 14 and 18. Call mean (10+10+14+18)/4 = 13.
    # Juror 1 has no spread: 10 − 10 + 13 = 13 for both dossiers.
    cards = [
        card(1, 1, "j1", 2, 8),  # 6 + 4 = 10
        card(2, 2, "j1", 2, 8),
        card(3, 1, "j2", 4, 4),  # 12 + 2 = 14
        card(4, 2, "j2", 5, 6),  # 15 + 3 = 18
    ]
    normalised = ranking.normalised_marks(
        {c.pk: ranking.mark(c.values, {1: A, 2: B}) for c in cards},
        {c.pk: c.juror_id for c in cards},
    )
    assert normalised[1] == normalised[2] == 13
