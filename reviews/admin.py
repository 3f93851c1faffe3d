from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from workflows.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    ConflictOfInterest,
    Decision,
    EligibilityReview,
    GovernanceBody,
    JurorAssignment,
    Jury,
    Opinion,
    Score,
    Scorecard,
)

APPLICATION_SEARCH = (
    "application__reference",
    "application__title",
    "application__organization__name",
)


@admin.register(GovernanceBody)
class GovernanceBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name", "description")
    autocomplete_fields = ("members",)

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))


@admin.register(Jury)
class JuryAdmin(admin.ModelAdmin):
    list_display = ("name", "call", "juror_count")
    list_filter = ("call__kind",)
    search_fields = ("name", "call__title")
    autocomplete_fields = ("call", "members")
    list_select_related = ("call",)

    @admin.display(description=_("jurors"), ordering="juror_total")
    def juror_count(self, obj):
        return obj.juror_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(juror_total=Count("members"))


@admin.register(JurorAssignment)
class JurorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("application", "juror", "assigned_at")
    list_filter = ("application__call",)
    search_fields = (*APPLICATION_SEARCH, "juror__email", "juror__last_name")
    autocomplete_fields = ("application", "juror")
    list_select_related = ("application", "juror")
    readonly_fields = ("assigned_at",)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyAdmin):
    list_display = ("application", "juror", "declared_at")
    list_filter = ("application__call",)
    search_fields = (*APPLICATION_SEARCH, "juror__email", "juror__last_name")
    autocomplete_fields = ("application", "juror")
    list_select_related = ("application", "juror")
    readonly_fields = ("declared_at",)


class ScoreInline(ReadOnlyInline):
    model = Score
    extra = 0
    autocomplete_fields = ("criterion",)


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ("application", "juror", "submitted_at", "updated_at")
    list_filter = ("application__call", ("submitted_at", admin.EmptyFieldListFilter))
    search_fields = (*APPLICATION_SEARCH, "juror__email", "juror__last_name")
    autocomplete_fields = ("application", "juror")
    list_select_related = ("application", "juror")
    readonly_fields = ("updated_at",)
    inlines = [ScoreInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("scorecard", "criterion", "value")
    list_filter = ("criterion__call",)
    search_fields = (
        "scorecard__application__reference",
        "scorecard__juror__email",
        "criterion__label",
    )
    autocomplete_fields = ("scorecard", "criterion")
    list_select_related = ("scorecard__application", "scorecard__juror", "criterion")


@admin.register(EligibilityReview)
class EligibilityReviewAdmin(ReadOnlyAdmin):
    list_display = ("application", "outcome", "reviewer", "created_at")
    list_filter = ("outcome", "application__call")
    search_fields = (*APPLICATION_SEARCH, "reviewer__email")
    autocomplete_fields = ("application", "reviewer")
    list_select_related = ("application", "reviewer")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ("application", "body", "verdict", "author", "created_at")
    list_filter = ("verdict", "body", "application__call")
    search_fields = (*APPLICATION_SEARCH, "body__name", "author__email")
    autocomplete_fields = ("application", "body", "author")
    list_select_related = ("application", "body", "author")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "outcome",
        "amount",
        "needs_convention",
        "highlighted",
        "special_prize",
        "is_current",
        "decided_by",
        "decided_at",
    )
    list_filter = (
        "outcome",
        "is_current",
        "needs_convention",
        "highlighted",
        "special_prize",
        "application__call",
    )
    search_fields = (*APPLICATION_SEARCH, "decided_by__email")
    autocomplete_fields = ("application", "decided_by")
    list_select_related = ("application", "decided_by")
    readonly_fields = ("decided_at",)
    date_hierarchy = "decided_at"
