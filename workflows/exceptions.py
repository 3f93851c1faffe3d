"""Typed errors of the transition service. Each carries a message for the user."""

from django.utils.translation import gettext_lazy as _


class TransitionError(Exception):
    """Base class: the transition did not happen; nothing was changed."""

    default_message = _("This action could not be carried out.")
    code = "transition_error"

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class StaleDossier(TransitionError):
    default_message = _(
        "This dossier changed meanwhile (someone else acted on it). Reload the page to see "
        "its current state; nothing was changed."
    )
    code = "stale"


class TransitionNotPermitted(TransitionError):
    default_message = _("You are not allowed to do this on this dossier.")
    code = "forbidden"


class InvalidSourceState(TransitionError):
    default_message = _("This action is not possible in the dossier's current state.")
    code = "invalid_state"


class UnknownTransition(TransitionError):
    default_message = _("Unknown action.")
    code = "unknown_transition"


class ConditionNotMet(TransitionError):
    code = "condition"


class QuotaExceeded(ConditionNotMet):
    code = "quota"


class InvalidTransitionData(TransitionError):
    """A field sent with the transition (reason, amount...) is missing or wrong."""

    code = "invalid_data"
