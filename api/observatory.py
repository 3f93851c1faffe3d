"""The public figures of the observatory (objective 21), for open data: notified
decisions only, the small cells of refused or submitted dossiers hidden (a count "< 5",
the amount requested with it "masked").

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

LICENCE = observatory.LICENCE
MASKED = observatory.MASKED
MASKED_AMOUNT = observatory.MASKED_AMOUNT


class ObservatoryFigures(APIView):
    """What the calls cover, by objective, district, organisation kind and channel:
    dossiers with a notified decision, eligible, selected, amounts requested and granted
    (EUR, as strings), people reached. Counts under 5 of submitted or eligible dossiers
    are the string "< 5"; the amount requested with them is the string "masked"
    (``masked_values`` names both)."""

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
        filters, ignored = observatory.parse_filters(request.query_params)
        result = observatory.public_observatory(**filters)
        return Response(observatory.open_data(result, filters, ignored))
