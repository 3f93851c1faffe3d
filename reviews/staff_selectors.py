"""Reads of the back-office, already filtered by the permission rules: the staff list
of dossiers (filters, search, sorting, counts per state, and the rows of its exports).
The calls a staff member manages or instructs are read by ``calls.backoffice.selectors``.

Who uses the back-office: administrators (every call and every dossier but the
drafts) and instructors (the calls they instruct and their dossiers). Anybody else
gets a 404, as for any object they may not see.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Lower

from calls.models import Application, Objective
from calls.selectors import state_counts
from workflows import rules
from workflows.states import DossierState

from .models import Opinion
from .selectors import with_scores

# The states of the dossiers the back-office lists (drafts belong to the applicant).
LISTED_STATES = [DossierState(value) for value in rules.STAFF_VISIBLE_STATES]

# Separators of the aggregated opinions of a dossier (never typed in a name).
PAIR_SEPARATOR = "\x1e"
FIELD_SEPARATOR = "\x1f"


# --------------------------------------------------------------- dossier list


@dataclass(frozen=True)
class DossierFilters:
    """What the staff list is filtered on; ``None`` or empty: no filter."""

    call_id: int | None = None
    state: str | None = None
    objective_id: int | None = None
    district: str | None = None
    organization_kind: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    search: str = ""
    sort: str = "-updated"


def _state_order():
    return Case(
        *(When(state=state, then=Value(index)) for index, state in enumerate(DossierState.values)),
        output_field=IntegerField(),
    )


# The sorts offered, by the name a page sends ("-name": descending).
SORTS = {
    "reference": lambda: "reference",
    "title": lambda: Lower("title"),
    "organisation": lambda: Lower("organization__name"),
    "state": _state_order,
    "amount": lambda: "requested_amount",
    "updated": lambda: "updated_at",
}
DEFAULT_SORT = "-updated"


def sort_choices() -> list[str]:
    return [prefix + name for name in SORTS for prefix in ("", "-")]


def staff_dossiers(user):
    """The dossiers of the back-office list: every dossier but the drafts for an
    administrator, those of the calls they instruct for an instructor (both within
    what ``workflows.rules`` lets them see); none for anybody else."""
    queryset = rules.exclude_own_organisations(
        Application.objects.filter(state__in=rules.STAFF_VISIBLE_STATES), user
    )
    if rules.is_administrator(user):
        return rules.filter_visible(queryset, user)
    if rules.is_back_office_user(user):
        return rules.filter_visible(queryset.filter(call__instructors=user), user)
    return queryset.none()


def _with_district(queryset, district):
    """Dossiers whose district list holds ``district``: a JSON containment where the
    database has one (PostgreSQL), else a match of the quoted code in the JSON text
    (the codes are lowercase words: none is part of another once quoted)."""
    if connections[queryset.db].features.supports_json_field_contains:
        return queryset.filter(districts__contains=[district])
    return queryset.filter(districts__icontains=f'"{district}"')


def filter_dossiers(queryset, filters: DossierFilters, *, by_state=True):
    """``queryset`` restricted by ``filters`` (the state filter only if ``by_state``:
    the counts per state are of the list without it)."""
    if filters.call_id:
        queryset = queryset.filter(call_id=filters.call_id)
    if filters.state and by_state:
        queryset = queryset.filter(state=filters.state)
    if filters.objective_id:
        queryset = queryset.filter(objectives__pk=filters.objective_id)
    if filters.district:
        queryset = _with_district(queryset, filters.district)
    if filters.organization_kind:
        queryset = queryset.filter(organization__kind=filters.organization_kind)
    if filters.amount_min is not None:
        queryset = queryset.filter(requested_amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        queryset = queryset.filter(requested_amount__lte=filters.amount_max)
    if filters.search:
        queryset = queryset.filter(
            Q(reference__icontains=filters.search)
            | Q(title__icontains=filters.search)
            | Q(organization__name__icontains=filters.search)
        )
    return queryset


def sort_dossiers(queryset, sort: str):
    """Sorted by one of ``SORTS`` (unknown names: the default), ties by id."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORTS:
        return sort_dossiers(queryset, DEFAULT_SORT)
    expression = SORTS[name]()
    if isinstance(expression, str):
        expression = F(expression)
    if descending:
        return queryset.order_by(expression.desc(nulls_last=True), "-pk")
    return queryset.order_by(expression.asc(nulls_last=True), "pk")


def dossier_page_rows(user, filters: DossierFilters):
    """The filtered, sorted list for the page (rows with their call, organisation
    and objectives), and the counts per state of the list without the state filter,
    in one aggregate query: ``(rows queryset, {state: count})``."""
    listed = filter_dossiers(staff_dossiers(user), filters, by_state=False)
    counts = state_counts(listed)
    if filters.state:
        listed_in_state = listed.filter(state=filters.state)
    else:
        listed_in_state = listed
    rows = sort_dossiers(listed_in_state, filters.sort)
    rows = (
        rows.select_related(
            "call",
            "organization",
            "nomination__nominated_by_organization",
            "nomination__nominated_by",
        )
        .only(
            "nomination__nominated_by_organization__name",
            "nomination__nominated_by__email",
            "nomination__nominated_by__first_name",
            "nomination__nominated_by__last_name",
            "reference",
            "title",
            "state",
            "requested_amount",
            "districts",
            "updated_at",
            "call__title",
            "organization__name",
            "organization__kind",
        )
        .prefetch_related(Prefetch("objectives", queryset=Objective.objects.only("number")))
    )
    return rows, counts


# -------------------------------------------------------------------- exports


def _objective_numbers():
    through = Application.objectives.through
    numbers = (
        through.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(
            numbers=StringAgg(Cast("objective__number", CharField()), Value(",")),
        )
        .values("numbers")
    )
    return Subquery(numbers, output_field=CharField())


def _opinions():
    opinions = (
        Opinion.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(
            pairs=StringAgg(
                Concat("body__name", Value(FIELD_SEPARATOR), "verdict", output_field=CharField()),
                Value(PAIR_SEPARATOR),
            )
        )
        .values("pairs")
    )
    return Subquery(opinions, output_field=CharField())


EXPORT_VALUES = (
    "reference",
    "call__title",
    "organization__name",
    "organization__kind",
    "title",
    "state",
    "objective_numbers",
    "districts",
    "requested_amount",
    "total_budget",
    "submitted_at",
    "opinion_pairs",
    "average",
    "scorecard_count",
    "decision__outcome",
    "decision__amount",
    "decision__needs_convention",
    "decision__highlighted",
    "decision__special_prize",
)


def export_rows(user, filters: DossierFilters):
    """The rows of the filtered, sorted list for an export: tuples of
    ``EXPORT_VALUES``, in one query whatever the number of dossiers (objectives,
    opinions, score summary and current decision are subqueries and one join)."""
    queryset = sort_dossiers(filter_dossiers(staff_dossiers(user), filters), filters.sort)
    queryset = with_scores(
        queryset.annotate(
            objective_numbers=_objective_numbers(),
            opinion_pairs=_opinions(),
            decision=FilteredRelation("decisions", condition=Q(decisions__is_current=True)),
        )
    )
    return queryset.values_list(*EXPORT_VALUES)


def split_opinions(pairs: str | None) -> list[tuple[str, str]]:
    """[(body name, verdict)] of an aggregated ``opinion_pairs``, by body name."""
    if not pairs:
        return []
    split = (pair.split(FIELD_SEPARATOR, 1) for pair in pairs.split(PAIR_SEPARATOR))
    return sorted((name, verdict) for name, verdict in split)


def split_numbers(numbers: str | None) -> list[int]:
    return sorted(int(n) for n in numbers.split(",")) if numbers else []
