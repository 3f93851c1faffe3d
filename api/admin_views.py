"""The administrators' endpoints: the decisions, for the City's finance and archiving
systems, and the audit trail, read through the selectors of their pages
(``reviews.deliberation_selectors.decisions``, ``workflows.trail``). Anybody else who
is authenticated is answered 404, as by the pages."""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews import deliberation_selectors
from workflows import rules, trail

from .admin_serializers import (
    AuditEntrySerializer,
    AuditFilterSerializer,
    AuditPageSerializer,
    DecisionFilterSerializer,
    DecisionRecordSerializer,
)
from .pagination import DecisionCursor, TrailCursor
from .permissions import Authenticated, TokenScope

NOT_FOUND = OpenApiResponse(description="Unknown, or the caller is not an administrator.")
INVALID = OpenApiResponse(description="A parameter has a wrong value (see errors).")
UNAUTHENTICATED = OpenApiResponse(description="No token or session, or a refused token.")


class Administrator(permissions.BasePermission):
    """Administrators only; anybody else authenticated gets 404, as on the pages."""

    def has_permission(self, request, view):
        if request.user.is_authenticated and not rules.is_administrator(request.user):
            raise Http404
        return True


ADMINISTRATORS = [TokenScope, Authenticated, Administrator]


class DecisionList(generics.ListAPIView):
    """The current decisions (one per decided dossier), most recently taken first, by
    pages of a cursor (follow ``next``): the outcome, the amount granted, the
    distinctions of a prize, the motivation, who decided and when. A reopened decision
    leaves the list (its dossier awaits a new one)."""

    serializer_class = DecisionRecordSerializer
    pagination_class = DecisionCursor
    permission_classes = ADMINISTRATORS

    @extend_schema(
        parameters=[DecisionFilterSerializer],
        responses={
            200: DecisionRecordSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
        tags=["decisions"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = DecisionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        queryset = deliberation_selectors.decisions(call=values.get("call"))
        if values.get("state"):
            queryset = queryset.filter(application__state=values["state"])
        since = values.get("updated_since")
        if since:
            queryset = queryset.filter(
                Q(decided_at__gte=since) | Q(application__updated_at__gte=since)
            )
        return queryset


class DecisionDetail(APIView):
    permission_classes = ADMINISTRATORS

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: DecisionRecordSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=["decisions"],
    )
    def get(self, request, pk):
        """One decision, current or superseded (``is_current``)."""
        decision = deliberation_selectors.decisions(current=None).filter(pk=pk).first()
        if decision is None:
            raise Http404
        return Response(DecisionRecordSerializer(decision).data)


class AuditTrail(APIView):
    """The audit trail of the administrators' page: every state change of a dossier and
    every other audited staff action (assignments, conflicts, opinions, checklists,
    emails, publication, roles, tokens), newest first, filtered as on the page, by
    pages of a cursor (follow ``next``)."""

    permission_classes = ADMINISTRATORS

    @extend_schema(
        parameters=[
            AuditFilterSerializer,
            OpenApiParameter("cursor", str, description="The cursor of a “next” link."),
        ],
        responses={
            200: AuditPageSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
        tags=["audit"],
    )
    def get(self, request):
        query = AuditFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        filters = trail.TrailFilters(
            dossier=values.get("dossier", ""),
            call_id=values.get("call"),
            actor=values.get("actor", ""),
            event=values.get("event", ""),
            since=values.get("since"),
            until=values.get("until"),
        )
        paginator = TrailCursor()
        rows = trail.trail(filters, before=paginator.position(request))
        page, next_url = paginator.page(rows, request, values.get("page_size"))
        entries = AuditEntrySerializer(trail.hydrate(page), many=True).data
        return Response({"next": next_url, "results": entries})
