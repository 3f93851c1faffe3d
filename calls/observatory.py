"""Reads of the observatory of the scheme (objective 21): what the calls cover, per
call and year, by objective, by district, by organisation kind and by channel.

Each figure counts dossiers submitted (every state after the draft), eligible
(examined on their merits: declared eligible, whatever came next), selected (a current
decision selecting them), the amounts requested (by the submitted dossiers) and granted
(by the current decisions selecting them) and the people reached (declared by the
selected dossiers). A dossier counts in each of its objectives and districts.

The aggregation runs in SQL, in a constant number of queries whatever the number of
dossiers, each one pass over the dossiers: by objective (a dossier counts in each of its
objectives); by list of districts (a JSON list: few distinct values, each group added to
each of its districts); and by organisation kind and channel together (at most 16
groups, added up in Python into the total, the kinds and the channels).

The public figures (``public_observatory``) count notified decisions only, and hide
the small cells that could identify a refused applicant (``SMALL_CELL``)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, FilteredRelation, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Organization
from reviews.models import Decision
from workflows import rules
from workflows.states import DossierState as S

from .models import Application, Call, District, Objective

# Counts under this (and above zero) are shown as "< 5" on the public figures; the
# amount requested with them is hidden too, shown as "masked" (a word, not a number: "< 5"
# next to amounts in euros would read as "less than 5 euros").
SMALL_CELL = 5

EXAMINED_STATES = [
    S.ELIGIBLE,
    S.IN_CONSULTATION,
    S.IN_JURY,
    S.AWAITING_DECISION,
    S.SELECTED,
    S.NOT_SELECTED,
]
ELIGIBLE = Q(state__in=EXAMINED_STATES) | Q(state=S.NOTIFIED, current__isnull=False)
SELECTED = Q(current__outcome=Decision.Outcome.SELECTED)


@dataclass
class Figures:
    submitted: int | None = 0
    eligible: int | None = 0
    selected: int = 0
    requested: Decimal | None = Decimal(0)
    granted: Decimal = Decimal(0)
    people: int = 0

    def add(self, row: dict) -> None:
        self.submitted += row["submitted"]
        self.eligible += row["eligible"]
        self.selected += row["selected"]
        self.requested += row["requested"] or 0
        self.granted += row["granted"] or 0
        self.people += row["people"] or 0

    @property
    def covered(self) -> bool:
        return self.submitted is None or self.submitted > 0

    def masked(self) -> "Figures":
        """These figures with the small counts of refused or submitted dossiers hidden
        (``None``, shown as "< 5"); the selected ones are public (the laureates)."""

        def small(n):
            return n is not None and 0 < n < SMALL_CELL

        return Figures(
            submitted=None if small(self.submitted) else self.submitted,
            eligible=None if small(self.eligible) else self.eligible,
            selected=self.selected,
            requested=None if small(self.submitted) else self.requested,
            granted=self.granted,
            people=self.people,
        )


@dataclass
class Row:
    key: str
    label: str
    figures: Figures = field(default_factory=Figures)
    objective: Objective | None = None


@dataclass
class Observatory:
    calls: list
    total: Figures
    objectives: list[Row]
    districts: list[Row]
    kinds: list[Row]
    channels: list[Row]
    public: bool = False

    @property
    def total_rows(self) -> list[Row]:
        """The total as the one row of its table."""
        return [Row("", gettext("All dossiers"), self.total)]

    @property
    def uncovered_objectives(self) -> list[Row]:
        return [row for row in self.objectives if not row.figures.covered]

    @property
    def uncovered_districts(self) -> list[Row]:
        return [row for row in self.districts if not row.figures.covered]


def reference_year(call) -> int:
    return call.year or timezone.localtime(call.opens_at).year


def staff_calls(user) -> list:
    """The calls whose figures a staff member reads: all (administrators) or those they
    instruct (instructors); none for anybody else. One query."""
    if rules.is_administrator(user):
        calls = Call.objects.all()
    elif rules.is_back_office_user(user):
        calls = Call.objects.filter(instructors=user)
    else:
        return []
    return list(calls.order_by("-opens_at", "-pk"))


def public_calls() -> list:
    return list(Call.objects.filter(is_published=True).order_by("-opens_at", "-pk"))


def in_scope(calls, *, call=None, year=None, kind=None) -> list:
    return [
        c
        for c in calls
        if (call is None or c.pk == call)
        and (year is None or reference_year(c) == year)
        and (kind is None or c.kind == kind)
    ]


AGGREGATES = {
    "submitted": Count("pk"),
    "eligible": Count("pk", filter=ELIGIBLE),
    "selected": Count("pk", filter=SELECTED),
    "requested": Sum("requested_amount"),
    "granted": Sum("current__amount", filter=SELECTED),
    "people": Sum("people_count", filter=SELECTED),
}


def _grouped(queryset, *keys) -> list[dict]:
    return list(queryset.values(*keys).annotate(**AGGREGATES).order_by(*keys))


def observatory(calls, dossiers, *, public=False) -> Observatory:
    """The figures of ``dossiers`` (an Application queryset) on ``calls``: three grouped
    queries plus one for the objectives."""
    queryset = (
        dossiers.filter(call__in=[c.pk for c in calls])
        .annotate(current=FilteredRelation("decisions", condition=Q(decisions__is_current=True)))
        .order_by()
    )
    objectives = list(Objective.objects.select_related("orientation__axis").order_by("number"))
    objective_rows = {o.pk: Row(str(o.number), str(o), objective=o) for o in objectives}
    for row in _grouped(queryset, "objectives"):
        if row["objectives"] in objective_rows:
            objective_rows[row["objectives"]].figures.add(row)
    district_rows = {code: Row(code, label) for code, label in District.choices}
    kind_rows = {code: Row(code, label) for code, label in Organization.Kind.choices}
    channel_rows = {code: Row(code, label) for code, label in Application.Channel.choices}
    for row in _grouped(queryset, "districts"):
        for code in set(row["districts"] or ()):
            if code in district_rows:
                district_rows[code].figures.add(row)
    total = Figures()
    for row in _grouped(queryset, "organization__kind", "channel"):
        total.add(row)
        kind_rows[row["organization__kind"]].figures.add(row)
        channel_rows[row["channel"]].figures.add(row)
    result = Observatory(
        calls=calls,
        total=total,
        objectives=list(objective_rows.values()),
        districts=list(district_rows.values()),
        kinds=list(kind_rows.values()),
        channels=list(channel_rows.values()),
        public=public,
    )
    if public:
        result.total = total.masked()
        for rows in (result.objectives, result.districts, result.kinds, result.channels):
            for row in rows:
                row.figures = row.figures.masked()
    return result


def staff_observatory(user, **filters) -> Observatory:
    """The staff's figures: the dossiers they may see on the calls they read (drafts
    never; the dossiers of their own organisations left out)."""
    calls = in_scope(staff_calls(user), **filters)
    dossiers = rules.exclude_own_organisations(
        Application.objects.filter(state__in=rules.STAFF_VISIBLE_STATES), user
    )
    return observatory(calls, dossiers)


def public_observatory(**filters) -> Observatory:
    """The public figures: notified decisions on published calls, small cells hidden."""
    calls = in_scope(public_calls(), **filters)
    return observatory(calls, Application.objects.filter(state=S.NOTIFIED), public=True)


# ------------------------------------------------------------------ filters and open data

LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
MASKED = f"< {SMALL_CELL}"  # a hidden count, in the open data and on the page
MASKED_AMOUNT = "masked"  # a hidden amount or number of people, in the open data
# The figures that count dossiers; the others are amounts (EUR) or people.
COUNT_NAMES = ("submitted", "eligible", "selected")
# The columns of the CSV download (the README documents them).
CSV_HEADER = (
    "breakdown",
    "key",
    "label",
    "submitted",
    "eligible",
    "selected",
    "requested_eur",
    "granted_eur",
    "people",
    "covered",
)
FIGURE_NAMES = ("submitted", "eligible", "selected", "requested", "granted", "people")


def parse_filters(params) -> tuple[dict, list[str]]:
    """The filters ``call``, ``year`` and ``kind`` of a query string, and the names of
    those whose value means nothing (they fall back to their default: everything)."""
    filters, ignored = {}, []
    for name in ("call", "year"):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if raw.isdigit() and len(raw) < 10:
            filters[name] = int(raw)
        else:
            ignored.append(name)
    kind = params.get("kind")
    if kind:
        if kind in Call.Kind.values:
            filters["kind"] = kind
        else:
            ignored.append("kind")
    return filters, ignored


def open_value(name, value):
    """A figure as published: counts and people as ints, amounts as "1234.50"; a hidden
    count "< 5", a hidden amount (or number of people) "masked"."""
    if value is None:
        return MASKED if name in COUNT_NAMES else MASKED_AMOUNT
    return value if isinstance(value, int) else f"{value:.2f}"


def _open_figures(figures) -> dict:
    return {name: open_value(name, getattr(figures, name)) for name in FIGURE_NAMES} | {
        "covered": figures.covered
    }


def _open_rows(rows) -> list[dict]:
    return [{"key": row.key, "label": str(row.label), **_open_figures(row.figures)} for row in rows]


BREAKDOWNS = (
    ("objectives", "objectives"),
    ("districts", "districts"),
    ("organisation_kinds", "kinds"),
    ("channels", "channels"),
)


def open_data(result: Observatory, filters: dict, ignored: list[str]) -> dict:
    """The public figures as the JSON of the API and of the download."""
    return {
        "licence": LICENCE,
        "small_cell_threshold": SMALL_CELL,
        "masked_values": {"count": MASKED, "amount": MASKED_AMOUNT},
        "filters": filters,
        "ignored_filters": ignored,
        "calls": [{"id": c.pk, "title": c.title} for c in result.calls],
        "total": _open_figures(result.total),
        **{key: _open_rows(getattr(result, attr)) for key, attr in BREAKDOWNS},
    }


def open_rows(result: Observatory):
    """The rows of the CSV download: breakdown, key, label, the six figures, covered."""
    yield ("total", "", "", *(_cell(result.total, n) for n in FIGURE_NAMES), "1")
    for key, attr in BREAKDOWNS:
        for row in getattr(result, attr):
            figures = row.figures
            yield (
                key,
                row.key,
                str(row.label),
                *(_cell(figures, n) for n in FIGURE_NAMES),
                "1" if figures.covered else "0",
            )


def _cell(figures, name):
    value = getattr(figures, name)
    if value is None:
        return MASKED if name in COUNT_NAMES else MASKED_AMOUNT
    return value


# The chart is drawn 360 user units wide: about one unit a pixel on a phone (390 px), so
# that its 14-unit texts stay legible there; the page caps its width on a wide screen.
CHART_VIEW = 360  # user units of the width of the chart by district
CHART_WIDTH = 240  # of its widest bar (its figure written after it)
CHART_BAR = 18  # height of a bar, under its district's name
CHART_STEP = 46  # height of one district: its name, its bar, a gap


def district_chart(result: Observatory) -> dict:
    """The bars of the chart of the dossiers by district, each under its district's
    name (a hidden count drawn as an empty bar and labelled "< 5")."""
    rows = result.districts
    values = [row.figures.submitted or 0 for row in rows]
    top = max(values, default=0) or 1
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = index * CHART_STEP
        bars.append(
            {
                "label": row.label,
                "value": MASKED if row.figures.submitted is None else value,
                "width": round(CHART_WIDTH * value / top),
                "label_y": y + 14,
                "y": y + 20,
                "text_y": y + 20 + CHART_BAR - 4,
                "covered": row.figures.covered,
            }
        )
    return {
        "bars": bars,
        "height": len(bars) * CHART_STEP,
        "bar": CHART_BAR,
        "width": CHART_VIEW,
    }
