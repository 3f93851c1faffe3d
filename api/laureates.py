"""The laureates of the prize as open data, for everybody: what the public laureates
pages show (``calls.selectors.published_laureates``, ``published_edition``,
``edition_laureates``), nothing of an edition before its laureates are published.

A laureate carries no amount: the pages show none; the amount of a special prize is
the edition's, public on its call page (``special_prize_amount``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors as call_selectors
from calls.models import District


class LaureateOrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()


class LaureateSerializer(serializers.Serializer):
    """A highlighted action, as the laureates page shows it."""

    id = serializers.IntegerField()
    title = serializers.CharField(help_text="The action's title.")
    summary = serializers.CharField(allow_blank=True)
    organization = LaureateOrganizationSerializer(help_text="Who carries the action.")
    objectives = serializers.SerializerMethodField(
        help_text="The numbers of the objectives it answers (1 to 28)."
    )
    districts = serializers.ListField(
        child=serializers.ChoiceField(choices=District.choices),
        help_text="Where it takes place (empty: all of Bordeaux).",
    )
    special_prize = serializers.BooleanField(help_text="Whether it received a special prize.")

    def get_objectives(self, dossier) -> list[int]:
        return [objective.number for objective in dossier.objectives.all()]


class EditionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    special_prize_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The amount of each special prize, as on the edition's call page.",
    )


class EditionLaureatesSerializer(serializers.Serializer):
    """An edition and its laureates: special prizes first, then by title."""

    edition = EditionSerializer()
    laureates = LaureateSerializer(many=True)


class LaureateFilterSerializer(serializers.Serializer):
    objective = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=28,
        help_text="Only the actions that answer this objective (its number, 1 to 28).",
        error_messages={
            "invalid": _("Give the number of an objective, 1 to 28."),
            "min_value": _("Give the number of an objective, 1 to 28."),
            "max_value": _("Give the number of an objective, 1 to 28."),
        },
    )
    district = serializers.ChoiceField(
        required=False,
        choices=District.choices,
        help_text="Only the actions that take place in this district (its code).",
    )


class LaureateList(APIView):
    """Every edition of the prize whose laureates are published, latest first, each
    with its laureates (the highlighted actions, special prizes first)."""

    @extend_schema(responses=EditionLaureatesSerializer(many=True), tags=["open data"])
    def get(self, request):
        editions = [
            {"edition": group["call"], "laureates": group["laureates"]}
            for group in call_selectors.published_laureates()
        ]
        return Response(EditionLaureatesSerializer(editions, many=True).data)


class EditionLaureates(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The edition's id."),
            LaureateFilterSerializer,
        ],
        responses={
            200: EditionLaureatesSerializer,
            400: OpenApiResponse(description="A filter has a wrong value (see errors)."),
            404: OpenApiResponse(description="No such edition, or its laureates unpublished."),
        },
        tags=["open data"],
    )
    def get(self, request, pk):
        """The laureates of one edition, filtered by objective and district as on its
        page; 404 while they are not published."""
        edition = call_selectors.published_edition(pk)
        filters = LaureateFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        laureates = call_selectors.edition_laureates(
            edition,
            objective=filters.validated_data.get("objective"),
            district=filters.validated_data.get("district"),
        )
        return Response(
            EditionLaureatesSerializer({"edition": edition, "laureates": laureates}).data
        )
