from django.contrib import admin

from .models import AuditEvent, TransitionLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows rows and never adds, changes or deletes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline that lists rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    """The audit trail of the dossiers: read-only, like the table itself (append-only)."""

    list_display = ("at", "application", "transition", "from_state", "to_state", "actor")
    list_filter = ("transition", "from_state", "to_state", "application__call")
    search_fields = ("application__reference", "application__title", "actor__email", "reason")
    list_select_related = ("application", "actor")
    date_hierarchy = "at"
    fields = (
        "application",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "at",
        "reason",
        "data",
    )
    readonly_fields = fields


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The staff actions that are not state changes: read-only, append-only."""

    list_display = ("at", "event", "application", "call", "actor", "subject_user")
    list_filter = ("event", "call")
    search_fields = ("application__reference", "actor__email", "subject_user__email", "reason")
    list_select_related = ("application", "call", "actor", "subject_user")
    date_hierarchy = "at"
    fields = ("at", "event", "application", "call", "actor", "subject_user", "reason", "data")
    readonly_fields = fields
