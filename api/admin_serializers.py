"""What the administrators' endpoints show: decisions and the audit trail. Read only."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from calls.models import Call
from reviews.models import Decision
from workflows.states import DossierState
from workflows.trail import event_choices

from .serializers import (
    MAX_ID,
    CallRefSerializer,
    OrganizationRefSerializer,
    page_size_field,
    updated_since_field,
)

# The states a dossier with a current decision is in.
DECIDED = (DossierState.SELECTED, DossierState.NOT_SELECTED, DossierState.NOTIFIED)


class DecisionFilterSerializer(serializers.Serializer):
    """The query parameters of the list of decisions (every one optional)."""

    call = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only the decisions of this call (its id).",
        error_messages={"invalid": _("Give the id of a call, a whole number.")},
    )
    state = serializers.ChoiceField(
        required=False,
        choices=[(state.value, state.label) for state in DECIDED],
        help_text="Only the decisions whose dossier is in this state (notified or not yet).",
    )
    updated_since = updated_since_field(
        "Only the decisions taken, or whose dossier changed (a notification), at "
        "or after this moment (ISO 8601)."
    )
    page_size = page_size_field(
        "Decisions per page, 1 to 100 (50 by default).", _("Give a number per page, 1 to 100.")
    )


class DecidedDossierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=DossierState.choices)
    version = serializers.IntegerField()


class DecisionRecordSerializer(serializers.ModelSerializer):
    """A decision on a dossier: the City's choice, its amount and motivation, who took
    it and when; ``is_current`` is false once the decision was reopened (superseded)."""

    dossier = DecidedDossierSerializer(source="application", read_only=True)
    call = CallRefSerializer(source="application.call", read_only=True)
    organization = OrganizationRefSerializer(source="application.organization", read_only=True)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "dossier",
            "call",
            "organization",
            "outcome",
            "amount",
            "motivation",
            "needs_convention",
            "highlighted",
            "special_prize",
            "is_current",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


# The audit trail.

TRAIL_KINDS = [("transition", "transition"), ("event", "event")]


class AuditFilterSerializer(serializers.Serializer):
    """The query parameters of the audit trail, those of the audit page."""

    dossier = serializers.CharField(
        required=False, max_length=40, help_text="A dossier's reference, or a part of it."
    )
    call = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only the entries of this call (its id).",
        error_messages={"invalid": _("Give the id of a call, a whole number.")},
    )
    actor = serializers.CharField(
        required=False, max_length=254, help_text="Who acted: an email address, or a part of it."
    )
    event = serializers.ChoiceField(
        required=False,
        choices=(),
        help_text="One kind of entry: transition:<name> for a state change, or an event.",
    )
    since = serializers.DateField(
        required=False,
        help_text="Entries of this day and after (YYYY-MM-DD).",
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )
    until = serializers.DateField(
        required=False,
        help_text="Entries of this day and before (YYYY-MM-DD).",
        error_messages={"invalid": _("Give a date, for example 2027-03-31.")},
    )
    page_size = page_size_field(
        "Entries per page, 1 to 100 (50 by default).", _("Give a number per page, 1 to 100.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.fields["event"]
        event.choices = event_choices()
        event.error_messages["invalid_choice"] = _("“{input}” is not an event of the audit trail.")


class TrailDossierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class TrailCallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Call.Kind.choices)


class AuditEntrySerializer(serializers.Serializer):
    """One entry of the audit trail: a state change, or another audited staff action."""

    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=TRAIL_KINDS,
        help_text="transition: a state change of a dossier; event: another audited action.",
    )
    event = serializers.CharField(help_text="transition:<name>, or the event's code.")
    label = serializers.CharField(help_text="The entry in words, in the request's language.")
    dossier = TrailDossierSerializer(allow_null=True)
    call = TrailCallSerializer(allow_null=True)
    actor = serializers.EmailField(
        source="actor.email", allow_null=True, default=None, help_text="Nobody: the system."
    )
    reason = serializers.CharField(allow_blank=True)


class AuditPageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True, help_text="The next page (older entries), or null at the end."
    )
    results = AuditEntrySerializer(many=True)
