"""Sending one outbox row: claim it, build the message (with its stable Message-ID and,
for a decision, the decision letter), hand it to the mailer, record the outcome.

This module knows nothing of tasks: ``notifications.tasks`` calls it and schedules what
comes next (retries, the sweep)."""

import hashlib
import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from .letters import letter_filename, render_decision_letter
from .models import OutboundEmail

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

SECRET_EVENT_PREFIX = "account_"
SECRET_BODY_PLACEHOLDER = (
    "[Contenu effacé après l'envoi : ce courriel contenait un lien personnel.]"
)


def _claim(email_id) -> bool:
    """Take a pending row for sending. The conditional UPDATE makes two workers (or
    two deliveries of the same task) race for it: exactly one wins."""
    now = timezone.now()
    return bool(
        OutboundEmail.objects.filter(pk=email_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now)
    )


def message_id_for(email: OutboundEmail) -> str:
    """The Message-ID of an outbox row: the same on every attempt (it is derived from the
    row and its idempotency key), so that a provider or an SMTP relay that accepted a
    message whose acknowledgement was lost can recognise the retry as a duplicate."""
    key = hashlib.sha256(f"{email.pk}:{email.idempotency_key}".encode()).hexdigest()[:20]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{email.pk}.{key}@{domain}>"


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={
            "X-Idempotency-Key": email.idempotency_key,
            "Message-ID": message_id_for(email),
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if email.attach_decision_letter and email.application_id:
        dossier = email.application
        message.attach(letter_filename(dossier), render_decision_letter(dossier), "application/pdf")
    return message


def deliver(email_id) -> str:
    """Send one outbox row if it is due and nobody else is sending it.

    Returns the row's status afterwards. A provider failure schedules a retry with
    exponential back-off (``next_attempt_at``; ``notifications.tasks`` enqueues it);
    after ``OUTBOX_MAX_ATTEMPTS`` the row is marked failed with the error, visible to
    administrators, and stays retriable: the sweep tries it again every
    ``OUTBOX_FAILED_RETRY_SECONDS`` and an administrator may resend it at any time."""
    if not _claim(email_id):
        return OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first()
    email = OutboundEmail.objects.select_related(
        "application__call", "application__organization"
    ).get(pk=email_id)
    try:
        message = build_message(email)  # renders the decision letter, which may fail too
        message.send(using="default")
    except Exception as error:  # any provider, network or rendering failure
        attempts = email.attempts + 1
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            status = Status.FAILED
            next_at = timezone.now() + timedelta(seconds=settings.OUTBOX_FAILED_RETRY_SECONDS)
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
        return status
    anymail_status = getattr(message, "anymail_status", None)
    secret = {}
    if email.event.startswith(SECRET_EVENT_PREFIX):
        # Account emails carry one-time links (verification, password reset): once
        # sent, their bodies are not kept where the outbox pages or the admin show them.
        secret = {"body_text": SECRET_BODY_PLACEHOLDER, "body_html": ""}
    OutboundEmail.objects.filter(pk=email_id).update(
        **secret,
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


def due_emails():
    """Rows that should be (re)sent now: pending and due, or stuck in 'sending' after
    a crash (their task was lost). Failed rows are put back to pending first
    (``revive_failed``)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    return OutboundEmail.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__isnull=True)
        | Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lt=stale)
    )


def release_stuck() -> int:
    """Put back to pending the rows left 'sending' longer than
    ``OUTBOX_STALE_SENDING_SECONDS`` (their worker died). Returns how many."""
    stale = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    return OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.PENDING
    )


def revive_failed(*, due_only=True) -> int:
    """Put failed rows back to pending, for one more round of attempts: those whose
    next retry is due (the sweep), or all of them (``due_only=False``: the
    ``requeue_outbox`` command). Returns how many."""
    failed = OutboundEmail.objects.filter(status=Status.FAILED)
    if due_only:
        failed = failed.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
        )
    return failed.update(status=Status.PENDING, attempts=0, next_attempt_at=None)
