"""What the API shows of each object. Read-only: every change goes through a service."""

from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from calls.models import Call, EligibilityCriterion, Objective, RequiredDocument
from reviews.models import GovernanceBody


class ObjectiveSerializer(serializers.ModelSerializer):
    orientation = serializers.CharField(source="orientation.title", read_only=True)
    axis = serializers.CharField(source="orientation.axis.title", read_only=True)

    class Meta:
        model = Objective
        fields = ["number", "text", "orientation", "axis"]


class RequiredDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["label", "help_text", "mandatory"]


class EligibilityCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityCriterion
        fields = ["label"]


class ScoringCriterionSerializer(serializers.Serializer):
    label = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    max_score = serializers.IntegerField()


PUBLIC_CALL_FIELDS = [
    "id",
    "kind",
    "title",
    "theme",
    "description",
    "eligible_applicants",
    "objectives",
    "opens_at",
    "closes_at",
    "is_open",
    "budget",
    "max_grant",
    "year",
    "highlighted_count",
    "special_prize_count",
    "special_prize_amount",
    "required_documents",
    "eligibility_criteria",
]


class PublicCallSerializer(serializers.ModelSerializer):
    """A call as its public page shows it."""

    objectives = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    is_open = serializers.SerializerMethodField()
    required_documents = RequiredDocumentSerializer(many=True, read_only=True)
    eligibility_criteria = EligibilityCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = PUBLIC_CALL_FIELDS
        read_only_fields = fields

    def get_is_open(self, call) -> bool:
        return call.is_open(self.context.get("now") or timezone.now())


# Shown only to the staff who manage or instruct the call (optional in the schema).
STAFF_CALL_FIELDS = [
    "is_published",
    "laureates_published",
    "opinions_required",
    "jury_scores",
    "governance_bodies",
    "instructors",
    "scoring_criteria",
    "score_aggregate",
    "disagreement_threshold",
    "created_at",
]


class CallSerializer(PublicCallSerializer):
    """A call: its public fields for everybody; every field (``full`` true) for the
    staff who manage or instruct it."""

    # Output only: the staff fields are declared writable and not required so that
    # the schema marks them optional (they are absent from a public call).

    full = serializers.SerializerMethodField()
    governance_bodies = serializers.SlugRelatedField(
        slug_field="name", many=True, required=False, queryset=GovernanceBody.objects.none()
    )
    instructors = serializers.SlugRelatedField(
        slug_field="email", many=True, required=False, queryset=User.objects.none()
    )
    scoring_criteria = ScoringCriterionSerializer(many=True, required=False)

    class Meta:
        model = Call
        fields = ["full", *PUBLIC_CALL_FIELDS, *STAFF_CALL_FIELDS]
        read_only_fields = PUBLIC_CALL_FIELDS
        extra_kwargs = {name: {"required": False} for name in STAFF_CALL_FIELDS}

    def _full(self, call) -> bool:
        return call.pk in self.context.get("managed_call_ids", frozenset())

    def get_full(self, call) -> bool:
        """Whether the caller manages or instructs the call (every field shown)."""
        return self._full(call)

    def to_representation(self, call):
        # The staff fields of a call shown public are not even read (no query).
        full = self._full(call)
        data = {}
        for field in self._readable_fields:
            if not full and field.field_name in STAFF_CALL_FIELDS:
                continue
            value = field.get_attribute(call)
            data[field.field_name] = None if value is None else field.to_representation(value)
        return data
