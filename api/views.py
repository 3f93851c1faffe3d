"""The API's views: each parses its input, calls one selector or service and answers.

Errors are problem details (``api.problems``); a dossier or call the caller may not
see answers 404 like the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors as call_selectors

from . import selectors
from .pagination import DossierCursor
from .permissions import Authenticated, TokenScope
from .problems import problem_response
from .serializers import (
    CallSerializer,
    DossierDetailSerializer,
    DossierFilterSerializer,
    DossierSerializer,
    ObjectiveSerializer,
)

NOT_FOUND = OpenApiResponse(description="Unknown, or not visible to the caller.")


def path_id(name, description):
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


class ObjectiveList(APIView):
    """The 28 operational objectives of the scheme, worded as in the municipal text."""

    @extend_schema(responses=ObjectiveSerializer(many=True), tags=["scheme"])
    def get(self, request):
        return Response(ObjectiveSerializer(selectors.objectives(), many=True).data)


class ObjectiveDetail(APIView):
    @extend_schema(
        parameters=[path_id("number", "The objective's number, 1 to 28.")],
        responses={200: ObjectiveSerializer, 404: NOT_FOUND},
        tags=["scheme"],
    )
    def get(self, request, number):
        return Response(ObjectiveSerializer(selectors.objective(number)).data)


def _call_context(request):
    return {
        "request": request,
        "now": timezone.now(),
        "managed_call_ids": selectors.managed_call_ids(request.user),
    }


class CallList(APIView):
    """The published calls (AMI and prize editions), newest first; the staff who manage
    or instruct a call also get its unpublished calls, with every field."""

    @extend_schema(responses=CallSerializer(many=True), tags=["calls"])
    def get(self, request):
        calls = selectors.calls(request.user)
        return Response(CallSerializer(calls, many=True, context=_call_context(request)).data)


class CallDetail(APIView):
    @extend_schema(
        parameters=[path_id("id", "The call's id.")],
        responses={200: CallSerializer, 404: NOT_FOUND},
        tags=["calls"],
    )
    def get(self, request, pk):
        call = selectors.call(request.user, pk)
        return Response(CallSerializer(call, context=_call_context(request)).data)


INVALID = OpenApiResponse(description="A parameter has a wrong value (see errors).")
UNAUTHENTICATED = OpenApiResponse(description="No token or session, or a refused token.")


class DossierList(generics.ListAPIView):
    """The dossiers the caller may see, as on their pages: an applicant those of their
    organisations, an instructor those of the calls they instruct, a governance member
    those on which their body is consulted, a juror those assigned to them (no conflict
    of interest declared), an administrator every dossier but the drafts. Most recently
    changed first, by pages of a cursor (follow ``next``)."""

    serializer_class = DossierSerializer
    pagination_class = DossierCursor
    permission_classes = [TokenScope, Authenticated]

    @extend_schema(
        parameters=[DossierFilterSerializer],
        responses={200: DossierSerializer(many=True), 400: INVALID, 401: UNAUTHENTICATED},
        tags=["dossiers"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        filters = DossierFilterSerializer(
            data=self.request.query_params, states=call_selectors.shown_states(user)
        )
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        values.pop("page_size", None)
        return selectors.dossiers(user, **values)


class DossierDetail(APIView):
    permission_classes = [TokenScope, Authenticated]

    @extend_schema(
        parameters=[path_id("id", "The dossier's id.")],
        responses={200: DossierDetailSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=["dossiers"],
    )
    def get(self, request, pk):
        """One dossier, as its page shows it to the caller; 404 if they may not see it."""
        dossier = selectors.dossier(request.user, pk)
        context = {
            "request": request,
            "detail": True,
            "decision": selectors.current_decision(request.user, dossier),
        }
        return Response(DossierDetailSerializer(dossier, context=context).data)


class NotFound(APIView):
    """Any other path under /api/: a problem, not the site's HTML 404 page."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return problem_response(
            request, 404, "not_found", _("Nothing here, or nothing you may see.")
        )

    post = put = patch = delete = get
