"""The ranking of a call's dossiers from the jury's counted scorecards: pure arithmetic,
no database (``reviews.ranking_selectors`` reads the scores and calls these functions).

* **A juror's mark** of a dossier is on 20: each score is divided by its criterion's
  maximum and weighted by the criterion's weight,
  ``20 × Σ weight × score / max ÷ Σ weight`` (the same formula as
  ``reviews.selectors``).
* **The dossier's score** is the mean of its jurors' marks, or their median when the
  call says so (``Call.score_aggregate``).
* **The normalised score** corrects the jurors' severity when they scored different
  dossiers: each juror's marks become z-scores (``(mark − the juror's mean) ÷ the
  juror's standard deviation``), rescaled to the grid with the mean and standard
  deviation of every mark of the call (``call mean + z × call deviation``, kept between
  0 and 20); a juror with a single mark, or the same mark everywhere, has no deviation:
  their marks are only shifted by the difference between their mean and the call's.
  The dossier's normalised score is the mean (or median) of its normalised marks.
* **The dispersion** is the standard deviation (population) of the dossier's marks; a
  dispersion at or above the call's threshold (``Call.disagreement_threshold``) flags
  a strong disagreement between the jurors.
* **The order**: the best score first (scores compared as shown, to the hundredth);
  ties are broken by the higher average on the first criterion (the heaviest of the
  grid, the first of the grid among equal weights), then by the earlier submission of
  the dossier, then by reference. Dossiers without any counted scorecard come last.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from math import sqrt
from statistics import fmean, median

SCALE = 20.0
MEAN = "mean"
MEDIAN = "median"


@dataclass(frozen=True)
class Criterion:
    pk: int
    weight: float
    max_score: int
    position: int = 0


@dataclass(frozen=True)
class Card:
    """One counted scorecard: who scored which dossier, and the values per criterion."""

    pk: int
    application_id: int
    juror_id: int
    values: dict  # criterion pk -> value


@dataclass
class Row:
    """One dossier of the ranking."""

    application_id: int
    reference: str
    submitted_at: datetime | None
    expected: int = 0
    marks: list = field(default_factory=list)  # (card, mark on 20, normalised mark)
    score: float | None = None
    normalised: float | None = None
    dispersion: float | None = None
    disagreement: bool = False
    criteria: dict = field(default_factory=dict)  # criterion pk -> mean value
    position: int = 0

    @property
    def counted(self) -> int:
        return len(self.marks)


def rounded(value, places="0.01") -> Decimal | None:
    """A float as shown on the page (half up, to the hundredth by default)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def mark(values: dict, criteria: dict) -> float | None:
    """A juror's mark on 20 from their values per criterion (criteria by pk)."""
    weighted = weights = 0.0
    for pk, value in values.items():
        criterion = criteria.get(pk)
        if criterion is None or criterion.max_score <= 0:
            continue
        weighted += criterion.weight * value / criterion.max_score
        weights += criterion.weight
    if weights <= 0:
        return None
    return SCALE * weighted / weights


def pstdev(values) -> float:
    """Population standard deviation, in floats (``statistics.pstdev`` computes with
    exact fractions: correct, and a hundred times slower)."""
    values = list(values)
    mean = sum(values) / len(values)
    return sqrt(sum((value - mean) ** 2 for value in values) / len(values))


def aggregate(values, method=MEAN) -> float | None:
    values = list(values)
    if not values:
        return None
    return median(values) if method == MEDIAN else fmean(values)


def normalised_marks(marks: dict, jurors: dict) -> dict:
    """``marks``: card pk -> mark; ``jurors``: card pk -> juror id. Returns card pk ->
    normalised mark (see the module's docstring)."""
    if not marks:
        return {}
    every = list(marks.values())
    call_mean, call_deviation = fmean(every), pstdev(every)
    by_juror = {}
    for pk, value in marks.items():
        by_juror.setdefault(jurors[pk], []).append(value)
    stats = {juror: (fmean(values), pstdev(values)) for juror, values in by_juror.items()}
    result = {}
    for pk, value in marks.items():
        juror_mean, juror_deviation = stats[jurors[pk]]
        if juror_deviation > 0:
            value = call_mean + call_deviation * (value - juror_mean) / juror_deviation
        else:
            value = value - juror_mean + call_mean
        result[pk] = min(SCALE, max(0.0, value))
    return result


def first_criterion(criteria) -> Criterion | None:
    """The criterion of the tie-break: the heaviest, the first of the grid among equals."""
    criteria = sorted(criteria, key=lambda c: (-c.weight, c.position, c.pk))
    return criteria[0] if criteria else None


def rank(rows, cards, criteria, *, method=MEAN, threshold=None) -> list[Row]:
    """Fill in the score, normalised score, dispersion, criteria averages and position
    of each row from the counted ``cards``; return the rows in ranking order."""
    criteria = {c.pk: c for c in criteria}
    by_id = {row.application_id: row for row in rows}
    marks, jurors = {}, {}
    for card in cards:
        value = mark(card.values, criteria)
        if value is None or card.application_id not in by_id:
            continue
        marks[card.pk], jurors[card.pk] = value, card.juror_id
    normalised = normalised_marks(marks, jurors)
    for card in cards:
        if card.pk in marks:
            by_id[card.application_id].marks.append((card, marks[card.pk], normalised[card.pk]))
    threshold = float(threshold) if threshold is not None else None
    for row in rows:
        if not row.marks:
            continue
        row.marks.sort(key=lambda item: item[0].pk)
        row.score = aggregate((m for _c, m, _n in row.marks), method)
        row.normalised = aggregate((n for _c, _m, n in row.marks), method)
        row.dispersion = pstdev([m for _c, m, _n in row.marks])
        row.disagreement = threshold is not None and rounded(row.dispersion) >= rounded(threshold)
        values = {}
        for card, _m, _n in row.marks:
            for pk, value in card.values.items():
                values.setdefault(pk, []).append(value)
        row.criteria = {pk: fmean(found) for pk, found in values.items()}
    tie = first_criterion(criteria.values())
    ordered = sorted(rows, key=lambda row: sort_key(row, tie))
    for position, row in enumerate(ordered, start=1):
        row.position = position
    return ordered


def sort_key(row: Row, tie: Criterion | None):
    """Best score first; ties: higher first criterion, earlier submission, reference."""
    if row.score is None:
        return (1, 0, 0, datetime.max.isoformat(), row.reference)
    first = row.criteria.get(tie.pk) if tie else None
    first = rounded(first / tie.max_score, "0.0001") if first is not None else Decimal(-1)
    submitted = row.submitted_at.isoformat() if row.submitted_at else datetime.max.isoformat()
    return (0, -rounded(row.score), -first, submitted, row.reference)
