from django.contrib import admin

from workflows.admin import ReadOnlyAdmin

from .models import DeliveryEvent, OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """The outbox, for following deliveries. Read-only: rows are written by the state
    changes that cause them and updated only by the sending task."""

    list_display = (
        "created_at",
        "recipient",
        "subject",
        "event",
        "category",
        "status",
        "attempts",
        "sent_at",
        "delivery_status",
    )
    list_filter = ("status", "event", "category", "delivery_status")
    search_fields = (
        "recipient",
        "subject",
        "application__reference",
        "idempotency_key",
        "provider_message_id",
    )
    list_select_related = ("application",)
    date_hierarchy = "created_at"
    fields = (
        "application",
        "transition_log",
        "event",
        "category",
        "recipient",
        "subject",
        "body_text",
        "body_html",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "provider_message_id",
        "delivery_status",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    """Every event the email provider reported (append-only, written by the webhooks)."""

    list_display = ("email", "provider", "event_type", "at", "reason")
    list_filter = ("provider", "event_type")
    fields = ("email", "provider", "provider_event_id", "event_type", "at", "reason", "raw")
    readonly_fields = fields
