"""The public figures of the observatory (objective 21), for open data: notified
decisions only, the small cells of refused or submitted dossiers hidden ("< 5").

Anonymous. Filters ``call``, ``year`` and ``kind`` (``ami`` or ``prize``); a value that
means nothing falls back to its default (every call, year or kind) and is named in
``ignored_filters``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import observatory
from calls.models import Call

LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
MASKED = f"< {observatory.SMALL_CELL}"


def _value(value):
    if value is None:
        return MASKED
    return value if isinstance(value, int) else f"{value:.2f}"


def _figures(figures) -> dict:
    return {
        name: _value(getattr(figures, name))
        for name in ("submitted", "eligible", "selected", "requested", "granted", "people")
    } | {"covered": figures.covered}


def _rows(rows) -> list[dict]:
    return [{"key": row.key, "label": str(row.label), **_figures(row.figures)} for row in rows]


def _filters(params) -> tuple[dict, list[str]]:
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


class ObservatoryFigures(APIView):
    """What the calls cover, by objective, district, organisation kind and channel:
    dossiers with a notified decision, eligible, selected, amounts requested and granted
    (EUR, as strings), people reached. Counts under 5 of submitted or eligible dossiers
    (and the amount requested with them) are the string "< 5"."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("call", int, description="A published call's id."),
            OpenApiParameter("year", int, description="The year of the calls."),
            OpenApiParameter("kind", str, enum=Call.Kind.values, description="Kind of call."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["scheme"],
    )
    def get(self, request):
        filters, ignored = _filters(request.query_params)
        result = observatory.public_observatory(**filters)
        return Response(
            {
                "licence": LICENCE,
                "small_cell_threshold": observatory.SMALL_CELL,
                "filters": filters,
                "ignored_filters": ignored,
                "calls": [{"id": c.pk, "title": c.title} for c in result.calls],
                "total": _figures(result.total),
                "objectives": _rows(result.objectives),
                "districts": _rows(result.districts),
                "organisation_kinds": _rows(result.kinds),
                "channels": _rows(result.channels),
            }
        )
