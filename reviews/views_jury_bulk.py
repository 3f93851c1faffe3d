"""A call's jury in bulk, for administrators, from the jury progress page: send the
eligible dossiers to the jury, close the jury of the dossiers with it.

Each action shows the dossiers concerned first (closing the jury warns about the
scorecards still drafts or missing and asks for an explicit acknowledgement), then
goes through ``workflows.services.perform`` dossier by dossier
(``reviews.bulk_services``: one transition log row each, a refusal leaves the others
going through) and shows what happened to each reference. The form carries a
one-time key: a double click or a resent page does the work once and shows the same
report.

A dossier short of a juror after a late conflict of interest gets the replacement
the progress page proposes (or another eligible juror) in one click."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import form_tokens
from workflows import rules
from workflows.exceptions import TransitionError
from workflows.http import posted_ids

from . import assignment, bulk_services, jury_selectors
from .views_jury import followed_call

REPORTS_KEY = "jury_bulk_reports"
KEPT_REPORTS = 10

SEND, CLOSE = "send", "close"
ACTIONS = {
    SEND: {
        "title": gettext_lazy("Send dossiers to the jury"),
        "done_title": gettext_lazy("Dossiers sent to the jury"),
        "button": gettext_lazy("Send the ticked dossiers to the jury"),
        "url": "staff_jury_send",
        "service": bulk_services.send_to_jury,
        "dossiers": jury_selectors.dossiers_to_send,
    },
    CLOSE: {
        "title": gettext_lazy("Close the jury"),
        "done_title": gettext_lazy("Jury closed"),
        "button": gettext_lazy("Close the jury of the ticked dossiers"),
        "url": "staff_jury_close",
        "service": bulk_services.close_jury,
        "dossiers": jury_selectors.dossiers_to_close,
    },
}


def _admin_call(user, pk):
    call = followed_call(user, pk)
    if not rules.is_administrator(user):
        raise Http404
    return call


def _page(request, call, action, *, error=None, ack_error=None, ticked=None, status=200):
    dossiers = ACTIONS[action]["dossiers"](call)
    incomplete = [d for d in dossiers if getattr(d, "incomplete", False)]
    context = {
        "call": call,
        "action": action,
        "spec": ACTIONS[action],
        "dossiers": dossiers,
        "ticked": set(ticked) if ticked is not None else {d.pk for d in dossiers},
        "incomplete": incomplete,
        "error": error,
        "ack_error": ack_error,
        "acknowledged": bool(request.POST.get("acknowledge")),
    }
    return render(request, "staff/jury_bulk.html", context, status=status)


def _bulk(request, pk, action):
    user = request.user
    call = _admin_call(user, pk)
    if request.method != "POST":
        return _page(request, call, action)
    post = request.POST
    ids = posted_ids(post.getlist("dossier"))
    if not ids:
        return _page(request, call, action, error=_("Tick at least one dossier."), status=400)
    if action == CLOSE and not post.get("acknowledge"):
        chosen = set(ids)
        if any(d.incomplete for d in jury_selectors.dossiers_to_close(call) if d.pk in chosen):
            return _page(
                request,
                call,
                action,
                ack_error=_(
                    "Some ticked dossiers still have draft or missing scorecards: tick the "
                    "box to close their jury anyway, or untick them."
                ),
                ticked=ids,
                status=400,
            )

    def work():
        requests = [
            bulk_services.DossierRequest(pk=pk, expected_state=post.get(f"state-{pk}", ""))
            for pk in ids
        ]
        outcomes = ACTIONS[action]["service"](call, requests, user)
        key = uuid.uuid4().hex
        reports = request.session.get(REPORTS_KEY, {})
        reports[key] = {
            "action": action,
            "call": call.pk,
            "rows": [
                {"pk": o.pk, "reference": o.reference, "done": o.done, "message": str(o.message)}
                for o in outcomes
            ],
        }
        # Keep the last reports only (a session is not an archive: the audit trail is).
        request.session[REPORTS_KEY] = dict(list(reports.items())[-KEPT_REPORTS:])
        return redirect(reverse("staff_jury_bulk_report", args=[call.pk, key]))

    def refuse(message):
        return _page(request, call, action, error=message, ticked=ids, status=400)

    return form_tokens.submit_once(request, work, refuse)


@login_required
def jury_send(request, pk):
    """Send the call's eligible dossiers to the jury: the list, then the report."""
    return _bulk(request, pk, SEND)


@login_required
def jury_close(request, pk):
    """Close the jury of the call's dossiers with it: the list with the scorecards still
    drafts or missing, an acknowledgement when there are some, then the report."""
    return _bulk(request, pk, CLOSE)


@login_required
def jury_bulk_report(request, pk, key):
    """What happened to each dossier of a bulk send or close (kept in the session)."""
    call = _admin_call(request.user, pk)
    report = request.session.get(REPORTS_KEY, {}).get(key)
    if report is None or report["call"] != call.pk:
        # An old report (the session keeps the last ones): a page that says so.
        return render(request, "staff/jury_bulk_report.html", {"call": call, "report": None})
    rows = report["rows"]
    return render(
        request,
        "staff/jury_bulk_report.html",
        {
            "call": call,
            "report": rows,
            "spec": ACTIONS[report["action"]],
            "done": sum(1 for row in rows if row["done"]),
            "refused": sum(1 for row in rows if not row["done"]),
        },
    )


@login_required
@require_POST
def jury_replace(request, pk):
    """Assign the replacement juror chosen on the progress page to a dossier short of
    jurors; the juror is emailed, the assignment is in the dossier's audit trail."""
    user = request.user
    call = _admin_call(user, pk)
    back = reverse("staff_jury_progress", args=[call.pk]) + "#replacements"
    dossier_ids = posted_ids([request.POST.get("dossier")])
    juror_ids = posted_ids([request.POST.get("juror")])
    if not dossier_ids or not juror_ids:
        messages.error(request, _("Choose the dossier and the replacement juror."))
        return redirect(back)
    try:
        done = assignment.assign_replacement(call, dossier_ids[0], juror_ids[0], user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request,
        _("%(name)s is assigned to %(reference)s and told by email.")
        % {
            "name": done.juror.get_full_name() or done.juror.email,
            "reference": done.application.reference,
        },
    )
    return redirect(back)
