"""Writes of the deliberation: recording a selection (or refusals) in bulk, the minutes
of the deliberation meeting, the publication of an edition's laureates.

Decisions go through ``workflows.services.perform`` (select / decline), one dossier at a
time, all inside one transaction that first locks the call's row: the quota lock of
``perform``'s ``select``, held for the whole batch, so that two administrators
recording at once are served one after the other. The batch is all or nothing: if one
dossier is refused (quota, not an association, changed meanwhile...), nothing is
recorded and the report says why, dossier by dossier.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Application, Call
from workflows import rules
from workflows.audit import record_event
from workflows.exceptions import ConditionNotMet, QuotaExceeded, TransitionNotPermitted
from workflows.states import DECIDED_STATES
from workflows.states import DossierState as S

from . import bulk_services
from .models import Decision, DeliberationMinutes


class SelectionRefused(ConditionNotMet):
    """The whole batch is refused before any dossier is touched."""

    code = "selection_refused"


@dataclass
class BatchResult:
    report: list  # bulk_services.DossierOutcome, one per requested dossier
    recorded: bool
    message: str = ""


def _check_quotas(call, requests, transition):
    if transition != "select" or not call.is_prize:
        return
    counts = Decision.objects.filter(
        application__call=call, is_current=True, outcome=Decision.Outcome.SELECTED
    ).aggregate(
        highlighted=Count("pk", filter=Q(highlighted=True)),
        special=Count("pk", filter=Q(special_prize=True)),
    )
    wanted = len(requests)
    left = call.highlighted_count - counts["highlighted"]
    if wanted > left:
        raise QuotaExceeded(
            _(
                "You checked %(wanted)s actions but only %(left)s of the %(quota)s highlighted "
                "actions of this edition are left: uncheck %(extra)s of them. Nothing was recorded."
            )
            % {
                "wanted": wanted,
                "left": max(left, 0),
                "quota": call.highlighted_count,
                "extra": wanted - max(left, 0),
            }
        )
    specials = sum(1 for request in requests if request.data.get("special_prize"))
    left = call.special_prize_count - counts["special"]
    if specials > left:
        raise QuotaExceeded(
            _(
                "You gave %(wanted)s special prizes but only %(left)s of the %(quota)s special "
                "prizes of this edition are left. Nothing was recorded."
            )
            % {"wanted": specials, "left": max(left, 0), "quota": call.special_prize_count}
        )


def record_decisions(call, requests, transition, actor) -> BatchResult:
    """Perform ``transition`` ("select" or "decline") on every requested dossier of
    ``call`` (``bulk_services.DossierRequest``), all or nothing."""
    if not rules.is_administrator(actor):
        raise TransitionNotPermitted()
    with transaction.atomic():
        # The quota lock (the same row perform's "select" locks), for the whole batch.
        Call.objects.select_for_update().get(pk=call.pk)
        _check_quotas(call, requests, transition)
        report = bulk_services.perform_each(requests, transition, actor)
        refused = [outcome for outcome in report if not outcome.done]
        if refused:
            transaction.set_rollback(True)
            for outcome in report:
                if outcome.done:
                    outcome.done = False
                    outcome.code = "rolled_back"
                    outcome.message = _(
                        "Not recorded: the whole selection is recorded at once, and other "
                        "dossiers were refused."
                    )
            return BatchResult(
                report,
                recorded=False,
                message=_(
                    "Nothing was recorded: %(count)s dossier(s) refused, see the report below."
                )
                % {"count": len(refused)},
            )
    return BatchResult(report, recorded=True)


# ----------------------------------------------------------------------- minutes


def minutes_locked(call) -> bool:
    """The minutes are locked once a decision of the call has been notified."""
    return Application.objects.filter(
        call=call, state=S.NOTIFIED, decisions__is_current=True
    ).exists()


class MinutesLocked(ConditionNotMet):
    code = "minutes_locked"
    default_message = _(
        "The decisions of this call have been notified: its minutes can no longer change."
    )


def record_minutes(call, actor, *, meeting_date, members_present, quorum_note, notes):
    """Create or update the minutes of the call's deliberation meeting; recorded in the
    audit trail. Refused once a decision of the call is notified."""
    if not rules.is_administrator(actor):
        raise TransitionNotPermitted()
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        if minutes_locked(call):
            raise MinutesLocked()
        minutes, created = DeliberationMinutes.objects.update_or_create(
            call=call,
            defaults={
                "meeting_date": meeting_date,
                "members_present": members_present,
                "quorum_note": quorum_note,
                "notes": notes,
            },
            create_defaults={
                "meeting_date": meeting_date,
                "members_present": members_present,
                "quorum_note": quorum_note,
                "notes": notes,
                "recorded_by": actor,
            },
        )
        record_event(
            "minutes.recorded",
            actor=actor,
            call=call,
            data={
                "meeting_date": meeting_date.isoformat(),
                "members_present": len(minutes.members),
                "created": created,
            },
        )
    return minutes


# -------------------------------------------------------------------- laureates


def publication_blockers(call) -> list[str]:
    """Why the laureates of the call cannot be published now (empty when they can)."""
    if not call.is_prize:
        return [_("Only the laureates of a prize edition are published.")]
    reasons = []
    pending = Application.objects.filter(
        call=call, state__in=[S.AWAITING_DECISION, S.IN_JURY, *DECIDED_STATES]
    ).count()
    if pending:
        reasons.append(
            _(
                "%(count)s dossier(s) of the edition are not notified yet: notify every "
                "decision before publishing."
            )
            % {"count": pending}
        )
    laureates = Decision.objects.filter(
        application__call=call,
        application__state=S.NOTIFIED,
        is_current=True,
        highlighted=True,
    ).count()
    if not laureates:
        reasons.append(_("No highlighted action of this edition has been notified."))
    return reasons


def set_laureates_published(call, actor, published: bool) -> bool:
    """Publish (or unpublish) the laureates of a prize edition; logged in the audit trail.
    Returns whether anything changed."""
    if not rules.is_administrator(actor):
        raise TransitionNotPermitted()
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if published:
            blockers = publication_blockers(locked)
            if blockers:
                raise ConditionNotMet(" ".join(blockers))
        if locked.laureates_published == published:
            return False
        locked.laureates_published = published
        locked.save(update_fields=["laureates_published"])
        record_event(
            "laureates.published" if published else "laureates.unpublished",
            actor=actor,
            call=locked,
            data={"at": timezone.now().isoformat()},
        )
    call.laureates_published = published
    return True
