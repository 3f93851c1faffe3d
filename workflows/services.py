"""The single service that changes the state of a dossier."""

from dataclasses import dataclass

from django.db import transaction
from viewflow.fsm import NoTransition, TransitionConditionsUnmet

from calls.models import Application
from notifications import services as outbox
from reviews import tallies

from . import rules
from .exceptions import (
    ConditionNotMet,
    InvalidSourceState,
    StaleDossier,
    TransitionNotPermitted,
    UnknownTransition,
)
from .flows import flow_class_for, transition_names
from .models import TransitionLog


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str
    needs: tuple  # names of the fields its form asks for


# The fields each transition's form asks for (the flow re-checks them).
TRANSITION_FIELDS = {
    "request_completion": ("reason",),
    "declare_ineligible": ("reason",),
    "withdraw": ("reason",),
    "decline": ("reason",),
    "reopen": ("reason",),
    "close_consultation": ("reason",),
    "select": ("amount", "reason"),
    "open_consultation": ("due_at",),
}
PRIZE_SELECT_FIELDS = ("special_prize", "amount", "reason")


def _lock(dossier):
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "organization")
        .get(pk=dossier.pk)
    )


def perform(dossier, transition: str, actor, *, expected_version=None, **data):
    """Carry out ``transition`` on ``dossier`` on behalf of ``actor``.

    In one database transaction: lock the dossier's row, check that its state is
    still the one the caller saw (else ``StaleDossier``), check the transition
    exists from that state, the actor's permission and the call's conditions, run
    the transition, append the ``TransitionLog`` row and write the outbox rows.
    The emails are sent after commit. Returns the log row.

    The staleness check compares the state of the object passed and, when the caller
    gives it, ``expected_version``: the dossier's version counter its form or API request
    was built from (a dossier that went submitted → incomplete → submitted has the same
    state but another version).

    ``data`` carries what the transition's form sent: ``reason``, ``amount``,
    ``special_prize``, ``checklist``, ``due_at``. Raises a ``TransitionError`` subclass whose
    ``message`` is meant for the user; nothing is changed then.
    """
    seen_state = dossier.state
    if expected_version is not None:
        try:
            expected_version = int(expected_version)
        except (TypeError, ValueError) as error:
            raise StaleDossier() from error
    with transaction.atomic():
        locked = _lock(dossier)
        stale_version = expected_version is not None and locked.version != expected_version
        if locked.state != seen_state or stale_version:
            raise StaleDossier()
        flow_class = flow_class_for(locked)
        if transition not in transition_names(flow_class):
            raise UnknownTransition()
        flow = flow_class(locked, actor=actor, data=data)
        method = getattr(flow, transition)
        if not method.can_proceed(check_conditions=False):
            raise InvalidSourceState()
        if not method.has_perm(actor):
            rules.check_separation_of_duties(actor, locked)
            raise TransitionNotPermitted()
        try:
            method()
        except NoTransition as error:  # pragma: no cover - checked just above
            raise InvalidSourceState() from error
        except TransitionConditionsUnmet as error:
            raise ConditionNotMet(error.unmet_message or None) from error
        locked.version += 1
        locked.save()
        log = TransitionLog.objects.create(
            application=locked,
            transition=transition,
            from_state=seen_state,
            to_state=locked.state,
            actor=actor,
            reason=flow.reason,
            data=_log_data(flow, data),
        )
        outbox.record_transition(locked, log)
        tallies.state_changed(locked, seen_state, locked.state)
    dossier._set_state(locked.state)
    dossier.version = locked.version
    return log


def _log_data(flow, data):
    logged = {key: data[key] for key in ("amount", "special_prize", "checklist") if data.get(key)}
    if flow.dossier.consultation_due_at and "due_at" in data:
        logged["due_at"] = flow.dossier.consultation_due_at.isoformat()
    logged.update(getattr(flow, "decision_data", {}))
    return logged


# Transitions never offered as a button of the dossier: the examination of a nomination
# nobody accepted is started from the edition's nominations (``calls.nominations``),
# which creates the dossier and performs it at once; a draft one sees is never one.
NOT_OFFERED_ON_THE_DOSSIER = frozenset({"examine_nomination"})


def available_transitions(dossier, user) -> list[AvailableTransition]:
    """The transitions this user may perform on the dossier now (for its buttons)."""
    flow_class = flow_class_for(dossier)
    flow = flow_class(dossier, actor=user)
    result = []
    for transition in flow_class.state.get_outgoing_transitions(dossier.state):
        if transition.slug in NOT_OFFERED_ON_THE_DOSSIER:
            continue
        if not transition.has_perm(flow, user):
            continue
        name = transition.slug
        needs = TRANSITION_FIELDS.get(name, ())
        if name == "select" and dossier.call.is_prize:
            needs = PRIZE_SELECT_FIELDS
        result.append(AvailableTransition(name=name, label=str(transition.label), needs=needs))
    return result


def unmet(dossier, transition: str) -> list[tuple]:
    """(condition function, message) of every unmet condition of a transition, in the
    order the flow checks them."""
    flow_class = flow_class_for(dossier)
    flow = flow_class(dossier)
    found = []
    for candidate in flow_class.state.get_outgoing_transitions(dossier.state):
        if candidate.slug != transition:
            continue
        for condition in candidate.conditions:
            result = condition(flow)
            if not result:
                found.append((condition, str(getattr(result, "message", ""))))
    return found


def unmet_conditions(dossier, transition: str) -> list[str]:
    """Messages of every unmet condition of a transition (e.g. for a check page)."""
    return [message for _condition, message in unmet(dossier, transition)]
