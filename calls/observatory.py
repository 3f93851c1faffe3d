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

import re
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


# The map of the districts: one tile per district, placed as they lie (north up, the
# Garonne between La Bastide and the left bank), shaded by their number of dossiers.
MAP_TILE_WIDTH = 116
MAP_TILE_HEIGHT = 88
MAP_GAP = 6
MAP_PLACES = {
    District.MARITIME: (1, 0),
    District.CAUDERAN: (0, 1),
    District.CHARTRONS: (1, 1),
    District.BASTIDE: (2, 1),
    District.SAINT_AUGUSTIN: (0, 2),
    District.CENTRE: (1, 2),
    District.SUD: (2, 2),
    District.NANSOUTY: (1, 3),
}
# Lightest to darkest; the text on each keeps a contrast of 4.5:1 at least.
MAP_SHADES = (
    ("#e8f0fa", "#1a1a1a"),
    ("#9dbde6", "#1a1a1a"),
    ("#3a6db0", "#ffffff"),
    ("#1d4f91", "#ffffff"),
)
MAP_NONE = ("#ffffff", "#1a1a1a")
MAP_MASKED = ("#e5e7eb", "#1a1a1a")


def _name_lines(label: str) -> list[str]:
    """A district's name one part a line: split at each hyphen before a capital
    ("Nansouty-Saint Genès"), not inside a word ("Centre-ville")."""
    return [part.strip() for part in re.split(r"-(?=[A-ZÀ-Ý])", label)]


def _shade(value: int, top: int) -> int:
    """The shade (0 to 3) of ``value`` dossiers when the most covered district has
    ``top``: quarters of ``top``, the top quarter the darkest."""
    return min(len(MAP_SHADES) - 1, (value - 1) * len(MAP_SHADES) // top)


def map_legend(top: int) -> list[dict]:
    """The shades in use, each with the numbers of dossiers it stands for."""
    legend, low = [], 1
    for shade, (fill, _text) in enumerate(MAP_SHADES):
        values = [v for v in range(low, top + 1) if _shade(v, top) == shade]
        if not values:
            continue
        low = values[-1] + 1
        legend.append({"shade": shade, "fill": fill, "low": values[0], "high": values[-1]})
    return legend


def district_map(result: Observatory) -> dict:
    """The tiles of the map of the districts: each district where it lies, its name (one
    line per part of its name) and its number of dossiers, shaded by that number (a
    district with no dossier white with a dashed border, a hidden count grey)."""
    values = {row.key: row.figures.submitted for row in result.districts if row.key in MAP_PLACES}
    top = max((v for v in values.values() if v), default=0)
    tiles = []
    for row in result.districts:
        if row.key not in MAP_PLACES:
            continue
        column, line = MAP_PLACES[row.key]
        value = values[row.key]
        if value is None:
            (fill, text), shade = MAP_MASKED, None
        elif value == 0:
            (fill, text), shade = MAP_NONE, None
        else:
            shade = _shade(value, top)
            fill, text = MAP_SHADES[shade]
        x = column * (MAP_TILE_WIDTH + MAP_GAP)
        y = line * (MAP_TILE_HEIGHT + MAP_GAP)
        names = _name_lines(row.label)
        tiles.append(
            {
                "key": row.key,
                "label": row.label,
                "names": [
                    {"text": name, "y": y + 20 + 15 * index} for index, name in enumerate(names)
                ],
                "value": MASKED if value is None else value,
                "value_y": y + MAP_TILE_HEIGHT - 10,
                "x": x,
                "text_x": x + 8,
                "y": y,
                "fill": fill,
                "text": text,
                "covered": row.figures.covered,
                "shade": shade,
            }
        )
    lines = 1 + max((line for _column, line in MAP_PLACES.values()), default=0)
    columns = 1 + max((column for column, _line in MAP_PLACES.values()), default=0)
    return {
        "tiles": tiles,
        "width": columns * MAP_TILE_WIDTH + (columns - 1) * MAP_GAP,
        "height": lines * MAP_TILE_HEIGHT + (lines - 1) * MAP_GAP,
        "tile_width": MAP_TILE_WIDTH,
        "tile_height": MAP_TILE_HEIGHT,
        "legend": map_legend(top) if top else [],
    }
