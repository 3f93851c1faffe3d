"""Reads of the deliberation screen of a call: the ranking beside the current selection,
the counters against the quotas (prize) or the budget envelope (AMI), the objectives
covered, and on request the suggested selection (``reviews.deliberation``)."""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language

from calls.models import Objective
from workflows.states import DossierState as S

from . import deliberation
from .models import Decision
from .ranking_selectors import Ranking, call_ranking


@dataclass
class Counters:
    highlighted: int = 0
    highlighted_quota: int = 0
    special: int = 0
    special_quota: int = 0
    covered: list = field(default_factory=list)  # objective numbers
    uncovered: list = field(default_factory=list)  # Objective rows
    objectives_total: int = 0
    granted: Decimal = Decimal("0")
    budget: Decimal | None = None

    @property
    def remaining(self):
        return None if self.budget is None else self.budget - self.granted


@dataclass
class Deliberation:
    call: object
    ranking: Ranking
    selected: list  # rows whose current decision selects them
    candidates: list  # rows awaiting decision, in ranking order
    counters: Counters
    objectives: list  # the Objective rows the selection should cover
    token: str  # changes whenever a decision of the call changes
    suggestion: deliberation.Suggestion | None = None
    suggested_rows: list = field(default_factory=list)  # (row, pick) in ranking order

    @property
    def awaiting(self) -> int:
        return len(self.candidates)


def decisions(*, call=None, current=True):
    """The decisions, with their dossier, its call and organisation, and who decided:
    the current ones (one per decided dossier; ``current=None`` for every decision,
    superseded ones included), of one call when given. The deliberation's pages and
    exports read them here, and so does the API."""
    queryset = Decision.objects.select_related(
        "application__call", "application__organization", "decided_by"
    )
    if current is not None:
        queryset = queryset.filter(is_current=current)
    if call is not None:
        queryset = queryset.filter(application__call=call)
    return queryset


def objectives_of(call) -> list:
    """The objectives a selection of the call should cover: those the call targets, or
    the 28 of the scheme when it targets none."""
    targeted = list(call.objectives.order_by("number"))
    return targeted or list(Objective.objects.order_by("number"))


def selection_token(rows) -> str:
    """A fingerprint of the call's current decisions: a page showing counters computed
    from other decisions is stale."""
    parts = sorted(
        f"{row.application_id}:{row.decision.pk}:{row.decision.outcome}:{row.decision.special_prize}"
        for row in rows
        if row.decision is not None
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def counters_for(call, selected, objectives) -> Counters:
    numbers = {objective.number for objective in objectives}
    covered = set()
    for row in selected:
        covered |= set(row.objectives) & numbers
    return Counters(
        highlighted=sum(1 for row in selected if row.decision.highlighted),
        highlighted_quota=call.highlighted_count,
        special=sum(1 for row in selected if row.decision.special_prize),
        special_quota=call.special_prize_count,
        covered=sorted(covered),
        uncovered=[objective for objective in objectives if objective.number not in covered],
        objectives_total=len(objectives),
        granted=sum((row.decision.amount or Decimal("0") for row in selected), Decimal("0")),
        budget=call.budget,
    )


def call_deliberation(call, *, suggest=False) -> Deliberation:
    """The deliberation of ``call``; with ``suggest``, the suggested selection (prize
    editions only)."""
    result = call_ranking(call)
    selected = result.derive(
        "selected",
        lambda: [
            row
            for row in result.rows
            if row.decision is not None and row.decision.outcome == Decision.Outcome.SELECTED
        ],
    )
    candidates = result.derive(
        "candidates", lambda: [row for row in result.rows if row.state == S.AWAITING_DECISION]
    )
    objectives = objectives_of(call)
    counters = counters_for(call, selected, objectives)
    state = Deliberation(
        call=call,
        ranking=result,
        selected=selected,
        candidates=candidates,
        counters=counters,
        objectives=objectives,
        token=result.derive("token", lambda: selection_token(result.rows)),
    )
    if suggest and call.is_prize:
        state.suggestion = _suggestion(result, candidates, selected, counters, objectives)
        by_id = result.by_id
        state.suggested_rows = [(by_id[pick.pk], pick) for pick in state.suggestion.picks]
    return state


def _suggestion(result, candidates, selected, counters, objectives):
    """The suggested selection, computed once per ranking, quotas and language (its
    reasons are sentences), and kept with the ranking (``Ranking.derived``)."""
    key = (
        "suggestion",
        counters.highlighted_quota - counters.highlighted,
        counters.special_quota - counters.special,
        tuple(objective.number for objective in objectives),
        get_language(),
    )
    return result.derive(
        key,
        lambda: deliberation.suggest(
            [
                deliberation.Candidate(
                    pk=row.application_id,
                    position=row.position,
                    objectives=frozenset(row.objectives),
                    is_association=row.is_association,
                )
                for row in candidates
            ],
            [
                deliberation.Candidate(
                    pk=row.application_id,
                    position=row.position,
                    objectives=frozenset(row.objectives),
                )
                for row in selected
            ],
            slots=counters.highlighted_quota - counters.highlighted,
            special_slots=counters.special_quota - counters.special,
            objectives=[objective.number for objective in objectives],
        ),
    )
