"""The states of a dossier, shared by the models and the flow classes."""

from typing import NamedTuple

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


class WhoActs(models.TextChoices):
    """Who acts next on a dossier, in plain words."""

    APPLICANT = "applicant", _("The applicant organisation")
    CITY = "city", _("The City services")
    GOVERNANCE = "governance", _("The governance bodies")
    JURY = "jury", _("The jury")
    NOBODY = "nobody", _("Nobody: the procedure is over")


class StateWords(NamedTuple):
    sentence: str  # what the state means
    next_step: str  # what happens next
    who: WhoActs  # who acts next


# Each state in plain words for the people who follow a dossier: what it means,
# what happens next, and who acts. Pages show the state a user may see (an applicant
# sees a decision only once it is notified: see calls.selectors.shown_state).
PLAIN_WORDS = {
    DossierState.DRAFT: StateWords(
        _("The dossier is a draft: it has not been sent to the City yet."),
        _("Complete the dossier and submit it before the call closes."),
        WhoActs.APPLICANT,
    ),
    DossierState.SUBMITTED: StateWords(
        _("The dossier has been submitted: the City services are examining it."),
        _("The City services check that the dossier is complete and eligible."),
        WhoActs.CITY,
    ),
    DossierState.INCOMPLETE: StateWords(
        _("The City services ask for the dossier to be completed."),
        _("Add or correct what is asked, then send the dossier again."),
        WhoActs.APPLICANT,
    ),
    DossierState.ELIGIBLE: StateWords(
        _("The dossier is eligible: it will be examined on its merits."),
        _("The City services send it to the governance bodies, the jury or to the decision."),
        WhoActs.CITY,
    ),
    DossierState.INELIGIBLE: StateWords(
        _("The dossier has been declared ineligible; the decision is not notified yet."),
        _("The City notifies the decision by email."),
        WhoActs.CITY,
    ),
    DossierState.IN_CONSULTATION: StateWords(
        _("The governance bodies are giving their opinion on the dossier."),
        _("Once the opinions are given, the dossier goes to the jury or to the decision."),
        WhoActs.GOVERNANCE,
    ),
    DossierState.IN_JURY: StateWords(
        _("The jury is examining and scoring the dossier."),
        _("Once the jury has scored it, the City decides."),
        WhoActs.JURY,
    ),
    DossierState.AWAITING_DECISION: StateWords(
        _("The examination is over: the dossier is awaiting the City's decision."),
        _("The City decides and notifies the decision by email."),
        WhoActs.CITY,
    ),
    DossierState.SELECTED: StateWords(
        _("The dossier has been selected; the decision is not notified yet."),
        _("The City notifies the decision by email."),
        WhoActs.CITY,
    ),
    DossierState.NOT_SELECTED: StateWords(
        _("The dossier has not been selected; the decision is not notified yet."),
        _("The City notifies the decision by email."),
        WhoActs.CITY,
    ),
    DossierState.NOTIFIED: StateWords(
        _("The decision has been notified."),
        _("Nothing more: the decision and its letter are on the dossier page."),
        WhoActs.NOBODY,
    ),
    DossierState.WITHDRAWN: StateWords(
        _("The dossier has been withdrawn by the applicant."),
        _("Nothing more: the dossier will not be examined."),
        WhoActs.NOBODY,
    ),
    DossierState.DISCARDED: StateWords(
        _("The draft has been discarded."),
        _("Nothing more: the draft was never sent."),
        WhoActs.NOBODY,
    ),
}
