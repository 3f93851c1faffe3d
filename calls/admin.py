from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from workflows.admin import ReadOnlyInline
from workflows.models import TransitionLog

from .models import (
    Application,
    Attachment,
    Axis,
    Call,
    EligibilityCriterion,
    Message,
    Objective,
    Orientation,
    RequiredDocument,
    ScoringCriterion,
)


class OrientationInline(admin.TabularInline):
    model = Orientation
    extra = 0
    fields = ("position", "title")


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ("position", "title", "code")
    search_fields = ("title", "code")
    inlines = [OrientationInline]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0
    fields = ("number", "text")


@admin.register(Orientation)
class OrientationAdmin(admin.ModelAdmin):
    list_display = ("position", "title", "axis")
    list_filter = ("axis",)
    search_fields = ("title",)
    list_select_related = ("axis",)
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("number", "short_text", "orientation", "axis")
    list_display_links = ("number", "short_text")
    list_filter = ("orientation__axis", "orientation")
    search_fields = ("text", "orientation__title")
    list_select_related = ("orientation__axis",)
    ordering = ("number",)

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(120)

    @admin.display(description=_("axis"), ordering="orientation__axis__position")
    def axis(self, obj):
        return obj.orientation.axis


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("position", "label", "help_text", "mandatory")


class EligibilityCriterionInline(admin.TabularInline):
    model = EligibilityCriterion
    extra = 0
    fields = ("position", "label")


class ScoringCriterionInline(admin.TabularInline):
    model = ScoringCriterion
    extra = 0
    fields = ("position", "label", "weight", "max_score")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "year", "opens_at", "closes_at", "is_published")
    list_filter = ("kind", "is_published", "opinions_required", "jury_scores", "year")
    search_fields = ("title", "theme", "description")
    date_hierarchy = "opens_at"
    autocomplete_fields = ("objectives", "governance_bodies", "instructors")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("kind", "title", "theme", "description", "objectives")}),
        (_("Calendar"), {"fields": ("opens_at", "closes_at", "is_published")}),
        (_("Funding"), {"fields": ("budget", "max_grant")}),
        (
            _("Prize edition"),
            {
                "fields": (
                    "year",
                    "highlighted_count",
                    "special_prize_count",
                    "special_prize_amount",
                    "laureates_published",
                )
            },
        ),
        (
            _("Review"),
            {"fields": ("instructors", "opinions_required", "governance_bodies", "jury_scores")},
        ),
        (_("History"), {"fields": ("created_at",)}),
    )
    inlines = [RequiredDocumentInline, EligibilityCriterionInline, ScoringCriterionInline]


class CallCriterionAdmin(admin.ModelAdmin):
    list_display = ("label", "call", "position")
    list_filter = ("call__kind", "call")
    search_fields = ("label", "call__title")
    autocomplete_fields = ("call",)
    list_select_related = ("call",)


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(CallCriterionAdmin):
    list_display = ("label", "call", "mandatory", "position")
    list_filter = ("mandatory", "call__kind", "call")


@admin.register(EligibilityCriterion)
class EligibilityCriterionAdmin(CallCriterionAdmin):
    pass


@admin.register(ScoringCriterion)
class ScoringCriterionAdmin(CallCriterionAdmin):
    list_display = ("label", "call", "weight", "max_score", "position")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "file", "required_document", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "author", "internal", "body", "attachment")
    readonly_fields = fields


class TransitionLogInline(ReadOnlyInline):
    model = TransitionLog
    fields = ("at", "transition", "from_state", "to_state", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("history")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Dossiers. The state is read-only here: it changes only through the workflow
    service (``workflows.services``), which checks the transition and logs it. Dossiers
    are created by their applicants, which also numbers them."""

    list_display = (
        "reference",
        "title",
        "organization",
        "call",
        "state",
        "submitted_at",
        "updated_at",
    )
    list_filter = ("state", "call__kind", "call")
    search_fields = ("reference", "title", "organization__name", "organization__siret")
    list_select_related = ("organization", "call")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("organization", "objectives")
    readonly_fields = (
        "reference",
        "state",
        "call",
        "created_by",
        "submitted_at",
        "consulted_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "state", "call", "organization", "created_by")}),
        (
            _("Project"),
            {"fields": ("title", "summary", "objectives", "requested_amount", "total_budget")},
        ),
        (_("Dates"), {"fields": ("submitted_at", "consulted_at", "created_at", "updated_at")}),
    )
    inlines = [AttachmentInline, MessageInline, TransitionLogInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Never write the state column from here, so that an edit cannot overwrite a
        # transition made by the workflow service in the meantime.
        fields = [
            field.name
            for field in obj._meta.concrete_fields
            if not field.primary_key and field.name != "state"
        ]
        obj.save(update_fields=fields)
