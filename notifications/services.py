"""The outbox: emails are written in the transaction of the change that causes them and
sent after commit by a task. Nothing is sent for a rolled-back change, nothing twice,
nothing lost when the provider is down (retries with back-off, then a visible failure,
and a sweep for rows whose task was lost)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail

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
}


def _recipients(dossier, audience):
    from accounts.models import User

    if audience == "applicants":
        users = User.objects.filter(
            memberships__organization_id=dossier.organization_id, is_active=True
        )
    else:
        users = User.objects.filter(governance_bodies__calls=dossier.call_id, is_active=True)
    return sorted(set(users.values_list("email", flat=True)))


def render_email(template, context):
    """Render subject, text and HTML bodies of ``notifications/email/<template>.*``,
    in French whatever the language of the request that caused them."""
    with translation.override(settings.LANGUAGE_CODE):
        base = f"notifications/email/{template}"
        subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    return subject, text, html


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
        return released
    if log.transition == "reopen":
        cancel_decision_emails(dossier)
        return []
    spec = TRANSITION_EMAILS.get(log.transition)
    if spec is None:
        return []
    template, category, audience = spec
    return queue_email(
        template=template,
        recipients=_recipients(dossier, audience),
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
):
    """Write one outbox row per recipient from ``notifications/email/<template>.*`` and,
    unless ``held``, send them after commit. ``key`` makes the rows idempotent: a row
    whose key (``<key>:<recipient>``) exists already is not written again.

    Returns the ids of the rows written."""
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
    """Cancel the decision emails of a dossier that have not been sent."""
    return OutboundEmail.objects.filter(
        application=dossier,
        category=Category.DECISION,
        status__in=[Status.HELD, Status.PENDING, Status.FAILED],
    ).update(status=Status.CANCELLED)


def enqueue_on_commit(ids):
    from .tasks import deliver_emails

    ids = list(ids)
    transaction.on_commit(lambda: deliver_emails.enqueue(ids))


def _claim(email_id) -> bool:
    """Take a pending row for sending. The conditional UPDATE makes two workers (or
    two deliveries of the same task) race for it: exactly one wins."""
    now = timezone.now()
    return bool(
        OutboundEmail.objects.filter(pk=email_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now)
    )


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={"X-Idempotency-Key": email.idempotency_key},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def deliver(email_id) -> str:
    """Send one outbox row if it is due and nobody else is sending it.

    Returns the row's status afterwards. A provider failure schedules a retry with
    exponential back-off; after ``OUTBOX_MAX_ATTEMPTS`` the row is marked failed with
    the error, visible to administrators."""
    if not _claim(email_id):
        return OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first()
    email = OutboundEmail.objects.get(pk=email_id)
    message = build_message(email)
    try:
        message.send(using="default")
    except Exception as error:  # any provider or network failure
        attempts = email.attempts + 1
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            status, next_at = Status.FAILED, None
        else:
            delay = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
            status, next_at = Status.PENDING, timezone.now() + timedelta(seconds=delay)
        OutboundEmail.objects.filter(pk=email_id).update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("Email %s not sent (attempt %s): %s", email_id, attempts, error)
        if status == Status.PENDING:
            _schedule_retry(email_id, next_at)
        return status
    anymail_status = getattr(message, "anymail_status", None)
    OutboundEmail.objects.filter(pk=email_id).update(
        status=Status.SENT,
        attempts=email.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
        provider_message_id=_message_id(anymail_status)[:255],
        delivery_status=(
            ",".join(sorted(anymail_status.status))
            if anymail_status and anymail_status.status
            else ""
        )[:30],
    )
    return Status.SENT


def _message_id(anymail_status) -> str:
    """The provider's message id as text. Anymail gives a string, a set of strings when
    recipients got different ids, or None; some backends (anymail's test backend) give
    an integer."""
    message_id = getattr(anymail_status, "message_id", None)
    if message_id is None:
        return ""
    if isinstance(message_id, set):
        return ",".join(sorted(str(part) for part in message_id))
    return str(message_id)


def _schedule_retry(email_id, run_after):
    from .tasks import deliver_emails

    if deliver_emails.get_backend().supports_defer:
        deliver_emails.using(run_after=run_after).enqueue([email_id])
    # Otherwise (the Immediate backend) the sweep picks the row up once it is due.


def due_emails():
    """Rows that should be (re)sent now: pending and due, or stuck in 'sending' after
    a crash (their task was lost)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    return OutboundEmail.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__isnull=True)
        | Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lt=stale)
    )


def sweep() -> int:
    """Re-queue the due rows whose task was lost. Returns how many were re-queued."""
    from .tasks import deliver_emails

    stale = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.PENDING
    )
    ids = list(due_emails().values_list("pk", flat=True))
    if ids:
        deliver_emails.enqueue(ids)
    return len(ids)
