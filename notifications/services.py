"""The outbox: emails are written in the transaction of the change that causes them and
sent after commit by a task. Nothing is sent for a rolled-back change, nothing twice,
nothing lost when the provider is down (retries with back-off, then a visible failure,
and a sweep for rows whose task was lost).

This module writes and reviews outbox rows; ``notifications.delivery`` sends one row and
``notifications.tasks`` runs the sending, the retries and the sweep. The outbox only
sends: actions on dossiers live with the decisions (``reviews.bulk_services``)."""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from config import typography
from workflows.audit import record_event
from workflows.exceptions import TransitionError
from workflows.models import TransitionLog
from workflows.states import DossierState

from .models import DeliveryEvent, Letter, OutboundEmail, delivery_rank
from .tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status
Category = OutboundEmail.Category

# What each transition writes to the outbox: (email template, category, audience).
# Decision emails are held until the decision is notified (and can be reviewed).
TRANSITION_EMAILS = {
    "submit": ("submitted", Category.INFO, "applicants"),
    "resubmit": ("resubmitted", Category.INFO, "applicants"),
    "request_completion": ("completion_requested", Category.INFO, "applicants"),
    "declare_eligible": ("eligible", Category.INFO, "applicants"),
    "withdraw": ("withdrawn", Category.INFO, "applicants"),
    "declare_ineligible": ("decision_ineligible", Category.DECISION, "applicants"),
    "select": ("decision_selected", Category.DECISION, "applicants"),
    "decline": ("decision_not_selected", Category.DECISION, "applicants"),
    "open_consultation": ("consultation_opened", Category.INFO, "governance"),
    # A nomination nobody accepted, sent to examination: its carrier is told.
    "examine_nomination": ("nomination_examined", Category.INFO, "applicants"),
}


def _recipients(dossier, audience):
    if audience == "applicants":
        users = User.objects.filter(
            memberships__organization_id=dossier.organization_id, is_active=True
        )
        emails = sorted(set(users.values_list("email", flat=True)))
        if not emails and dossier.organization.contact_email:
            # An organisation without an account (its dossier entered by staff) is
            # written to at the contact address it gave, never at the staff member's.
            emails = [dossier.organization.contact_email]
        return emails
    else:
        users = User.objects.filter(governance_bodies__calls=dossier.call_id, is_active=True)
    return sorted(set(users.values_list("email", flat=True)))


def render_email(template, context):
    """Render subject, text and HTML bodies of ``notifications/email/<template>.*``,
    in French whatever the language of the request that caused them, with French
    typography (``config.typography``)."""
    with translation.override(settings.LANGUAGE_CODE):
        base = f"notifications/email/{template}"
        subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    return (
        typography.french(subject),
        typography.french(text),
        typography.html(html, settings.LANGUAGE_CODE),
    )


def record_transition(dossier, log):
    """Write the outbox rows of a transition, in the caller's transaction, and arrange
    for their sending after commit."""
    if log.transition == "notify":
        released = list(
            OutboundEmail.objects.filter(
                application=dossier, category=Category.DECISION, status=Status.HELD
            ).values_list("pk", flat=True)
        )
        if released:
            OutboundEmail.objects.filter(pk__in=released).update(
                status=Status.PENDING, next_attempt_at=None
            )
            enqueue_on_commit(released)
        Letter.objects.filter(
            application=dossier, category=Category.DECISION, status=Letter.Status.HELD
        ).update(status=Letter.Status.TO_POST)
        return released
    if log.transition == "reopen":
        cancel_decision_emails(dossier)
        return []
    spec = TRANSITION_EMAILS.get(log.transition)
    if spec is None:
        return []
    template, category, audience = spec
    recipients = _recipients(dossier, audience)
    if audience == "applicants" and not recipients:
        # No email address at all: the organisation gets a letter to post.
        return queue_letter(
            template=template,
            dossier=dossier,
            context={"log": log},
            key=f"log-{log.pk}",
            transition_log=log,
            event=log.transition,
            category=category,
            held=category == Category.DECISION,
        )
    return queue_email(
        template=template,
        recipients=recipients,
        context={"log": log},
        key=f"log-{log.pk}",
        application=dossier,
        transition_log=log,
        event=log.transition,
        category=category,
        held=category == Category.DECISION,
    )


def queue_email(
    *,
    template,
    recipients,
    context,
    key,
    application=None,
    transition_log=None,
    event="",
    category=Category.INFO,
    held=False,
    attach_decision_letter=None,
):
    """Write one outbox row per recipient from ``notifications/email/<template>.*`` and,
    unless ``held``, send them after commit. ``key`` makes the rows idempotent: a row
    whose key (``<key>:<recipient>``) exists already is not written again.

    Decision emails (``category=DECISION``) carry the dossier's decision letter in PDF,
    rendered when the email is sent, unless ``attach_decision_letter`` says otherwise.

    Returns the ids of the rows written."""
    if attach_decision_letter is None:
        attach_decision_letter = category == Category.DECISION and application is not None
    recipients = sorted(set(recipients))
    if not recipients:
        return []
    keys = {recipient: f"{key}:{recipient}" for recipient in recipients}
    existing = (
        set(
            OutboundEmail.objects.filter(idempotency_key__in=keys.values()).values_list(
                "idempotency_key", flat=True
            )
        )
        if transition_log is None
        else set()
    )  # a new log row has no email yet
    recipients = [r for r in recipients if keys[r] not in existing]
    if not recipients:
        return []
    full_context = {"site_url": settings.SITE_URL, **context}
    if application is not None:
        full_context.setdefault("dossier", application)
        full_context.setdefault("call", application.call)
    subject, text, html = render_email(template, full_context)
    status = Status.HELD if held else Status.PENDING
    rows = OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                application=application,
                transition_log=transition_log,
                event=event or template,
                category=category,
                recipient=recipient,
                subject=subject,
                body_text=text,
                body_html=html,
                idempotency_key=keys[recipient],
                status=status,
                attach_decision_letter=attach_decision_letter,
            )
            for recipient in recipients
        ]
    )
    ids = [row.pk for row in rows if row.pk is not None]
    if len(ids) != len(rows):  # backends that do not return primary keys from bulk_create
        ids = list(
            OutboundEmail.objects.filter(
                idempotency_key__in=[keys[r] for r in recipients]
            ).values_list("pk", flat=True)
        )
    if not held:
        enqueue_on_commit(ids)
    return ids


def cancel_decision_emails(dossier) -> int:
    """Cancel the decision emails of a dossier that have not been sent, and its decision
    letters not posted yet."""
    Letter.objects.filter(
        application=dossier,
        category=Category.DECISION,
        status__in=[Letter.Status.HELD, Letter.Status.TO_POST],
    ).update(status=Letter.Status.CANCELLED)
    return OutboundEmail.objects.filter(
        application=dossier,
        category=Category.DECISION,
        status__in=[Status.HELD, Status.PENDING, Status.FAILED],
    ).update(status=Status.CANCELLED)


# Letters: the correspondence of an organisation without an email address.


def queue_letter(
    *,
    template,
    context,
    key,
    category,
    dossier=None,
    nomination=None,
    transition_log=None,
    event="",
    held=False,
):
    """Write the letter to post that replaces the email ``template`` for an organisation
    without any email address: the same French text, addressed to its postal address.
    The letter is about a dossier (``dossier``) or about a nomination by a third party
    that is not a dossier yet (``nomination``), never both. A decision letter waits
    (held) until the decision is notified. Returns its id in a list (none when a letter
    with this key exists already)."""
    if (dossier is None) == (nomination is None):
        raise ValueError("A letter is about a dossier or about a nomination.")
    if Letter.objects.filter(idempotency_key=key).exists():
        return []
    about = dossier if dossier is not None else nomination
    full_context = {
        "site_url": settings.SITE_URL,
        "call": about.call,
        "by_post": True,
        **context,
    }
    if dossier is not None:
        full_context["dossier"] = dossier
    else:
        full_context["nomination"] = nomination
    with translation.override(settings.LANGUAGE_CODE):
        base = f"notifications/email/{template}"
        subject = " ".join(render_to_string(f"{base}.subject.txt", full_context).split())
        text = render_to_string(f"{base}.txt", full_context)
    letter = Letter.objects.create(
        application=dossier,
        nomination=nomination,
        transition_log=transition_log,
        event=event or template,
        category=category,
        recipient_name=about.organization.name,
        recipient_address=about.organization.address,
        subject=typography.french(subject),
        body_text=typography.french(text.strip()),
        idempotency_key=key,
        status=Letter.Status.HELD if held else Letter.Status.TO_POST,
    )
    return [letter.pk]


def mark_letter_posted(letter, user) -> Letter:
    """Record that a letter was printed and posted (audit trail). Refused when it is not
    waiting to be posted (posted meanwhile, held or cancelled)."""
    with transaction.atomic():
        updated = Letter.objects.filter(pk=letter.pk, status=Letter.Status.TO_POST).update(
            status=Letter.Status.POSTED, posted_at=timezone.now(), posted_by=user
        )
        if not updated:
            raise OutboxError(
                _("This letter is no longer waiting to be posted; nothing was changed.")
            )
        letter.refresh_from_db()
        data = {"letter": letter.pk, "subject": letter.subject}
        if letter.nomination_id:
            data["nomination"] = letter.nomination_id
        record_event(
            "letter.posted",
            actor=user,
            application=letter.application,
            call=letter.call,
            data=data,
        )
    return letter


# Review of the held decision emails (the outbox page).


class OutboxError(TransitionError):
    """An outbox action that could not be carried out; nothing was changed."""

    code = "outbox"


NOT_HELD = _(
    "This email is no longer waiting for review (it was sent or cancelled meanwhile); "
    "nothing was changed."
)


def render_edited_html(email: OutboundEmail, body_text: str) -> str:
    """The HTML body of an edited email: the edited text, escaped, in paragraphs, under
    the City's heading. The original HTML is not kept, so that what is sent in HTML
    is exactly what the administrator wrote."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "notifications/email/edited.html",
            {"subject": email.subject, "body_text": body_text, "dossier": email.application},
        )
    return typography.html(html, settings.LANGUAGE_CODE)


EDITED_MEANWHILE = _(
    "This email was changed by someone else while you were editing it; nothing was changed."
)


def content_digest(email: OutboundEmail) -> str:
    """A short fingerprint of the subject and text of an email, carried by its edit
    form so that an edit made meanwhile by someone else is not overwritten."""
    text = f"{email.subject}\0{email.body_text}".encode()
    return hashlib.sha256(text).hexdigest()[:16]


def edit_email(
    email: OutboundEmail, *, subject: str, body_text: str, editor, expected_digest=None
) -> OutboundEmail:
    """Change the subject and text of a held email before it is sent; the HTML body is
    re-generated from the text. Refused once the email left the review (sent, being
    sent, cancelled), and, when ``expected_digest`` is given, when its subject or text
    changed since the form was opened (``content_digest``). Returns the email as saved."""
    subject = typography.french(" ".join((subject or "").split()))
    body_text = typography.french((body_text or "").replace("\r\n", "\n").strip())
    if not subject:
        raise OutboxError(_("Give the subject of the email."), field="subject")
    if len(subject) > OutboundEmail._meta.get_field("subject").max_length:
        raise OutboxError(_("The subject is too long."), field="subject")
    if not body_text:
        raise OutboxError(_("Give the text of the email."), field="body_text")
    email.subject = subject
    html = render_edited_html(email, body_text)
    with transaction.atomic():
        if expected_digest is not None:
            current = OutboundEmail.objects.select_for_update().filter(pk=email.pk).first()
            if current is not None and current.status == Status.HELD:
                if content_digest(current) != expected_digest:
                    raise OutboxError(EDITED_MEANWHILE)
        # Conditional update: an email sent or cancelled meanwhile is left alone.
        updated = OutboundEmail.objects.filter(pk=email.pk, status=Status.HELD).update(
            subject=subject, body_text=body_text + "\n", body_html=html, edited_by=editor
        )
        if not updated:
            raise OutboxError(NOT_HELD)
        record_event(
            "outbox.email_edited",
            actor=editor,
            application=email.application,
            data={"email": email.pk, "recipient": email.recipient, "subject": subject},
        )
    return OutboundEmail.objects.get(pk=email.pk)


def cancel_email(email: OutboundEmail, actor) -> None:
    """Cancel a held email: it will never be sent (notifying its dossier skips it)."""
    with transaction.atomic():
        updated = OutboundEmail.objects.filter(pk=email.pk, status=Status.HELD).update(
            status=Status.CANCELLED
        )
        if not updated:
            raise OutboxError(NOT_HELD)
        record_event(
            "outbox.email_cancelled",
            actor=actor,
            application=email.application,
            data={"email": email.pk, "recipient": email.recipient, "subject": email.subject},
        )
    logger.info("Email %s cancelled by user %s", email.pk, getattr(actor, "pk", None))


def held_emails(call_id=None):
    """Decision emails waiting for review, grouped by dossier (reference order); of one
    call's dossiers when ``call_id`` is given."""
    emails = OutboundEmail.objects.filter(status=Status.HELD)
    if call_id is not None:
        emails = emails.filter(application__call_id=call_id)
    return emails.select_related(
        "application__call", "application__organization", "edited_by"
    ).order_by("application__reference", "application_id", "recipient", "pk")


# Failed emails: counted for the warning of every administrator's page, resent one by
# one or all at once.


def failing_count() -> int:
    """How many emails could not be sent (attempts spent). One COUNT on the indexed
    status column: it runs on every page an administrator sees."""
    return OutboundEmail.objects.filter(status=Status.FAILED).count()


NOT_FAILED = _(
    "This email is not failing any more (it was sent, resent or cancelled meanwhile); "
    "nothing was changed."
)


def resend_email(email: OutboundEmail, actor) -> None:
    """Put a failed email back on its way: a new round of attempts, sent after commit.
    Recorded in the audit trail. Refused for an email that is not failing."""
    with transaction.atomic():
        updated = OutboundEmail.objects.filter(pk=email.pk, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=None
        )
        if not updated:
            raise OutboxError(NOT_FAILED)
        record_event(
            "outbox.email_resent",
            actor=actor,
            application=email.application,
            data={"email": email.pk, "recipient": email.recipient, "subject": email.subject},
        )
        enqueue_on_commit([email.pk])
    logger.info("Email %s resent by user %s", email.pk, getattr(actor, "pk", None))


def resend_failed(actor) -> int:
    """Resend every failed email, in one transaction; one audit row per email. Returns
    how many were put back on their way."""
    with transaction.atomic():
        emails = list(
            OutboundEmail.objects.select_for_update(of=("self",))
            .filter(status=Status.FAILED)
            .select_related("application__call")
            .order_by("pk")
        )
        if not emails:
            return 0
        ids = [email.pk for email in emails]
        OutboundEmail.objects.filter(pk__in=ids, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=None
        )
        for email in emails:
            record_event(
                "outbox.email_resent",
                actor=actor,
                application=email.application,
                data={
                    "email": email.pk,
                    "recipient": email.recipient,
                    "subject": email.subject,
                    "bulk": True,
                },
            )
        enqueue_on_commit(ids)
    logger.info("%s failed emails resent by user %s", len(ids), getattr(actor, "pk", None))
    return len(ids)


# The reopened decisions (a warning on the decision and outbox pages).


@dataclass(frozen=True)
class ReopenWarning:
    dossier: object
    reopened_at: object
    reason: str
    actor: object
    cancelled: int  # decision emails cancelled by the reopening


def reopen_warnings(*, call=None, dossier_ids=None) -> list[ReopenWarning]:
    """Dossiers not yet notified whose last reopening cancelled decision emails that had
    not been sent. Two queries."""
    logs = TransitionLog.objects.filter(
        transition="reopen",
        application__state__in=[
            DossierState.AWAITING_DECISION,
            DossierState.SELECTED,
            DossierState.NOT_SELECTED,
            DossierState.INELIGIBLE,
        ],
    ).select_related("application", "actor")
    if call is not None:
        logs = logs.filter(application__call=call)
    if dossier_ids is not None:
        logs = logs.filter(application_id__in=list(dossier_ids))
    latest = {}
    for log in logs.order_by("at", "pk"):
        latest[log.application_id] = log
    if not latest:
        return []
    cancelled = {}
    rows = (
        OutboundEmail.objects.filter(
            application_id__in=list(latest),
            category=Category.DECISION,
            status=Status.CANCELLED,
        )
        .values_list("application_id", "created_at")
        .order_by()
    )
    for application_id, created_at in rows:
        if created_at <= latest[application_id].at:
            cancelled[application_id] = cancelled.get(application_id, 0) + 1
    return [
        ReopenWarning(log.application, log.at, log.reason, log.actor, cancelled[pk])
        for pk, log in sorted(latest.items(), key=lambda item: item[1].application.reference)
        if cancelled.get(pk)
    ]


# Delivery statuses reported by the email provider (tracking webhooks).


def record_delivery_event(
    *, message_id, event_type, at=None, detail="", provider="", event_id="", raw=None
) -> int:
    """Store what the provider reports about the email it knows as ``message_id``:
    every event is kept (``DeliveryEvent``, once per provider event id), and the
    outbox row shows the worst status seen (``DELIVERY_SEVERITY``) with its time and
    reason, so a later "opened" never hides an earlier bounce or complaint. Returns
    the number of outbox rows updated (0 for an email that is not ours, or for an
    event already received)."""
    if not message_id or not event_type:
        return 0
    at = at or timezone.now()
    event_type = str(event_type)[:30]
    detail = (detail or "").strip()[:2000]
    event_id = str(event_id or "")[:255]
    updated = 0
    for email in OutboundEmail.objects.filter(provider_message_id=str(message_id)):
        with transaction.atomic():
            if (
                event_id
                and DeliveryEvent.objects.filter(
                    provider=provider, provider_event_id=event_id
                ).exists()
            ):
                continue
            try:
                with transaction.atomic():
                    DeliveryEvent.objects.create(
                        email=email,
                        provider=provider[:30],
                        provider_event_id=event_id,
                        event_type=event_type,
                        at=at,
                        reason=detail,
                        raw=raw or {},
                    )
            except IntegrityError:  # the same event, posted twice at the same moment
                continue
            worst = min(
                email.delivery_events.order_by("-at", "-pk"),
                key=lambda event: delivery_rank(event.event_type),
            )
            updated += OutboundEmail.objects.filter(pk=email.pk).update(
                delivery_status=worst.event_type,
                delivery_updated_at=worst.at,
                delivery_detail=worst.reason,
            )
    return updated
