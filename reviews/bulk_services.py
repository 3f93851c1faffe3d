"""Actions on many dossiers (decisions, notifications of decisions), one transaction
each, through ``workflows.services.perform``: a refusal of one dossier leaves the others
going through, and the caller gets one outcome per dossier to report row by row."""

import dataclasses
import logging
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from calls.models import Application
from workflows import rules
from workflows.exceptions import TransitionError
from workflows.services import perform
from workflows.states import DossierState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DossierRequest:
    """One dossier of a bulk action: its id, the state the page showed, the data of
    its transition (amount, reason...)."""

    pk: int
    expected_state: str
    data: dict = dataclasses.field(default_factory=dict)


@dataclass
class DossierOutcome:
    """What happened to one dossier of a bulk action."""

    pk: int
    reference: str
    done: bool
    message: str = ""
    field: str | None = None
    code: str = ""  # the error's code (workflows.exceptions): "stale", "invalid_state"...
    dossier: object = None
    log: object = None
    decision: object = None  # filled in by the pages that show it
    unsent: dict | None = None  # what was typed for it, when it changed meanwhile


def perform_each(requests, transition: str, actor) -> list[DossierOutcome]:
    """Perform ``transition`` on each requested dossier, each in its own transaction
    through ``workflows.services.perform``: a refusal (wrong state, missing amount,
    quota, changed meanwhile...) leaves the others going through. Returns one outcome
    per request, in the order given."""
    requests = list(requests)
    dossiers = Application.objects.select_related("call", "organization").in_bulk(
        [request.pk for request in requests]
    )
    outcomes = []
    for request in requests:
        dossier = dossiers.get(request.pk)
        if dossier is None or not rules.can_view(actor, dossier):
            outcomes.append(
                DossierOutcome(
                    request.pk, "", False, _("This dossier does not exist."), code="not_found"
                )
            )
            continue
        if request.expected_state not in DossierState.values:
            outcomes.append(
                DossierOutcome(
                    dossier.pk,
                    dossier.reference,
                    False,
                    _("The form is out of date; reload the page."),
                    code="stale",
                    dossier=dossier,
                )
            )
            continue
        # perform() refuses the action if the dossier is no longer in the state the
        # page showed (someone else acted on it meanwhile).
        dossier._set_state(request.expected_state)
        try:
            log = perform(dossier, transition, actor, **request.data)
        except TransitionError as error:
            dossier.refresh_from_db(fields=["state"])
            outcomes.append(
                DossierOutcome(
                    dossier.pk,
                    dossier.reference,
                    False,
                    str(error.message),
                    field=error.field,
                    code=error.code,
                    dossier=dossier,
                )
            )
        except DatabaseError:
            # The database refused this dossier's writes (its transaction is rolled
            # back): the others still go through, the row says so, the log keeps why.
            logger.exception(
                "bulk %s refused by the database for dossier %s", transition, dossier.pk
            )
            dossier.refresh_from_db(fields=["state"])
            outcomes.append(
                DossierOutcome(
                    dossier.pk,
                    dossier.reference,
                    False,
                    _(
                        "This dossier could not be saved (the data was refused); nothing "
                        "was changed on it. The other dossiers were handled."
                    ),
                    code="database",
                    dossier=dossier,
                )
            )
        else:
            outcomes.append(
                DossierOutcome(dossier.pk, dossier.reference, True, dossier=dossier, log=log)
            )
    return outcomes


def report_data(report) -> list[dict]:
    """A bulk action's report as JSON, kept with the form's one-time key
    (``accounts.form_tokens``) to be shown again when the same form is posted twice."""
    return [
        {
            "pk": outcome.pk,
            "reference": outcome.reference,
            "done": outcome.done,
            "message": str(outcome.message),
            "field": getattr(outcome, "field", None),
            "code": outcome.code,
        }
        for outcome in report
    ]


def report_from_data(data) -> list[DossierOutcome]:
    """The report of ``report_data`` again, with each dossier as it is now."""
    outcomes = [
        DossierOutcome(
            int(item["pk"]),
            str(item.get("reference", "")),
            bool(item.get("done")),
            str(item.get("message", "")),
            field=item.get("field"),
            code=str(item.get("code", "")),
        )
        for item in data
        if isinstance(item, dict) and str(item.get("pk", "")).isdigit()
    ]
    dossiers = Application.objects.select_related("call", "organization").in_bulk(
        [outcome.pk for outcome in outcomes]
    )
    for outcome in outcomes:
        outcome.dossier = dossiers.get(outcome.pk)
    return outcomes


def notify_dossiers(requests, actor) -> list[DossierOutcome]:
    """Notify the decision of each dossier: its held decision emails are released and
    sent after the commit of its own transaction, with the decision letter."""
    return perform_each(requests, "notify", actor)


def perform_on_call(call, requests, transition: str, actor) -> list[DossierOutcome]:
    """``perform_each`` on the requested dossiers that belong to ``call``; any other id
    (another call's dossier, a forged id) is reported as not part of the call and left
    untouched. One outcome per request, in the order given."""
    requests = list(requests)
    in_call = set(
        Application.objects.filter(call=call, pk__in=[r.pk for r in requests]).values_list(
            "pk", flat=True
        )
    )
    done = {
        outcome.pk: outcome
        for outcome in perform_each([r for r in requests if r.pk in in_call], transition, actor)
    }
    return [
        done.get(request.pk)
        or DossierOutcome(
            request.pk, "", False, _("This dossier is not part of this call."), code="not_found"
        )
        for request in requests
    ]


def send_to_jury(call, requests, actor) -> list[DossierOutcome]:
    """Send each eligible dossier of ``call`` to the jury (``open_jury``), one
    transition log row each; a refusal (not eligible any more, no jury scores the
    call's dossiers...) is reported with the engine's reason."""
    return perform_on_call(call, requests, "open_jury", actor)


def close_jury(call, requests, actor) -> list[DossierOutcome]:
    """Close the jury of each dossier of ``call`` (``close_jury``): it awaits the
    decision."""
    return perform_on_call(call, requests, "close_jury", actor)
