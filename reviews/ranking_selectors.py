"""Reads of the ranking of a call (see ``reviews.ranking`` for the arithmetic).

``call_ranking`` reads the whole call in a fixed number of queries, whatever its size:
the dossiers that reached the jury, their objectives, the juror assignments, the scoring
grid and the values of the counted scorecards (``Scorecard.objects.counted()``: submitted
and not excluded). Filters, sort and pages are applied to the ranked rows in memory, so
that a dossier keeps its rank whatever the filters.

A page shows 250 rows of a call that may have thousands: reading and ranking the whole
call on every request would make the page grow with the call. So each process keeps
the last rankings it computed (``MEMO_SIZE`` calls, ``MEMO_SECONDS`` at most), under a
fingerprint of what a ranking is made of, read in six aggregate queries: the call's
dossiers (count, sum of their versions, which every transition increments, last
change), their current decisions, juror assignments and conflicts, the counted
scorecards, the grid and the call's settings. Any change to one of them gives another
fingerprint, so the next page ranks the call again; what the fingerprint does not see
(an organisation renamed) shows after ``MEMO_SECONDS``. The ranked rows are shared
between requests and never changed by a page: ``with_display`` returns copies.
"""

import copy
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from accounts.models import Organization
from calls.models import Application, Call, ScoringCriterion
from workflows.states import DossierState as S

from . import ranking
from .models import ConflictOfInterest, Decision, JurorAssignment, Score, Scorecard

# Dossiers ranked: with the jury, awaiting decision, decided (notified or not).
RANKED_STATES = [S.IN_JURY, S.AWAITING_DECISION, S.SELECTED, S.NOT_SELECTED]
PAGE_SIZES = (50, 100, 250)
SORTS = ("rank", "normalised", "dispersion", "reference")
SCORES_CACHE_SECONDS = 3600
MEMO_SECONDS = 60
MEMO_SIZE = 8


@dataclass
class RankedDossier(ranking.Row):
    """A row of the ranking with what the pages show of the dossier."""

    title: str = ""
    state: str = ""
    organization_name: str = ""
    organization_kind: str = ""
    is_association: bool = False
    districts: list = field(default_factory=list)
    objectives: list = field(default_factory=list)  # objective numbers
    requested_amount: object = None
    version: int = 0
    decision: object = None  # the current Decision, if any
    criteria_values: list = field(default_factory=list)  # averages in grid order

    @property
    def state_label(self) -> str:
        return S(self.state).label

    @property
    def normalised_mark_by_card(self) -> dict:
        return {card.pk: normalised for card, _mark, normalised in self.marks}


@dataclass
class Ranking:
    call: Call
    criteria: list  # ScoringCriterion, in grid order
    tie_criterion: object  # the ScoringCriterion of the tie-break, or None
    method: str
    threshold: object
    rows: list  # RankedDossier, in ranking order
    # What pages derive from the whole ranking (the suggested selection), kept with it.
    derived: dict = field(default_factory=dict)

    def derive(self, key, compute):
        """``compute()``, computed once per ranking (the ranking is shared by pages)."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]

    @property
    def by_id(self) -> dict:
        return self.derive("by_id", lambda: {row.application_id: row for row in self.rows})


def _ranked_dossiers(call):
    notified_with_decision = Q(state=S.NOTIFIED) & Exists(
        Decision.objects.filter(application=OuterRef("pk"), is_current=True)
    )
    return Application.objects.filter(call=call).filter(
        Q(state__in=RANKED_STATES) | notified_with_decision
    )


def _fetch(queryset) -> list:
    """The rows of a ``values_list`` queryset of plain columns, fetched at once (the
    ranking reads tens of thousands of scores: Django's row-by-row iteration would
    cost more than the query)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _scores_key(call, rows, grid, dossiers) -> str:
    """The cache key of the scores of a call: it changes with any scorecard (submitted,
    excluded, rescored), the grid, the call's settings or the dossiers ranked."""
    figures = Scorecard.objects.filter(application__in=dossiers).aggregate(
        count=Count("pk"),
        counted=Count("pk", filter=Q(submitted_at__isnull=False, excluded_at__isnull=True)),
        updated=Max("updated_at"),
        excluded=Max("excluded_at"),
    )
    parts = (
        call.pk,
        call.score_aggregate,
        str(call.disagreement_threshold),
        tuple(grid),
        tuple(sorted((k, str(v)) for k, v in figures.items())),
        len(rows),
        sum(rows),
    )
    return "ranking:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _apply_scores(call, rows, grid, dossiers) -> list:
    """Fill in the figures of each row and return the rows in ranking order. The scores
    part (marks, normalisation, order of the scored dossiers) is kept in the cache
    under a key that changes with any scorecard: reading the tens of thousands of
    scores of a large call again is only needed when they changed."""
    key = _scores_key(call, rows, grid, dossiers)
    scored = cache.get(key)
    if scored is None:
        counted = Scorecard.objects.counted().filter(application__in=dossiers)
        cards = {
            card_pk: ranking.Card(card_pk, application_id, juror_id, {})
            for card_pk, application_id, juror_id in _fetch(
                counted.values_list("pk", "application_id", "juror_id").order_by()
            )
        }
        for card_pk, criterion_id, value in _fetch(
            Score.objects.filter(scorecard__in=counted)
            .values_list("scorecard_id", "criterion_id", "value")
            .order_by()
        ):
            cards[card_pk].values[criterion_id] = value
        bare = [
            ranking.Row(row.application_id, row.reference, row.submitted_at)
            for row in rows.values()
        ]
        ordered = ranking.rank(
            bare,
            cards.values(),
            grid,
            method=call.score_aggregate,
            threshold=call.disagreement_threshold,
        )
        scored = [
            (
                r.application_id,
                r.marks,
                r.score,
                r.normalised,
                r.dispersion,
                r.disagreement,
                r.criteria,
            )
            for r in ordered
            if r.marks
        ]
        cache.set(key, scored, SCORES_CACHE_SECONDS)
    ordered = []
    for pk, marks, score, normalised, dispersion, disagreement, criteria in scored:
        row = rows.get(pk)
        if row is None:
            continue
        row.marks, row.score, row.normalised = marks, score, normalised
        row.dispersion, row.disagreement, row.criteria = dispersion, disagreement, criteria
        ordered.append(row)
    done = {row.application_id for row in ordered}
    ordered += sorted(
        (row for pk, row in rows.items() if pk not in done), key=lambda r: r.reference
    )
    for position, row in enumerate(ordered, start=1):
        row.position = position
    return ordered


_memo: OrderedDict = OrderedDict()  # fingerprint -> (time computed, Ranking)
_memo_lock = threading.Lock()


def forget_rankings() -> None:
    """Drop the rankings this process keeps (tests start from an empty cache)."""
    with _memo_lock:
        _memo.clear()


def _figures(queryset, **aggregates) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in queryset.aggregate(**aggregates).items()))


def _fingerprint(call) -> tuple:
    """What the ranking of ``call`` is made of, in six aggregate queries whatever the
    size of the call (the jury's rows of every dossier of the call: a superset of what
    the ranking reads, cheaper to aggregate)."""
    return (
        call.pk,
        call.score_aggregate,
        str(call.disagreement_threshold),
        tuple(
            ScoringCriterion.objects.filter(call=call)
            .order_by("position", "pk")
            .values_list("pk", "weight", "max_score", "position", "label")
        ),
        _figures(
            Application.objects.filter(call=call),
            count=Count("pk"),
            last=Max("pk"),
            versions=Sum("version"),
            updated=Max("updated_at"),
        ),
        _figures(
            Decision.objects.filter(application__call=call, is_current=True),
            count=Count("pk"),
            last=Max("pk"),
        ),
        _figures(
            JurorAssignment.objects.filter(application__call=call),
            count=Count("pk"),
            last=Max("pk"),
        ),
        _figures(
            ConflictOfInterest.objects.filter(application__call=call),
            count=Count("pk"),
            last=Max("pk"),
        ),
        _figures(
            Scorecard.objects.filter(application__call=call),
            count=Count("pk"),
            counted=Count("pk", filter=Q(submitted_at__isnull=False, excluded_at__isnull=True)),
            updated=Max("updated_at"),
            excluded=Max("excluded_at"),
        ),
    )


def call_ranking(call) -> Ranking:
    """Every ranked dossier of ``call`` in ranking order: six aggregate queries when
    this process ranked the call as it stands in the last ``MEMO_SECONDS``, the
    ranking of the whole call otherwise. The rows are shared: do not change them."""
    key = _fingerprint(call)
    now = time.monotonic()
    with _memo_lock:
        kept = _memo.get(key)
        if kept is not None and now - kept[0] < MEMO_SECONDS:
            _memo.move_to_end(key)
            return kept[1]
    result = _rank_call(call)
    with _memo_lock:
        _memo[key] = (now, result)
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return result


def _rank_call(call) -> Ranking:
    """The ranking of the whole call, read in eight queries (ten when the scores are
    not in the cache)."""
    dossiers = _ranked_dossiers(call)
    rows = {}
    for values in dossiers.values_list(
        "pk",
        "reference",
        "submitted_at",
        "title",
        "state",
        "organization__name",
        "organization__kind",
        "districts",
        "requested_amount",
        "version",
    ).order_by():
        (
            pk,
            reference,
            submitted_at,
            title,
            state,
            org_name,
            org_kind,
            districts,
            requested,
            version,
        ) = values
        rows[pk] = RankedDossier(
            application_id=pk,
            reference=reference,
            submitted_at=submitted_at,
            title=title,
            state=state,
            organization_name=org_name,
            organization_kind=org_kind,
            is_association=org_kind == Organization.Kind.ASSOCIATION,
            districts=list(districts or ()),
            requested_amount=requested,
            version=version,
        )
    through = Application.objectives.through
    for application_id, number in (
        through.objects.filter(application__in=dossiers)
        .values_list("application_id", "objective__number")
        .order_by("objective__number")
    ):
        rows[application_id].objectives.append(number)
    for decision in Decision.objects.filter(application__in=dossiers, is_current=True):
        rows[decision.application_id].decision = decision
    conflict = ConflictOfInterest.objects.filter(
        application=OuterRef("application"), juror=OuterRef("juror")
    )
    for application_id, count in (
        JurorAssignment.objects.filter(application__in=dossiers)
        .exclude(Exists(conflict))
        .values("application_id")
        .annotate(n=Count("pk"))
        .values_list("application_id", "n")
        .order_by()
    ):
        rows[application_id].expected = count
    criteria = list(ScoringCriterion.objects.filter(call=call).order_by("position", "pk"))
    grid = [ranking.Criterion(c.pk, float(c.weight), c.max_score, c.position) for c in criteria]
    ordered = _apply_scores(call, rows, grid, dossiers)
    for row in ordered:
        row.criteria_values = [row.criteria.get(c.pk) for c in criteria]
    tie = ranking.first_criterion(grid)
    return Ranking(
        call=call,
        criteria=criteria,
        tie_criterion=next((c for c in criteria if tie and c.pk == tie.pk), None),
        method=call.score_aggregate,
        threshold=call.disagreement_threshold,
        rows=ordered,
    )


@dataclass(frozen=True)
class RankingFilters:
    objective: int | None = None  # objective number
    district: str | None = None
    kind: str | None = None
    disagreement: bool = False
    sort: str = "rank"


def with_display(rows) -> list:
    """Give each row its figures as the page shows them (to the hundredth, with the
    decimal separator of the current language): ``shown_score``, ``shown_normalised``,
    ``shown_dispersion``, ``shown_criteria``, on copies of the rows (returned). Cheaper
    than a template filter per cell."""
    separator = get_format("DECIMAL_SEPARATOR")
    states = {state.value: str(state.label) for state in S}

    def shown(value):
        return "" if value is None else str(ranking.rounded(value)).replace(".", separator)

    rows = [copy.copy(row) for row in rows]  # the ranked rows are shared between pages
    for row in rows:
        row.shown_score = shown(row.score)
        row.shown_normalised = shown(row.normalised)
        row.shown_dispersion = shown(row.dispersion)
        row.shown_criteria = [shown(value) for value in row.criteria_values]
        row.shown_state = states.get(row.state, row.state)
    return rows


def filtered(rows, filters: RankingFilters) -> list:
    """The rows matching the filters, in the chosen order (the rank stays the one of
    the whole call)."""
    result = [
        row
        for row in rows
        if (filters.objective is None or filters.objective in row.objectives)
        and (filters.district is None or filters.district in row.districts)
        and (filters.kind is None or row.organization_kind == filters.kind)
        and (not filters.disagreement or row.disagreement)
    ]
    if filters.sort == "normalised":
        result.sort(key=lambda row: (row.normalised is None, -(row.normalised or 0), row.position))
    elif filters.sort == "dispersion":
        result.sort(key=lambda row: (row.dispersion is None, -(row.dispersion or 0), row.position))
    elif filters.sort == "reference":
        result.sort(key=lambda row: row.reference)
    return result


@dataclass(frozen=True)
class JurorCard:
    """One juror's scorecard as the ranking's detail shows it."""

    label: str  # the juror's name, or "Juror 2" for who may not see names
    is_viewer: bool
    mark: float
    normalised: float
    values: list  # (criterion, value or None), in grid order
    comment: str
    submitted_at: object


def row_detail(ranking_: Ranking, dossier_id: int, viewer, *, names_visible: bool):
    """The row of a dossier and its jurors' scorecards; ``None`` when it is not ranked.
    Jurors are named only when ``names_visible``; otherwise numbered, the viewer's own
    scorecard being marked as theirs."""
    row = ranking_.by_id.get(dossier_id)
    if row is None:
        return None, []
    card_ids = [card.pk for card, _mark, _normalised in row.marks]
    scorecards = {
        scorecard.pk: scorecard
        for scorecard in Scorecard.objects.filter(pk__in=card_ids).select_related("juror")
    }
    result = []
    for number, (card, mark, normalised) in enumerate(row.marks, start=1):
        scorecard = scorecards[card.pk]
        is_viewer = scorecard.juror_id == getattr(viewer, "pk", None)
        if names_visible:
            label = scorecard.juror.get_full_name() or scorecard.juror.email
        elif is_viewer:
            label = _("Your scorecard")
        else:
            label = _("Juror %(number)s") % {"number": number}
        result.append(
            JurorCard(
                label=label,
                is_viewer=is_viewer,
                mark=mark,
                normalised=normalised,
                values=[(c, card.values.get(c.pk)) for c in ranking_.criteria],
                comment=scorecard.comment,
                submitted_at=scorecard.submitted_at,
            )
        )
    return row, result
