"""The states of a dossier, shared by the models and the flow classes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INCOMPLETE = "incomplete", _("To be completed")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    IN_CONSULTATION = "in_consultation", _("Opinions of the governance bodies")
    IN_JURY = "in_jury", _("With the jury")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    NOTIFIED = "notified", _("Decision notified")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISCARDED = "discarded", _("Discarded draft")


TERMINAL_STATES = {DossierState.NOTIFIED, DossierState.WITHDRAWN, DossierState.DISCARDED}
DECIDED_STATES = {DossierState.SELECTED, DossierState.NOT_SELECTED, DossierState.INELIGIBLE}
