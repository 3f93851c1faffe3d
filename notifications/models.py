from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Delivery statuses (anymail's normalised event types) that administrators must see:
# the email did not reach its recipient, or the recipient reported it as spam.
PROBLEM_DELIVERY_STATUSES = frozenset({"bounced", "rejected", "failed", "complained"})


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
