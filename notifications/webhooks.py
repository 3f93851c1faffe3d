"""Delivery statuses from the email provider, through anymail's tracking webhooks.

Brevo and Mailjet post their events to anymail's views (``notifications/urls.py``),
which check the HTTP basic authentication of ``ANYMAIL["WEBHOOK_SECRET"]`` (set in the
provider's webhook URL: ``https://user:password@host/anymail/brevo/tracking/``) and
send anymail's ``tracking`` signal with a normalised event. The receiver below stores
the event on the outbox row the provider knows by its message id.

Without a configured secret the webhooks answer 404: anymail would otherwise accept
anyone's posts (with a mere warning).
"""

import hashlib
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


RAW_FIELDS = (
    "event",
    "hard_bounce",
    "error_related_to",
    "error",
    "comment",
    "source",
    "reason",
    "smtp_response",
    "time",
    "ts_epoch",
    "date",
    "id",
)


def _esp_fields(event) -> dict:
    esp_event = getattr(event, "esp_event", None)
    if not isinstance(esp_event, dict):
        return {}
    return {key: esp_event[key] for key in RAW_FIELDS if key in esp_event}


def event_type_of(event, raw) -> str:
    """Anymail's event type, with a soft bounce told apart from a hard one: Mailjet
    says so in ``hard_bounce``, Brevo by its ``soft_bounce`` event."""
    event_type = str(event.event_type or "")
    if event_type == "bounced" and (
        raw.get("hard_bounce") is False or raw.get("event") == "soft_bounce"
    ):
        return "bounced_soft"
    return event_type


def reason_of(event, raw) -> str:
    """What the provider or the receiving server said; Mailjet's reason is in its own
    fields (``error_related_to``, ``error``, ``comment``)."""
    parts = [
        str(event.reject_reason or ""),
        ": ".join(str(raw[key]) for key in ("error_related_to", "error") if raw.get(key)),
        str(event.mta_response or "").strip(),
        str(event.description or "").strip(),
        str(raw.get("comment") or "").strip(),
    ]
    seen = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return " ".join(seen)


def event_id_of(event, esp_name, event_type, reason) -> str:
    """The provider's event id, or (Mailjet gives none) a fingerprint of what the
    event says, so that a webhook posted again is not stored twice."""
    if event.event_id:
        return str(event.event_id)
    timestamp = event.timestamp.isoformat() if event.timestamp else ""
    text = "|".join((str(esp_name), str(event.message_id), event_type, timestamp, reason))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def on_tracking_event(sender, event, esp_name, **kwargs):
    """Receiver of ``anymail.signals.tracking``: store the event and update the
    email's delivery status (the worst seen)."""
    raw = _esp_fields(event)
    event_type = event_type_of(event, raw)
    reason = reason_of(event, raw)
    services.record_delivery_event(
        message_id=event.message_id,
        event_type=event_type,
        at=event.timestamp,
        detail=reason,
        provider=str(esp_name or ""),
        event_id=event_id_of(event, esp_name, event_type, reason),
        raw={key: str(value) for key, value in raw.items()},
    )


def connect():
    from anymail.signals import tracking

    tracking.connect(on_tracking_event, dispatch_uid="notifications.on_tracking_event")
