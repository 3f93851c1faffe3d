"""Reads of the jury's work: score summaries and rankings, computed by the database.

The average of a dossier is on 20: each submitted score is normalised by its
criterion's maximum and weighted by the criterion's weight,

    average = 20 × Σ weight × score / max_score  ÷  Σ weight

over every score of the submitted scorecards of the dossier, leaving out jurors who
declared a conflict of interest on it. When every scorecard covers the whole grid,
this is the mean of the jurors' weighted marks on 20. Draft scorecards never count.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from calls.models import Application
from workflows.states import DossierState as S

from .models import ConflictOfInterest, Score, Scorecard

RANKED_STATES = [S.IN_JURY, S.AWAITING_DECISION]
SCALE = 20


@dataclass(frozen=True)
class ScoreSummary:
    average: Decimal | None  # on 20, two decimals; None when no scorecard was submitted
    count: int  # submitted scorecards that count


def _counted_scorecards(application_ref):
    conflict = ConflictOfInterest.objects.filter(
        application=OuterRef("application"), juror=OuterRef("juror")
    )
    return Scorecard.objects.filter(
        application=application_ref, submitted_at__isnull=False, excluded_at__isnull=True
    ).exclude(Exists(conflict))


def _average_subquery():
    conflict = ConflictOfInterest.objects.filter(
        application=OuterRef("scorecard__application"), juror=OuterRef("scorecard__juror")
    )
    scores = (
        Score.objects.filter(
            scorecard__application=OuterRef("pk"),
            scorecard__submitted_at__isnull=False,
            scorecard__excluded_at__isnull=True,
            criterion__max_score__gt=0,
        )
        .exclude(Exists(conflict))
        .order_by()
        .values("scorecard__application")
        .annotate(
            average=Cast(
                Sum(
                    Cast("criterion__weight", FloatField())
                    * Cast("value", FloatField())
                    / Cast("criterion__max_score", FloatField())
                )
                * Value(float(SCALE))
                / NullIf(Sum(Cast("criterion__weight", FloatField())), Value(0.0)),
                FloatField(),
            )
        )
        .values("average")
    )
    return Subquery(scores, output_field=FloatField())


def _count_subquery():
    cards = (
        _counted_scorecards(OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(cards, output_field=IntegerField()), Value(0))


def with_scores(queryset):
    """Annotate an Application queryset with ``average`` (float on 20, or None) and
    ``scorecard_count`` (submitted scorecards that count), one query in all."""
    return queryset.annotate(average=_average_subquery(), scorecard_count=_count_subquery())


def _rounded(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_summary(dossier) -> ScoreSummary:
    """The weighted average on 20 and the number of scorecards that count."""
    row = (
        with_scores(Application.objects.filter(pk=dossier.pk))
        .values("average", "scorecard_count")
        .first()
    )
    if row is None:
        return ScoreSummary(average=None, count=0)
    return ScoreSummary(average=_rounded(row["average"]), count=row["scorecard_count"])


def ranking(call):
    """The dossiers of ``call`` with the jury or awaiting decision, best average first
    (dossiers without a submitted scorecard last), annotated with ``average`` and
    ``scorecard_count``. For administrators: callers check the permission."""
    return with_scores(
        Application.objects.filter(call=call, state__in=RANKED_STATES).select_related(
            "organization"
        )
    ).order_by(F("average").desc(nulls_last=True), "reference")
