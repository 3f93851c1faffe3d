"""What the API shows of each object. Read-only: every change goes through a service."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from calls import selectors as call_selectors
from calls.models import (
    Application,
    Attachment,
    Call,
    District,
    EligibilityCriterion,
    Objective,
    RequiredDocument,
)
from reviews.models import Decision, GovernanceBody
from workflows.states import DossierState


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
    created_at = serializers.DateTimeField(required=False)

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


# Dossiers.

# The largest id the API reads (a bigger number is no id: a problem, not an overflow).
MAX_ID = 10**18 - 1


def page_size_field(help_text: str, message) -> serializers.IntegerField:
    """The optional page size of a list, 1 to 100, one message for every bad value."""
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        help_text=help_text,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


def updated_since_field(help_text: str) -> serializers.DateTimeField:
    """The optional "changed at or after" moment of a list, in ISO 8601."""
    return serializers.DateTimeField(
        required=False,
        help_text=help_text,
        error_messages={
            "invalid": _(
                "Give a date and time in ISO 8601, for example 2026-12-01T09:00:00+01:00."
            ),
        },
    )


def _choices_text(choices) -> str:
    return ", ".join(str(value) for value, _label in choices)


class DossierFilterSerializer(serializers.Serializer):
    """The query parameters of the list of dossiers (every one optional)."""

    call = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only the dossiers of this call (its id).",
        error_messages={"invalid": _("Give the id of a call, a whole number.")},
    )
    state = serializers.ChoiceField(
        required=False,
        choices=DossierState.choices,
        help_text="Only the dossiers in this state (as the caller sees it).",
    )
    objective = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=28,
        help_text="Only the dossiers that pursue this objective (its number, 1 to 28).",
        error_messages={
            "invalid": _("Give the number of an objective, 1 to 28."),
            "min_value": _("Give the number of an objective, 1 to 28."),
            "max_value": _("Give the number of an objective, 1 to 28."),
        },
    )
    district = serializers.ChoiceField(
        required=False,
        choices=District.choices,
        help_text="Only the dossiers that take place in this district (its code).",
    )
    updated_since = updated_since_field(
        "Only the dossiers changed at or after this moment (ISO 8601)."
    )
    page_size = page_size_field(
        "Dossiers per page, 1 to 100 (50 by default).",
        _("Give a number of dossiers per page, 1 to 100."),
    )

    def __init__(self, *args, states=None, **kwargs):
        super().__init__(*args, **kwargs)
        state = self.fields["state"]
        if states is not None:
            state.choices = [(s.value, s.label) for s in states]
        state.error_messages["invalid_choice"] = _(
            "“{input}” is not a state you may filter on; one of: %(choices)s."
        ) % {"choices": _choices_text(state.choices.items())}
        district = self.fields["district"]
        district.error_messages["invalid_choice"] = _(
            "“{input}” is not a district code; one of: %(choices)s."
        ) % {"choices": _choices_text(district.choices.items())}


class CallRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Call.Kind.choices)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DossierSerializer(serializers.ModelSerializer):
    """A dossier as its list shows it. ``state`` is the state as the caller may see
    it: a decision not yet notified shows as ``awaiting_decision`` (``submitted`` for
    ineligibility) to who is not staff of the dossier; ``updated_at`` likewise."""

    state = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    call = CallRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    objectives = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    districts = serializers.ListField(child=serializers.ChoiceField(choices=District.choices))
    updated_at = serializers.DateTimeField(source="changed_at", read_only=True)
    version = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "title",
            "state",
            "state_label",
            "version",
            "call",
            "organization",
            "objectives",
            "districts",
            "requested_amount",
            "updated_at",
        ]
        read_only_fields = fields

    def _shown(self, dossier) -> DossierState:
        cache = self.context.setdefault("_shown", {})
        if dossier.pk not in cache:
            user = self.context["request"].user
            subject = dossier if self.context.get("detail") else dossier.state
            cache[dossier.pk] = call_selectors.shown_state(user, subject)
        return cache[dossier.pk]

    def get_state(self, dossier) -> DossierState:
        return self._shown(dossier).value

    def get_state_label(self, dossier) -> str:
        """The state in words, in the language of the request."""
        return str(self._shown(dossier).label)

    def get_version(self, dossier) -> int | None:
        """The version to send with an action; none while the state shown is not the
        dossier's (its changes are not disclosed yet)."""
        return shown_version(dossier, self._shown(dossier))


def shown_version(dossier, shown) -> int | None:
    return dossier.version if shown == dossier.state else None


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    document = serializers.CharField(
        source="required_document.label", allow_null=True, default=None
    )

    class Meta:
        model = Attachment
        fields = ["id", "name", "document", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "outcome",
            "amount",
            "motivation",
            "needs_convention",
            "highlighted",
            "special_prize",
            "decided_at",
        ]
        read_only_fields = fields


class DossierDetailSerializer(DossierSerializer):
    """A dossier whole, as its page shows it to the caller; ``decision`` is its current
    decision for staff of the dossier, and for the applicant once notified."""

    attachments = AttachmentSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()

    class Meta(DossierSerializer.Meta):
        fields = [
            *DossierSerializer.Meta.fields,
            "summary",
            "total_budget",
            "people_reached",
            "people_count",
            "submitted_at",
            "consultation_due_at",
            "attachments",
            "decision",
        ]
        read_only_fields = fields

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, dossier):
        decision = self.context.get("decision")
        return DecisionSerializer(decision).data if decision is not None else None


# Transitions.


class OfferedTransitionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The transition, as the POST's path names it.")
    label = serializers.CharField(help_text="What the action is called, in words.")
    needs = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["reason", "amount", "special_prize", "due_at", "checklist"]
        ),
        help_text="The fields of the request body this action reads.",
    )
    unmet = serializers.ListField(
        child=serializers.CharField(),
        help_text="Conditions not met now: the action would be refused until they are.",
    )


class TransitionsSerializer(serializers.Serializer):
    """What the caller may do on the dossier now, and the version to send back."""

    state = serializers.ChoiceField(choices=DossierState.choices)
    version = serializers.IntegerField(allow_null=True)
    transitions = OfferedTransitionSerializer(many=True)


class ChecklistEntrySerializer(serializers.Serializer):
    criterion = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of an eligibility criterion of the call."
    )
    passed = serializers.BooleanField(help_text="Whether the dossier meets it.")
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Needed when not met."
    )


class TransitionRequestSerializer(serializers.Serializer):
    """An action on a dossier. ``expected_version`` (or ``expected_state``) is what the
    client saw: if the dossier changed since, the action is refused (409) and nothing
    is changed. The other fields are those the action ``needs``."""

    expected_version = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The version the client saw."
    )
    expected_state = serializers.ChoiceField(
        required=False, choices=DossierState.choices, help_text="The state the client saw."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="The written reason."
    )
    amount = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="In euros, e.g. 12500 or 12500.50 (a granted amount, a special prize's).",
    )
    special_prize = serializers.BooleanField(required=False, help_text="Award a special prize.")
    due_at = serializers.DateField(
        required=False, help_text="The date by which the governance bodies give their opinion."
    )
    checklist = ChecklistEntrySerializer(
        many=True,
        required=False,
        help_text="The eligibility checklist: every criterion of the call, met or not.",
    )

    def validate(self, attrs):
        if "expected_version" not in attrs and "expected_state" not in attrs:
            raise serializers.ValidationError(
                {
                    "expected_version": _(
                        "Send the version of the dossier you saw (expected_version), or its "
                        "state (expected_state): an action on a dossier that changed "
                        "meanwhile is refused."
                    )
                }
            )
        return attrs


class TransitionResultSerializer(serializers.Serializer):
    transition = serializers.CharField()
    state = serializers.ChoiceField(choices=DossierState.choices)
    state_label = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
