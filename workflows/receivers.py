"""What the engine does on the events of ``accounts.signals`` (connected by
``WorkflowsConfig.ready``): access changes go to the audit trail, the invitation and
account emails to the outbox. accounts itself imports no other app."""

import uuid

from accounts.signals import access_changed, account_email_rendered, invitation_created
from config import typography
from notifications import services as outbox
from notifications.models import OutboundEmail

from .audit import record_event


def record_access_change(sender, *, event, actor, subject_user, data, **kwargs):
    record_event(event, actor=actor, subject_user=subject_user, data=data)


def queue_invitation_email(
    sender, *, invitation, inviter, accept_url, expires_at, inviter_email="", **kwargs
):
    outbox.queue_email(
        template="invitation",
        recipients=[invitation.email],
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter": inviter,
            "inviter_email": inviter_email or (inviter.email if inviter else ""),
            "accept_url": accept_url,
            "expires_at": expires_at,
        },
        key=f"invitation-{invitation.pk}",
        application=None,
        event="invitation",
    )


def queue_account_email(sender, *, message, template_prefix, **kwargs) -> list[int]:
    """Write an email rendered by django-allauth to the outbox, one row per recipient,
    and send it after commit with the product's mailer, retries included."""
    event = f"account_{template_prefix.rsplit('/', 1)[-1]}"[:40]
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    batch = uuid.uuid4().hex
    rows = [
        OutboundEmail.objects.create(
            event=event,
            category=OutboundEmail.Category.INFO,
            recipient=recipient,
            subject=typography.for_language(message.subject)[:255],
            body_text=typography.for_language(message.body),
            body_html=typography.html(html),
            idempotency_key=f"account-{batch}:{recipient}"[:200],
            status=OutboundEmail.Status.PENDING,
        )
        for recipient in sorted(set(message.to))
    ]
    ids = [row.pk for row in rows]
    outbox.enqueue_on_commit(ids)
    return ids


def connect() -> None:
    access_changed.connect(record_access_change, dispatch_uid="workflows.access_changed")
    invitation_created.connect(queue_invitation_email, dispatch_uid="workflows.invitation")
    account_email_rendered.connect(queue_account_email, dispatch_uid="workflows.account_email")
