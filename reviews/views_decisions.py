"""Decisions in bulk (administrators): the dossiers of a call awaiting decision, each
with its amount (AMI) or its distinction (prize) and motivation; select the checked
ones, or decline them with one motivation for all.

Each dossier goes through ``workflows.services.perform`` in its own transaction: a
refusal (wrong state, amount missing or above the maximum grant, quota, dossier
changed meanwhile) is reported by reference and the others go through. The decision
emails wait in the outbox (``notifications``) until the decision is notified.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from calls.models import Application, Call
from notifications import services as outbox
from notifications.models import OutboundEmail
from notifications.views import administrators_only
from workflows.http import posted_ids
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
    decisions = {
        decision.application_id: decision
        for decision in Decision.objects.filter(
            application_id__in=[o.pk for o in report if o.done], is_current=True
        )
    }
    for outcome in report:
        outcome.decision = decisions.get(outcome.pk)
    return report, None, None


@administrators_only
def staff_decisions(request):
    calls = list(_calls())
    source = request.POST if request.method == "POST" else request.GET
    call = _chosen_call(calls, source.get("call"))
    report = error = error_field = None
    status = 200
    if request.method == "POST":
        if call is None:
            error, status = _("Choose the call whose dossiers you decide."), 400
        else:
            report, error, error_field = _decide(request, call)
            if error:
                status = 400
    context = {"calls": calls, "call": call, "report": report, "error": error}
    if call is not None:
        refused = {o.pk: o.message for o in report or () if not o.done}
        keep_typed = request.method == "POST"
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
