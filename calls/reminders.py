"""Reminders to the organisations that have a draft on a call about to close: one
email 7 days and one 1 day before the closing, to each member, once per draft and
threshold (the outbox key makes a second run send nothing)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation

from accounts.models import User
from notifications.services import queue_email
from workflows.services import unmet_conditions
from workflows.states import DossierState

from .models import Application

# Days before the closing of the call; each draft gets one reminder per threshold,
# the one whose window (between this threshold and the next smaller one) it is in.
THRESHOLDS = (7, 1)


def due_drafts(days: int, at=None):
    """Drafts of published, open calls that close in at most ``days`` days but more
    than the next smaller threshold (a draft due for the 1-day reminder does not also
    get the 7-day one)."""
    at = at or timezone.now()
    smaller = [d for d in THRESHOLDS if d < days]
    lower = at + timedelta(days=max(smaller)) if smaller else at
    return (
        Application.objects.filter(
            state=DossierState.DRAFT,
            call__is_published=True,
            call__opens_at__lte=at,
            call__closes_at__gt=lower,
            call__closes_at__lte=at + timedelta(days=days),
        )
        .select_related("call", "organization")
        .order_by("call__closes_at", "pk")
    )


def member_emails(dossier) -> list[str]:
    return sorted(
        User.objects.filter(
            memberships__organization_id=dossier.organization_id, is_active=True
        ).values_list("email", flat=True)
    )


def send_call_reminders(at=None) -> int:
    """Write the reminders due now to the outbox. Returns the number of emails written
    (0 when every due reminder was already written)."""
    at = at or timezone.now()
    written = 0
    for days in THRESHOLDS:
        for dossier in due_drafts(days, at):
            recipients = member_emails(dossier)
            if not recipients:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                missing = unmet_conditions(dossier, "submit")
            written += len(
                queue_email(
                    template="reminder",
                    recipients=recipients,
                    context={
                        "days": days,
                        "closes_at": dossier.call.closes_at,
                        "missing": missing,
                    },
                    key=f"reminder-{dossier.pk}-{days}d",
                    application=dossier,
                    event=f"reminder_{days}d",
                )
            )
    return written
