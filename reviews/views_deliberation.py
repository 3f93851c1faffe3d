"""The deliberation of a call (administrators): the screen where the selection is made
and recorded, the minutes of the meeting (and their PDF), the publication of a prize
edition's laureates. Anybody else gets a 404."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calls.models import Call
from notifications.letters import CITY, html_to_pdf
from notifications.views import administrators_only
from workflows.exceptions import TransitionError
from workflows.http import posted_ids
from workflows.states import DossierState

from . import (
    bulk_services,
    deliberation_selectors,
    deliberation_services,
    exports,
    ranking_selectors,
)
from .forms_deliberation import LaureatesForm, MinutesForm
from .forms_ranking import RankingFilterForm
from .models import Decision, DeliberationMinutes

ACTIONS = ("select", "decline")


def _call(pk) -> Call:
    return get_object_or_404(Call, pk=pk)


def _requests(post, ids, action, call):
    specials = set(posted_ids(post.getlist("special")))
    reason = post.get("reason", "").strip()
    requests = []
    for pk in ids:
        data = {"reason": reason}
        version = post.get(f"version-{pk}", "")
        if version.isdigit():
            data["expected_version"] = int(version)
        if action == "select":
            if call.is_prize:
                data["special_prize"] = "1" if pk in specials else ""
            else:
                data["amount"] = post.get(f"amount-{pk}", "").strip()
        requests.append(
            bulk_services.DossierRequest(
                pk=pk, expected_state=post.get(f"state-{pk}", ""), data=data
            )
        )
    return requests


def _record(request, call, state):
    """Carry out the posted action; returns (result, error message, HTTP status)."""
    post = request.POST
    action = post.get("action")
    if action not in ACTIONS:
        return None, _("Choose an action: select or decline the checked dossiers."), 400
    if post.get("token") != state.token:
        return (
            None,
            _(
                "The selection changed meanwhile (another administrator recorded decisions on "
                "this call). The counters below are up to date and your choices are kept: "
                "check them and record again. Nothing was recorded."
            ),
            409,
        )
    ids = posted_ids(post.getlist("dossier"))
    if not ids:
        return None, _("Check at least one dossier."), 400
    if action == "decline" and not post.get("reason", "").strip():
        return None, _("Give the motivation of the refusal (one motivation for all)."), 400
    in_call = {row.application_id for row in state.ranking.rows}
    outside = [pk for pk in ids if pk not in in_call]
    if outside:
        return None, _("Some checked dossiers are not part of this call; reload the page."), 400
    try:
        result = deliberation_services.record_decisions(
            call, _requests(post, ids, action, call), action, request.user
        )
    except TransitionError as error:
        return None, str(error.message), 400
    if not result.recorded:
        return result, result.message, 409 if _stale(result) else 400
    return result, None, 200


def _stale(result) -> bool:
    return any(outcome.code == "stale" for outcome in result.report)


def _kept(post):
    """What the administrator had checked and typed (shown again after a refusal)."""
    if not post:
        return {"dossiers": None, "specials": set(), "amounts": {}, "reason": ""}
    return {
        "dossiers": set(posted_ids(post.getlist("dossier"))),
        "specials": set(posted_ids(post.getlist("special"))),
        "amounts": {
            key.removeprefix("amount-"): value
            for key, value in post.items()
            if key.startswith("amount-")
        },
        "reason": post.get("reason", ""),
    }


@administrators_only
def deliberation_page(request, pk):
    call = _call(pk)
    source = request.POST if request.method == "POST" else request.GET
    suggest = source.get("suggest") == "1"
    state = deliberation_selectors.call_deliberation(call, suggest=suggest)
    result = error = None
    status = 200
    if request.method == "POST":
        result, error, status = _record(request, call, state)
        if status == 200:
            done = len(result.report)
            messages.success(
                request,
                ngettext(
                    "%(count)s decision recorded. The decision emails wait in the outbox "
                    "until you notify them.",
                    "%(count)s decisions recorded. The decision emails wait in the outbox "
                    "until you notify them.",
                    done,
                )
                % {"count": done},
            )
            decisions = {
                decision.application_id: decision
                for decision in Decision.objects.filter(
                    application_id__in=[o.pk for o in result.report], is_current=True
                )
            }
            for outcome in result.report:
                outcome.decision = decisions.get(outcome.pk)
            # The page again, from the decisions just recorded (a reload posts nothing).
            state = deliberation_selectors.call_deliberation(call, suggest=False)
            suggest = False
    form = RankingFilterForm(
        request.GET or None,
        objectives=[objective.number for objective in state.objectives],
    )
    suggested = {pick.pk for pick in state.suggestion.picks} if state.suggestion else set()
    rows = [
        row
        for row in ranking_selectors.filtered(state.ranking.rows, form.filters())
        if row.application_id not in suggested
    ]
    page = Paginator(rows, form.page_size).get_page(request.GET.get("page"))
    kept = _kept(request.POST if request.method == "POST" and status != 200 else None)
    if kept["dossiers"] is None:
        kept["dossiers"] = suggested
        kept["specials"] = (
            {pick.pk for pick in state.suggestion.picks if pick.special}
            if state.suggestion
            else set()
        )
    page.object_list = ranking_selectors.with_display(page.object_list)
    state.suggested_rows = list(
        zip(
            ranking_selectors.with_display([row for row, _pick in state.suggested_rows]),
            [pick for _row, pick in state.suggested_rows],
            strict=True,
        )
    )
    for row in [*page.object_list, *(row for row, _pick in state.suggested_rows)]:
        row.kept_amount = kept["amounts"].get(str(row.application_id), "")
    context = {
        "call": call,
        "state": state,
        "counters": state.counters,
        "form": form,
        "page": page,
        "page_query": form.query(page=None),
        "kept": kept,
        "result": result,
        "report": result.report if result else None,
        "error": error,
        "suggest": suggest,
        "objectives_total": state.counters.objectives_total,
        "minutes": DeliberationMinutes.objects.filter(call=call).first(),
    }
    return render(request, "staff/deliberation.html", context, status=status)


# ----------------------------------------------------------------------- minutes


def _decisions(call):
    return list(
        deliberation_selectors.decisions(call=call).order_by(
            "-outcome", "-special_prize", "application__reference"
        )
    )


@administrators_only
def minutes_page(request, pk):
    call = _call(pk)
    minutes = DeliberationMinutes.objects.filter(call=call).first()
    locked = deliberation_services.minutes_locked(call)
    status = 200
    if request.method == "POST":
        form = MinutesForm(request.POST, instance=minutes)
        if locked:
            messages.error(request, str(deliberation_services.MinutesLocked.default_message))
            status = 409
        elif form.is_valid():
            try:
                deliberation_services.record_minutes(call, request.user, **form.cleaned_data)
            except TransitionError as error:
                form.add_error(None, str(error.message))
                status = 400
            else:
                messages.success(request, _("The minutes of the deliberation are recorded."))
                return redirect("staff_minutes", pk=call.pk)
        else:
            status = 400
    else:
        form = MinutesForm(instance=minutes)
    context = {
        "call": call,
        "form": form,
        "minutes": minutes,
        "locked": locked,
        "decisions": _decisions(call),
    }
    return render(request, "staff/minutes.html", context, status=status)


@administrators_only
def minutes_pdf(request, pk):

    call = _call(pk)
    minutes = get_object_or_404(
        DeliberationMinutes.objects.select_related("recorded_by"), call=call
    )
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "letters/minutes.html",
            {"city": CITY, "call": call, "minutes": minutes, "decisions": _decisions(call)},
        )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proces-verbal-{call.pk}.pdf"'
    return response


# -------------------------------------------------------------------- laureates


@administrators_only
def laureates_page(request, pk):
    call = _call(pk)
    status = 200
    if request.method == "POST":
        form = LaureatesForm(request.POST)
        if form.is_valid():
            publish = form.cleaned_data["action"] == "publish"
            try:
                changed = deliberation_services.set_laureates_published(call, request.user, publish)
            except TransitionError as error:
                form.add_error(None, str(error.message))
                status = 400
            else:
                if changed:
                    messages.success(
                        request,
                        _("The laureates of this edition are published.")
                        if publish
                        else _("The laureates of this edition are no longer public."),
                    )
                return redirect("staff_laureates", pk=call.pk)
        else:
            status = 400
    else:
        form = LaureatesForm(
            initial={"action": "unpublish" if call.laureates_published else "publish"}
        )
    context = {
        "call": call,
        "form": form,
        "blockers": deliberation_services.publication_blockers(call),
        "laureates": [d for d in _decisions(call) if d.highlighted],
    }
    return render(request, "staff/laureates.html", context, status=status)


# ---------------------------------------------------------- decisions export


def decisions_header() -> list[str]:
    return [
        _("Reference"),
        _("Project title"),
        _("Organisation"),
        _("State"),
        _("Decision"),
        _("Highlighted action"),
        _("Special prize"),
        _("Granted amount (EUR)"),
        _("Convention needed"),
        _("Motivation"),
        _("Decided by"),
        _("Decided at"),
    ]


def decisions_records(call):

    yes, no = _("Yes"), _("No")
    states = {state.value: str(state.label) for state in DossierState}
    outcomes = {outcome.value: str(outcome.label) for outcome in Decision.Outcome}
    for decision in _decisions(call):
        dossier = decision.application
        yield [
            dossier.reference,
            dossier.title,
            dossier.organization.name,
            states.get(dossier.state, dossier.state),
            outcomes.get(decision.outcome, decision.outcome),
            yes if decision.highlighted else no,
            yes if decision.special_prize else no,
            decision.amount,
            yes if decision.needs_convention else no,
            decision.motivation,
            decision.decided_by.get_full_name() or decision.decided_by.email,
            timezone.make_naive(timezone.localtime(decision.decided_at)),
        ]


def _decisions_filename(call, extension):
    return f"decisions-{call.pk}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@administrators_only
def decisions_export_csv(request, pk):

    call = _call(pk)
    response = StreamingHttpResponse(
        exports.csv_lines(decisions_header(), decisions_records(call)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_decisions_filename(call, "csv")}"'
    return response


@administrators_only
def decisions_export_xlsx(request, pk):

    call = _call(pk)
    widths = [16, 40, 30, 20, 14, 12, 12, 14, 12, 50, 24, 17]
    return FileResponse(
        exports.xlsx_workbook(decisions_header(), widths, decisions_records(call), _("Decisions")),
        as_attachment=True,
        filename=_decisions_filename(call, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
