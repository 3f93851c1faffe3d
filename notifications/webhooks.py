"""Delivery statuses from the email provider, through anymail's tracking webhooks.

Brevo and Mailjet post their events to anymail's views (``notifications/urls.py``),
which check the HTTP basic authentication of ``ANYMAIL["WEBHOOK_SECRET"]`` (set in the
provider's webhook URL: ``https://user:password@host/anymail/brevo/tracking/``) and
send anymail's ``tracking`` signal with a normalised event. The receiver below stores
the event on the outbox row the provider knows by its message id.

Without a configured secret the webhooks answer 404: anymail would otherwise accept
anyone's posts (with a mere warning).
"""

from functools import wraps

from django.conf import settings
from django.http import Http404

from . import services


def webhook_secret_configured() -> bool:
    return bool((getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"))


def secured(view):
    """Serve an anymail webhook view only when its basic authentication is configured."""

    @wraps(view)  # keeps anymail's csrf_exempt and login_not_required marks
    def wrapper(request, *args, **kwargs):
        if not webhook_secret_configured():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def on_tracking_event(sender, event, esp_name, **kwargs):
    """Receiver of ``anymail.signals.tracking``: update the email's delivery status."""
    detail = " ".join(
        part
        for part in (
            str(event.reject_reason or ""),
            str(event.mta_response or "").strip(),
            str(event.description or "").strip(),
        )
        if part
    )
    services.record_delivery_event(
        message_id=event.message_id,
        event_type=event.event_type,
        at=event.timestamp,
        detail=detail,
    )


def connect():
    from anymail.signals import tracking

    tracking.connect(on_tracking_event, dispatch_uid="notifications.on_tracking_event")
