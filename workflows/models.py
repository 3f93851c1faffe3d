from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from .states import DossierState


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk rewrites and erasures of an append-only table."""

    def update(self, **kwargs):
        raise TypeError(self.model.append_only_message)

    def delete(self):
        raise TypeError(self.model.append_only_message)


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it raises ``TypeError``.
    Subclasses set ``append_only_message`` and ``base_manager_name = "objects"`` so that
    related managers and internal reloads use the append-only manager too."""

    append_only_message = "This table is append-only."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(self.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(self.append_only_message)


class TransitionLog(AppendOnlyModel):
    """One row per state change of a dossier: the audit trail. Append-only."""

    application = models.ForeignKey(
        "calls.Application", on_delete=models.PROTECT, related_name="transition_logs"
    )
    transition = models.CharField(_("transition"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, choices=DossierState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=DossierState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    append_only_message = "The transition log is append-only."

    class Meta:
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        # Related managers and internal reloads use the append-only manager too.
        base_manager_name = "objects"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self):
        return f"{self.application_id}: {self.from_state} → {self.to_state}"


class AuditEvent(AppendOnlyModel):
    """A staff or system action that is not a state change (assignment, conflict, opinion,
    checklist saved, held email edited, publication, role change...). Append-only, like
    the transition log; written by ``workflows.audit.record_event`` only."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    event = models.CharField(_("event"), max_length=60, db_index=True)
    application = models.ForeignKey(
        "calls.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("dossier"),
    )
    call = models.ForeignKey(
        "calls.Call",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("call"),
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    append_only_message = "The audit trail is append-only."

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        base_manager_name = "objects"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["application", "at"]),
            models.Index(fields=["call", "at"]),
        ]

    def __str__(self):
        return f"{self.event} ({self.at:%Y-%m-%d %H:%M})"
