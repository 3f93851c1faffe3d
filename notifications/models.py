from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Delivery statuses (anymail's normalised event types) that administrators must see:
# the email did not reach its recipient, or the recipient reported it as spam.
PROBLEM_DELIVERY_STATUSES = frozenset(
    {"bounced", "bounced_soft", "rejected", "failed", "complained"}
)

# Every delivery status, worst first. The outbox shows the worst problem seen (the
# statuses of PROBLEM_DELIVERY_STATUSES, in this order), so that a later "opened" never
# hides an earlier complaint or bounce; without a problem it shows the latest event
# (a "delivered" after a "deferred", an "opened" after a "delivered"). "bounced_soft"
# is a temporary bounce, told apart from the permanent "bounced".
DELIVERY_SEVERITY = (
    "complained",
    "bounced",
    "rejected",
    "failed",
    "bounced_soft",
    "deferred",
    "unsubscribed",
    "delivered",
    "clicked",
    "opened",
    "sent",
    "queued",
)

DELIVERY_LABELS = {
    "complained": _("reported as spam"),
    "bounced": _("bounced (permanent)"),
    "bounced_soft": _("bounced (temporary)"),
    "rejected": _("rejected by the provider"),
    "failed": _("failed"),
    "deferred": _("deferred"),
    "unsubscribed": _("unsubscribed"),
    "delivered": _("delivered"),
    "clicked": _("clicked"),
    "opened": _("opened"),
    "sent": _("sent"),
    "queued": _("queued"),
}


def delivery_rank(status: str) -> int:
    """Lower is worse: the problems by severity, then every other status alike (the
    latest of them is shown)."""
    if status in PROBLEM_DELIVERY_STATUSES:
        return DELIVERY_SEVERITY.index(status)
    return len(DELIVERY_SEVERITY)


def delivery_label(status: str) -> str:
    return str(DELIVERY_LABELS.get(status, status))


class OutboundEmail(models.Model):
    """The transactional outbox: written in the transaction of the state change that
    causes it, sent after commit by a task, never twice (``idempotency_key``)."""

    class Status(models.TextChoices):
        HELD = "held", _("Held for review")
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Category(models.TextChoices):
        INFO = "info", _("Information")
        DECISION = "decision", _("Decision")

    application = models.ForeignKey(
        "calls.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    transition_log = models.ForeignKey(
        "workflows.TransitionLog",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emails",
    )
    event = models.CharField(_("event"), max_length=40)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.INFO)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    attach_decision_letter = models.BooleanField(
        _("attach the decision letter (PDF)"), default=False
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who edited the email before sending, if anyone."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    delivery_status = models.CharField(_("delivery status"), max_length=30, blank=True)
    delivery_updated_at = models.DateTimeField(
        _("delivery status updated at"),
        null=True,
        blank=True,
        help_text=_("When the provider reported the delivery status (tracking webhook)."),
    )
    delivery_detail = models.TextField(
        _("delivery detail"),
        blank=True,
        help_text=_("What the provider or the receiving server answered, if anything."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"

    @property
    def delivery_problem(self) -> bool:
        """The provider reported that the email did not reach its recipient."""
        return self.delivery_status in PROBLEM_DELIVERY_STATUSES

    @property
    def delivery_status_label(self) -> str:
        return delivery_label(self.delivery_status)


class DeliveryEvent(models.Model):
    """One event the email provider reported about an outbox email (append-only: every
    event is kept, the outbox row shows the worst)."""

    email = models.ForeignKey(
        OutboundEmail, on_delete=models.CASCADE, related_name="delivery_events"
    )
    provider = models.CharField(_("provider"), max_length=30, blank=True)
    provider_event_id = models.CharField(max_length=255, blank=True)
    event_type = models.CharField(_("event"), max_length=30)
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)
    raw = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=~models.Q(provider_event_id=""),
                name="delivery_event_unique_provider_id",
            )
        ]

    def __str__(self):
        return f"{self.event_type} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return delivery_label(self.event_type)


class Letter(models.Model):
    """A letter to post: what an organisation without an email address receives instead
    of an email (acknowledgement, completion request, decision, a nomination of one of
    its actions). Written in the transaction of the change that causes it, like the
    emails; printed from its PDF and marked as posted by staff (audit trail).

    A letter is about exactly one thing: a dossier (``application``) or a nomination by
    a third party that is not a dossier yet (``nomination``); a check constraint keeps
    it so."""

    class Status(models.TextChoices):
        HELD = "held", _("Held until the decision is notified")
        TO_POST = "to_post", _("To post")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.ForeignKey(
        "calls.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="letters",
    )
    nomination = models.ForeignKey(
        "calls.Nomination",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="letters",
    )
    transition_log = models.ForeignKey(
        "workflows.TransitionLog",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    event = models.CharField(_("event"), max_length=40)
    category = models.CharField(
        max_length=10, choices=OutboundEmail.Category.choices, default=OutboundEmail.Category.INFO
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_address = models.TextField(_("postal address"), blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TO_POST, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(application__isnull=False, nomination__isnull=True)
                    | models.Q(application__isnull=True, nomination__isnull=False)
                ),
                name="letter_about_a_dossier_or_a_nomination",
            )
        ]

    def __str__(self):
        return f"{self.recipient_name}: {self.subject}"

    @property
    def organization(self):
        """The organisation the letter is written to."""
        about = self.application if self.application_id else self.nomination
        return about.organization

    @property
    def call(self):
        about = self.application if self.application_id else self.nomination
        return about.call

    @property
    def reference(self) -> str:
        """What the letter is about, as staff and the letter's footer name it: the
        dossier's reference, or the nomination's number."""
        if self.application_id:
            return self.application.reference
        return _("nomination no. %(number)s") % {"number": self.nomination_id}
