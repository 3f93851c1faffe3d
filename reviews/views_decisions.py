"""Decisions in bulk (administrators): the dossiers of a call awaiting decision, each
with its amount (AMI) or its distinction (prize) and motivation; select the checked
ones, or decline them with one motivation for all.

Each dossier goes through ``workflows.services.perform`` in its own transaction: a
refusal (wrong state, amount missing or above the maximum grant, quota, dossier
changed meanwhile) is reported by reference and the others go through. The decision
emails wait in the outbox (``notifications``) until the decision is notified.
"""

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import form_tokens
from calls.models import Application, Call
from notifications import services as outbox
from notifications.models import OutboundEmail
from notifications.views import administrators_only
from workflows.http import dossier_changed, posted_ids, unsent
from workflows.states import DECIDED_STATES
from workflows.states import DossierState as S

from . import bulk_services
from .models import Decision, Opinion
from .selectors import with_scores

ACTIONS = ("select", "decline")
PRIZE_CHOICES = ("highlighted", "special")


def _calls():
    return Call.objects.annotate(
        awaiting=Count("applications", filter=Q(applications__state=S.AWAITING_DECISION))
    ).order_by("-opens_at", "pk")


def _chosen_call(calls, raw):
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return next((call for call in calls if call.pk == pk), None)


PAGE_SIZE = 50


def _rows(call, post=None, errors=None, page_number=None):
    """The dossiers of the call awaiting decision, fifty a page, with what was typed for
    each. Returns (page, rows)."""
    dossiers = with_scores(
        Application.objects.filter(call=call, state=S.AWAITING_DECISION).select_related(
            "organization"
        )
    ).order_by("reference")
    page = Paginator(dossiers, PAGE_SIZE).get_page(page_number)
    dossiers = list(page.object_list)
    opinions = {}
    for opinion in (
        Opinion.objects.filter(application__in=[d.pk for d in dossiers])
        .select_related("body")
        .order_by("body__name")
    ):
        opinions.setdefault(opinion.application_id, []).append(opinion)
    post = post or {}
    errors = errors or {}
    checked = set(posted_ids(post.getlist("dossier"))) if post else set()
    return page, [
        {
            "dossier": dossier,
            "opinions": opinions.get(dossier.pk, []),
            "checked": dossier.pk in checked,
            "amount": post.get(f"amount-{dossier.pk}", "") if post else "",
            "prize": post.get(f"prize-{dossier.pk}", "highlighted") if post else "highlighted",
            "reason": post.get(f"reason-{dossier.pk}", "") if post else "",
            "error": errors.get(dossier.pk),
        }
        for dossier in dossiers
    ]


def _envelope(call):
    granted = Decision.objects.filter(
        application__call=call, is_current=True, outcome=Decision.Outcome.SELECTED
    ).aggregate(total=Sum("amount"), count=Count("pk"))
    return {
        "granted": granted["total"] or 0,
        "selected": granted["count"],
        "remaining": call.budget - (granted["total"] or 0) if call.budget is not None else None,
    }


def _request_data(post, pk, action, call, decline_reason):
    if action == "decline":
        return {"reason": decline_reason}
    data = {"amount": post.get(f"amount-{pk}", "").strip(), "reason": post.get(f"reason-{pk}", "")}
    if call.is_prize:
        data["special_prize"] = "1" if post.get(f"prize-{pk}") == "special" else ""
    return data


def _decide(request, call):
    """Carry out the posted action; returns (report, form error, field of the error)."""
    post = request.POST
    action = post.get("action")
    if action not in ACTIONS:
        return None, _("Choose an action: select or decline the checked dossiers."), None
    ids = posted_ids(post.getlist("dossier"))
    if not ids:
        return None, _("Check at least one dossier."), None
    decline_reason = post.get("decline_reason", "").strip()
    if action == "decline" and not decline_reason:
        return (
            None,
            _("Give the motivation of the refusal (one motivation for all the checked dossiers)."),
            "decline_reason",
        )
    in_call = set(Application.objects.filter(call=call, pk__in=ids).values_list("pk", flat=True))
    requests = [
        bulk_services.DossierRequest(
            pk=pk,
            expected_state=post.get(f"state-{pk}", ""),
            data=_request_data(post, pk, action, call, decline_reason),
        )
        for pk in ids
        if pk in in_call
    ]
    outcomes = {
        outcome.pk: outcome
        for outcome in bulk_services.perform_each(requests, action, request.user)
    }
    report = [
        outcomes.get(pk)
        or bulk_services.DossierOutcome(
            pk, "", False, _("This dossier is not part of this call."), code="not_found"
        )
        for pk in ids
    ]
    return report, None, None


class _TypedDecision(forms.Form):
    """What was typed on one row of the page, read back by ``workflows.http.unsent``."""

    amount = forms.CharField(label=_lazy("Granted amount (EUR)"), required=False)
    prize = forms.ChoiceField(
        label=_lazy("Distinction"),
        required=False,
        choices=[
            ("highlighted", _lazy("Highlighted action")),
            ("special", _lazy("Highlighted action and special prize")),
        ],
    )
    reason = forms.CharField(label=_lazy("Motivation (selection)"), required=False)

    def __init__(self, *args, prize_call=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not prize_call:
            del self.fields["prize"]


def _explained(report, post, call):
    """Each report row with its current decision; a dossier someone else acted on
    meanwhile gets what was typed for it and what changed (``templates/_unsent.html``):
    the other rows went through, its input is not lost."""
    decisions = {
        decision.application_id: decision
        for decision in Decision.objects.filter(
            application_id__in=[o.pk for o in report if o.done], is_current=True
        )
    }
    for outcome in report:
        outcome.decision = decisions.get(outcome.pk)
        dossier = outcome.dossier
        if outcome.done or dossier is None:
            continue
        still_open = dossier.state == S.AWAITING_DECISION
        if outcome.code != "stale" and still_open:
            continue  # refused for what was typed: the row says why, in the table
        typed = _TypedDecision(
            {
                "amount": post.get(f"amount-{dossier.pk}", ""),
                "prize": post.get(f"prize-{dossier.pk}", "") if call.is_prize else "",
                "reason": post.get(f"reason-{dossier.pk}", ""),
            },
            prize_call=call.is_prize,
        )
        outcome.unsent = unsent(
            typed,
            changed=dossier_changed(dossier),
            resendable=still_open,
            why=_(
                "This dossier is no longer awaiting a decision: what you typed for it cannot "
                "be recorded. Open the dossier to see what was decided."
            ),
        )
        outcome.unsent.update(
            id=f"unsent-{dossier.pk}",
            title=_("Your input on %(reference)s was not saved") % {"reference": dossier.reference},
        )


@administrators_only
def staff_decisions(request):
    calls = list(_calls())
    if request.method != "POST":
        return _decisions_page(request, calls, _chosen_call(calls, request.GET.get("call")))
    call = _chosen_call(calls, request.POST.get("call"))
    if call is None:
        error = _("Choose the call whose dossiers you decide.")
        return _decisions_page(request, calls, None, error=error, status=400)

    def work():
        report, error, error_field = _decide(request, call)
        if error:
            return _decisions_page(
                request, calls, call, error=error, error_field=error_field, status=400
            )
        page = _decisions_page(request, calls, call, report=report)
        return form_tokens.remember(page, {"report": bulk_services.report_data(report)})

    def refuse(message):
        return _decisions_page(request, calls, call, error=message, status=400)

    def replay(result):
        report = bulk_services.report_from_data(result.get("report") or [])
        return _decisions_page(request, calls, call, report=report)

    # One-time: a double click decides once and the second answer shows the first
    # report; a page rendered before keys existed posts as before.
    return form_tokens.submit_once(request, work, refuse, replay)


def _decisions_page(request, calls, call, *, report=None, error=None, error_field=None, status=200):
    context = {"calls": calls, "call": call, "report": report, "error": error}
    if call is not None:
        keep_typed = request.method == "POST"
        if report:
            _explained(report, request.POST, call)
        refused = {o.pk: o.message for o in report or () if not o.done}
        page, rows = _rows(
            call, request.POST if keep_typed else None, refused, request.GET.get("page")
        )
        context.update(
            {
                "rows": rows,
                "page": page,
                "page_query": urlencode({"call": call.pk}),
                "envelope": _envelope(call),
                "decided_waiting": Application.objects.filter(
                    call=call, state__in=DECIDED_STATES
                ).count(),
                "held_emails": OutboundEmail.objects.filter(
                    application__call=call, status=OutboundEmail.Status.HELD
                ).count(),
                "reopen_warnings": outbox.reopen_warnings(call=call),
                "decline_reason": request.POST.get("decline_reason", "") if keep_typed else "",
                "error_field": error_field,
            }
        )
    return render(request, "staff/decisions.html", context, status=status)
