"""Transitions through the API: what the caller may do on a dossier now, and doing
it through ``workflows.services.perform``, with what the dossier's pages send.

A transition's data are those its form sends (``workflows.services.TRANSITION_FIELDS``:
the reason, the amount, the due date...); the eligibility decisions also send the
checklist of the call's criteria, with the automatic pre-checks as they were, as the
eligibility page does; the consultation opens through ``reviews.services``, as on the
staff page. The flow checks every condition and every value, and its messages come
back as problems. The client sends the version (or the state) of the dossier it saw:
a dossier changed meanwhile is refused (409) and nothing is changed."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from calls.models import EligibilityCriterion
from reviews import dossier_selectors
from reviews import services as review_services
from reviews.forms import OUTCOME_TRANSITIONS
from workflows.services import available_transitions, perform, unmet_conditions

from .problems import Problem

ELIGIBILITY_TRANSITIONS = frozenset(OUTCOME_TRANSITIONS.values())
CONSULTATION_TRANSITION = "open_consultation"


@dataclass(frozen=True)
class Offered:
    name: str
    label: str
    needs: tuple
    unmet: tuple  # messages of the conditions not met now (the action would be refused)


def _needs(available) -> tuple:
    if available.name in ELIGIBILITY_TRANSITIONS:
        return ("reason", "checklist")
    return tuple(available.needs)


def offered(dossier, user) -> list[Offered]:
    """The transitions the user may perform on the dossier now, each with the fields it
    takes and the conditions not met yet."""
    return [
        Offered(
            name=available.name,
            label=available.label,
            needs=_needs(available),
            unmet=tuple(unmet_conditions(dossier, available.name)),
        )
        for available in available_transitions(dossier, user)
    ]


def _checklist(dossier, entries) -> list[dict]:
    """The checklist as the eligibility page stores it: one entry per criterion
    answered (with its label), then the automatic pre-checks."""
    labels = dict(
        EligibilityCriterion.objects.filter(call_id=dossier.call_id).values_list("pk", "label")
    )
    checklist = []
    for index, entry in enumerate(entries):
        if entry["criterion"] not in labels:
            raise Problem(
                400,
                "invalid",
                _("The request holds invalid values: see errors."),
                [
                    {
                        "field": f"checklist[{index}].criterion",
                        "message": _("This is not a criterion of the call's eligibility."),
                    }
                ],
            )
        checklist.append(
            {
                "criterion": entry["criterion"],
                "label": labels[entry["criterion"]],
                "passed": entry["passed"],
                "comment": entry.get("comment", "").strip(),
            }
        )
    for check in dossier_selectors.pre_checks(dossier):
        checklist.append(
            {
                "automatic": check.code,
                "label": str(check.label),
                "passed": check.passed,
                "comment": str(check.detail),
            }
        )
    return checklist


def run(dossier, name, user, values: dict):
    """Perform transition ``name`` on ``dossier`` for ``user`` with the request's
    ``values`` (validated by ``TransitionRequestSerializer``). Returns the log row;
    raises the transition service's errors."""
    expected_state = values.get("expected_state")
    if expected_state:
        # perform() compares this state (the one the client saw) with the locked row's.
        dossier._set_state(expected_state)
    expected_version = values.get("expected_version")
    if name == CONSULTATION_TRANSITION:
        return review_services.open_consultation(
            dossier, user, values.get("due_at"), expected_version=expected_version
        )
    needs = next((o.needs for o in available_transitions(dossier, user) if o.name == name), ())
    data = {}
    if name in ELIGIBILITY_TRANSITIONS:
        data["reason"] = values.get("reason", "")
        data["checklist"] = _checklist(dossier, values.get("checklist", []))
    else:
        data = {key: values[key] for key in needs if key in values}
    return perform(dossier, name, user, expected_version=expected_version, **data)
