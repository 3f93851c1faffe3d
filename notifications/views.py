"""The outbox pages of the administrators (decision emails held for review, the sent
log) and the decision letters.

Every outbox page is for administrators only: anybody else gets a 404, anonymous
visitors are sent to the login page. Sending a decision is notifying its dossier
(``workflows.services.perform(dossier, "notify")``): that releases the dossier's held
decision emails, which are sent after commit with the decision letter attached.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import form_tokens
from calls.models import Application, Call
from calls.selectors import dossier_for
from reviews import bulk_services
from reviews.models import Decision
from workflows import rules
from workflows.exceptions import StaleDossier
from workflows.http import posted_ids, unsent
from workflows.states import DossierState

from . import services
from .forms import CancelForm, EmailEditForm, ResendAllForm, ResendForm
from .letters import letter_decision, letter_filename, render_decision_letter
from .models import PROBLEM_DELIVERY_STATUSES, OutboundEmail

Status = OutboundEmail.Status
SENT_LOG_PAGE_SIZE = 50


def administrators_only(view):
    """Login required; then 404 for anybody who is not an administrator."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not rules.is_administrator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _decisions_by_dossier(dossier_ids) -> dict:
    return {
        decision.application_id: decision
        for decision in Decision.objects.filter(application_id__in=dossier_ids, is_current=True)
    }


def _held_groups(call_id=None):
    """The held emails, one group per dossier: [{dossier, decision, emails}]."""
    groups = {}
    for email in services.held_emails(call_id):
        key = email.application_id
        if key not in groups:
            groups[key] = {"dossier": email.application, "emails": []}
        groups[key]["emails"].append(email)
    decisions = _decisions_by_dossier([key for key in groups if key is not None])
    for key, group in groups.items():
        group["decision"] = decisions.get(key)
    return list(groups.values())


OUTBOX_PAGE_SIZE = 50


def _filtered_call(request):
    """The call the outbox is filtered on (``call`` in the query or the form), or None;
    an unknown call answers 404."""
    raw = request.POST.get("call") or request.GET.get("call") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(Call, pk=int(raw))


def _outbox_page(request, *, report=None, error=None, status=200, resend_all_form=None):
    call = _filtered_call(request)
    groups = _held_groups(call.pk if call else None)
    page = Paginator(groups, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "groups": page.object_list,
        "page": page,
        "page_query": urlencode({"call": call.pk}) if call else "",
        "call": call,
        "calls": Call.objects.filter(applications__emails__status=Status.HELD)
        .distinct()
        .order_by("-opens_at", "pk"),
        "held_count": sum(len(group["emails"]) for group in groups),
        "sendable": [group for group in groups if group["dossier"] is not None],
        "problem_count": OutboundEmail.objects.filter(
            delivery_status__in=PROBLEM_DELIVERY_STATUSES
        ).count(),
        "failed_count": services.failing_count(),
        "resend_all_form": resend_all_form or ResendAllForm(),
        "reopen_warnings": services.reopen_warnings(),
        "report": report,
        "error": error,
    }
    return render(request, "notifications/outbox_list.html", context, status=status)


@administrators_only
def outbox_list(request):
    return _outbox_page(request)


def _requests_from_post(post, ids):
    return [
        bulk_services.DossierRequest(pk=pk, expected_state=post.get(f"state-{pk}", ""))
        for pk in ids
    ]


@administrators_only
@require_POST
def outbox_send(request, pk):
    """Send the held decision emails of one dossier: notify its decision."""
    # One-time, like every bulk action (a page without a key posts as before).
    return form_tokens.submit_once(
        request,
        lambda: _send_one(request, pk),
        lambda message: _outbox_page(request, error=message, status=400),
    )


def _send_one(request, pk):
    outcome = bulk_services.notify_dossiers(_requests_from_post(request.POST, [pk]), request.user)[
        0
    ]
    if outcome.done:
        messages.success(
            request,
            _("Decision of %(reference)s notified: its emails are being sent.")
            % {"reference": outcome.reference},
        )
        return redirect("outbox_list")
    if not outcome.reference:
        raise Http404
    status = 409 if outcome.code == StaleDossier.code else 400
    return _outbox_page(request, report=[outcome], status=status)


@administrators_only
@require_POST
def outbox_send_all(request):
    """Notify every dossier listed on the page (of the filtered call only, when the page
    is filtered), each in its own transaction. One-time: a double click notifies once
    and the second answer shows the first report (a page without a key posts as before)."""
    return form_tokens.submit_once(
        request,
        lambda: _send_all(request),
        lambda message: _outbox_page(request, error=message, status=400),
        lambda result: _outbox_page(
            request, report=bulk_services.report_from_data(result.get("report") or [])
        ),
    )


def _send_all(request):
    ids = posted_ids(request.POST.getlist("dossier"))
    call = _filtered_call(request)
    if call is not None:
        in_call = set(
            Application.objects.filter(call=call, pk__in=ids).values_list("pk", flat=True)
        )
        ids = [pk for pk in ids if pk in in_call]
    if not ids:
        return _outbox_page(request, error=_("There is no decision email to send."), status=400)
    report = bulk_services.notify_dossiers(_requests_from_post(request.POST, ids), request.user)
    done = sum(1 for outcome in report if outcome.done)
    if done:
        messages.success(
            request,
            ngettext(
                "%(count)s decision notified: its emails are being sent.",
                "%(count)s decisions notified: their emails are being sent.",
                done,
            )
            % {"count": done},
        )
    return form_tokens.remember(
        _outbox_page(request, report=report), {"report": bulk_services.report_data(report)}
    )


def _email_for_admin(pk) -> OutboundEmail:
    return get_object_or_404(
        OutboundEmail.objects.select_related(
            "application__call", "application__organization", "edited_by"
        ),
        pk=pk,
    )


def _detail_page(
    request,
    email,
    *,
    edit_form=None,
    cancel_form=None,
    resend_form=None,
    error=None,
    unsent=None,
    status=200,
):
    if email.status == Status.FAILED:
        resend_form = resend_form or ResendForm()
    else:
        resend_form = None
    if email.status == Status.HELD:
        edit_form = edit_form or EmailEditForm(
            initial={"subject": email.subject, "body_text": email.body_text}
        )
        cancel_form = cancel_form or CancelForm()
    else:
        edit_form = cancel_form = None
    context = {
        "email": email,
        "delivery_events": list(email.delivery_events.all()),
        "dossier": email.application,
        "letter_name": letter_filename(email.application)
        if email.attach_decision_letter and email.application_id
        else "",
        "edit_form": edit_form,
        "cancel_form": cancel_form,
        "resend_form": resend_form,
        "error": error,
        "unsent": unsent,
        "digest": services.content_digest(email),
    }
    return render(request, "notifications/outbox_detail.html", context, status=status)


@administrators_only
def outbox_detail(request, pk):
    """Preview of an email (subject, text, HTML in a sandboxed frame); while it is
    held, the forms to edit or cancel it."""
    return _detail_page(request, _email_for_admin(pk))


@administrators_only
@require_POST
def outbox_edit(request, pk):
    email = _email_for_admin(pk)
    form = EmailEditForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, email, edit_form=form, status=400)
    try:
        services.edit_email(
            email,
            subject=form.cleaned_data["subject"],
            body_text=form.cleaned_data["body_text"],
            editor=request.user,
            expected_digest=request.POST.get("digest") or None,
        )
    except services.OutboxError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail_page(request, email, edit_form=form, error=error, status=400)
        # Sent, cancelled or edited meanwhile: what was typed is kept.
        email = _email_for_admin(pk)
        still_held = email.status == Status.HELD
        kept = unsent(
            form,
            changed=_("%(message)s Its status now: %(status)s.")
            % {"message": error.message, "status": email.get_status_display()},
            resendable=still_held,
            why=_("Only an email waiting for review can be edited, so your text cannot be saved."),
        )
        return _detail_page(
            request, email, edit_form=form if still_held else None, unsent=kept, status=409
        )
    messages.success(request, _("The email was changed; it will be sent as you see it now."))
    return redirect("outbox_detail", pk=pk)


@administrators_only
@require_POST
def outbox_cancel(request, pk):
    email = _email_for_admin(pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, email, cancel_form=form, status=400)
    try:
        services.cancel_email(email, request.user)
    except services.OutboxError as error:
        return _detail_page(request, _email_for_admin(pk), error=error, status=409)
    messages.success(
        request,
        _("The email to %(recipient)s was cancelled; it will never be sent.")
        % {"recipient": email.recipient},
    )
    return redirect("outbox_list")


@administrators_only
@require_POST
def outbox_resend(request, pk):
    """Send a failed email again (a new round of attempts), once confirmed."""
    email = _email_for_admin(pk)
    form = ResendForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, email, resend_form=form, status=400)
    try:
        services.resend_email(email, request.user)
    except services.OutboxError as error:
        return _detail_page(request, _email_for_admin(pk), error=error, status=409)
    messages.success(
        request,
        _("The email to %(recipient)s is being sent again.") % {"recipient": email.recipient},
    )
    return redirect("outbox_detail", pk=pk)


@administrators_only
@require_POST
def outbox_resend_all(request):
    """Send every failed email again, once confirmed. One-time: a double click starts
    one new round of attempts (a page without a key posts as before)."""
    form = ResendAllForm(request.POST)
    if not form.is_valid():
        return _outbox_page(request, resend_all_form=form, status=400)

    def refuse(message):
        form.add_error(None, message)
        return _outbox_page(request, resend_all_form=form, status=400)

    return form_tokens.submit_once(request, lambda: _resend_all(request), refuse)


def _resend_all(request):
    count = services.resend_failed(request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s failing email is being sent again.",
                "%(count)s failing emails are being sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("No email was failing any more; nothing was changed."))
    return redirect("outbox_list")


@administrators_only
def outbox_sent(request):
    """Every email that left the review: status, attempts, errors, what the provider
    reported about its delivery."""
    emails = (
        OutboundEmail.objects.exclude(status=Status.HELD)
        .select_related("application", "edited_by")
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status not in Status.values or status == Status.HELD:
        status = ""
    if status:
        emails = emails.filter(status=status)
    problems = request.GET.get("problems") == "1"
    if problems:
        # Not delivered: failed to send (attempts spent), or reported by the provider.
        emails = emails.filter(
            Q(status=Status.FAILED) | Q(delivery_status__in=PROBLEM_DELIVERY_STATUSES)
        )
    page = Paginator(emails, SENT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {
        key: value
        for key, value in (("status", status), ("problems", "1" if problems else ""))
        if value
    }
    context = {
        "page": page,
        "statuses": [choice for choice in Status.choices if choice[0] != Status.HELD],
        "current_status": status,
        "problems": problems,
        "page_query": urlencode(query),
        "failed_count": services.failing_count(),
        "resend_all_form": ResendAllForm(),
    }
    return render(request, "notifications/outbox_sent.html", context)


def _pdf_response(dossier, *, inline):
    response = HttpResponse(render_decision_letter(dossier), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{letter_filename(dossier)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@administrators_only
def outbox_letter_preview(request, pk):
    """The decision letter of a decided dossier, before it is notified (administrators
    review it with the emails)."""
    dossier = get_object_or_404(Application.objects.select_related("call", "organization"), pk=pk)
    if dossier.state not in rules.STAFF_VISIBLE_STATES or letter_decision(dossier) is None:
        raise Http404
    return _pdf_response(dossier, inline=True)


@login_required
def outbox_decision_letter(request, pk):
    """The decision letter, once the decision is notified: for the members of the
    dossier's organisation and the staff who may see the dossier."""
    dossier = dossier_for(request.user, pk)
    if dossier.state != DossierState.NOTIFIED or letter_decision(dossier) is None:
        raise Http404
    return _pdf_response(dossier, inline=False)
