"""The audit trail of what is not a state change.

Every staff or system action worth answering for (a juror assigned, a conflict declared, an
opinion given, a checklist saved, a held email edited, laureates published, a role changed)
is recorded with ``record_event``, inside the transaction of the change it records, so that
the trail and the change are committed together or not at all. State changes are in the
transition log (``TransitionLog``), written by ``workflows.services.perform``.
"""

from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

# slug -> label shown on the audit page. One line per event; prefix by area.
EVENT_LABELS = {
    # Eligibility, consultation
    "eligibility.checklist_saved": _("Eligibility checklist saved"),
    "opinion.given": _("Opinion given"),
    # Jury
    "jury.assigned": _("Juror assigned"),
    "jury.unassigned": _("Juror removed"),
    "jury.no_conflict_confirmed": _("No conflict of interest confirmed"),
    "jury.conflict_declared": _("Conflict of interest declared"),
    "jury.scorecard_submitted": _("Scorecard submitted"),
    "jury.scorecard_excluded": _("Scorecard excluded"),
    "jury.conflict_lifted": _("Conflict of interest lifted (declared interest withdrawn)"),
    "jury.scorecard_reincluded": _("Excluded scorecard back as a draft (no conflict confirmed)"),
    "jury.reminder_sent": _("Reminder sent to a juror"),
    "interest.declared": _("Interest declared"),
    "interest.withdrawn": _("Declared interest withdrawn"),
    # Deliberation, laureates
    "minutes.recorded": _("Deliberation minutes recorded"),
    "laureates.published": _("Laureates published"),
    "laureates.unpublished": _("Laureates unpublished"),
    # Emails
    "outbox.email_edited": _("Held email edited"),
    "outbox.email_resent": _("Email sent again"),
    "outbox.email_cancelled": _("Email cancelled"),
    # People and organisations
    "role.changed": _("Role changed"),
    "membership.changed": _("Membership changed"),
    # Assisted submission, nominations, letters
    "assisted.organisation_created": _("Organisation created by staff"),
    "assisted.dossier_entered": _("Dossier entered by staff"),
    "letter.posted": _("Letter marked as posted"),
    "nomination.made": _("Nomination made"),
    "nomination.accepted": _("Nomination accepted"),
    "nomination.declined": _("Nomination declined"),
    "nomination.accepted_recorded": _(
        "Nomination accepted by post, phone or at the counter (recorded by staff)"
    ),
    "nomination.declined_recorded": _(
        "Nomination declined by post, phone or at the counter (recorded by staff)"
    ),
    "organisation.claimed": _("Organisation claimed online"),
    # API
    "api.token_created": _("API token created"),
    "api.token_revoked": _("API token revoked"),
}


def event_label(slug: str) -> str:
    """The label of an event, or its slug when it has none."""
    return str(EVENT_LABELS.get(slug, slug))


def record_event(
    event: str,
    *,
    actor,
    application=None,
    call=None,
    subject_user=None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit trail and return it.

    ``actor`` is the user who acted (``None`` for the system: a scheduled reminder, a
    webhook). When a dossier is given without a call, the dossier's call is recorded too,
    so that the trail can be read per call."""
    if call is None and application is not None:
        call = application.call
    return AuditEvent.objects.create(
        event=event,
        actor=actor,
        application=application,
        call=call,
        subject_user=subject_user,
        reason=reason or "",
        data=data or {},
    )
