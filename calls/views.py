"""Pages of the applicants and staff: dashboard, dossier page and its actions.

Views only parse input, call one service or selector and render; permissions,
conditions and quotas are checked by ``workflows.services.perform`` and the
selectors of ``calls.selectors``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import form_tokens
from accounts.models import Organization
from workflows import rules
from workflows.exceptions import StaleDossier, TransitionError, TransitionNotPermitted
from workflows.http import posted_version
from workflows.services import available_transitions, perform, unmet_conditions
from workflows.states import PLAIN_WORDS, DossierState

from . import nominations, selectors, services, uploads
from .forms import DossierFilterForm, DraftForm, MessageForm, TransitionForm
from .models import Call

PAGE_SIZE = 50

# The headline of the dashboard, by role (the first role the user has wins).
ROLE_HEADLINES = (
    (rules.ADMINISTRATORS, gettext_lazy("All dossiers")),
    (rules.INSTRUCTORS, gettext_lazy("Dossiers to instruct")),
    (rules.GOVERNANCE_MEMBERS, gettext_lazy("Dossiers submitted to your governance body")),
    (rules.JURORS, gettext_lazy("Dossiers assigned to you as a juror")),
)


# Each state change in plain words, for the history of a dossier.
TIMELINE_WORDS = {
    "submit": gettext_lazy("Dossier submitted"),
    "discard": gettext_lazy("Draft discarded"),
    "request_completion": gettext_lazy("The City services asked for the dossier to be completed"),
    "resubmit": gettext_lazy("Completed dossier sent again"),
    "declare_eligible": gettext_lazy("Dossier declared eligible"),
    "declare_ineligible": gettext_lazy("Dossier declared ineligible"),
    "withdraw": gettext_lazy("Dossier withdrawn"),
    "open_consultation": gettext_lazy("Sent to the governance bodies for their opinion"),
    "close_consultation": gettext_lazy("Opinions of the governance bodies closed"),
    "open_jury": gettext_lazy("Sent to the jury"),
    "close_jury": gettext_lazy("Examination by the jury closed"),
    "to_decision": gettext_lazy("Sent for decision"),
    "select": gettext_lazy("Decision taken: selected"),
    "decline": gettext_lazy("Decision taken: not selected"),
    "reopen": gettext_lazy("Decision reopened"),
    "notify": gettext_lazy("Decision notified"),
    "examine_nomination": gettext_lazy("Nomination sent to examination by the City services"),
}

# Actions with a page of their own (a confirmation step) rather than a form on the
# dossier page.
CONFIRMED_ACTIONS = {"withdraw": "dossier_withdraw"}

# Sending the dossier: offered as a button only once its conditions are met (else the
# page lists what is missing, with a link to the check page).
SUBMISSIONS = {"submit", "resubmit"}

# Actions shown after the others (discarding a draft is never the first button).
LAST_ACTIONS = {"discard"}


def describe_state(state) -> dict:
    """A state as pages show it: its label, a sentence, the next step, who acts."""
    state = DossierState(state)
    words = PLAIN_WORDS[state]
    return {
        "value": state.value,
        "label": state.label,
        "sentence": words.sentence,
        "next_step": words.next_step,
        "who": words.who.label,
        "who_value": words.who.value,
    }


def _headline(user) -> str:
    user_roles = rules.roles(user)
    if rules.is_administrator(user):
        return ROLE_HEADLINES[0][1]
    for role, headline in ROLE_HEADLINES:
        if role in user_roles:
            return headline
    return gettext_lazy("My organisation's dossiers")


def _draft_form(user, data=None):
    """The form to start a draft, for members of an organisation (else ``None``)."""
    organization_ids = rules.organization_ids(user)
    if not organization_ids:
        return None
    return DraftForm(
        data,
        calls=selectors.open_calls(),
        organizations=Organization.objects.filter(pk__in=organization_ids).order_by("name"),
    )


@login_required
def dashboard(request):
    user = request.user
    calls = Call.objects.filter(
        pk__in=selectors.visible_dossiers(user).order_by().values("call_id")
    ).order_by("-opens_at", "pk")
    filters = DossierFilterForm(
        request.GET or None, calls=calls, states=selectors.shown_states(user)
    )
    state = call = None
    if filters.is_bound and filters.is_valid():
        state = filters.cleaned_data["state"] or None
        call = filters.cleaned_data["call"]
    # States, counts and filter as the user may see them: an applicant does not see
    # a decision before it is notified.
    counts = selectors.shown_state_counts(user, selectors.dossier_list(user, call=call))
    dossiers = selectors.dossier_list(user, call=call)
    if state:
        dossiers = dossiers.filter(state__in=selectors.states_shown_as(user, state))
    dossiers = selectors.with_disclosed_change(
        user,
        dossiers.only(
            "reference", "title", "state", "updated_at", "call__title", "organization__name"
        ),
    )
    paginator = Paginator(dossiers, PAGE_SIZE)
    # The per-state counts already give the number of rows: no second COUNT query.
    paginator.count = counts.get(state, 0) if state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for dossier in page.object_list:
        dossier.shown = describe_state(selectors.shown_state(user, dossier.state))
        dossier.changed_at = getattr(dossier, "disclosed_change_at", None) or dossier.updated_at
    base_query = {}
    if state:
        base_query["state"] = state
    if call:
        base_query["call"] = call.pk
    state_links = [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "query": urlencode({**base_query, "state": value}),
        }
        for value, label in DossierState.choices
        if counts.get(value)
    ]
    context = {
        "headline": _headline(user),
        "filters": filters,
        "page": page,
        "state_links": state_links,
        "total": sum(counts.values()),
        "current_state": state,
        "current_call": call,
        "all_states_query": urlencode({"call": call.pk}) if call else "",
        "page_query": urlencode(base_query),
        "draft_form": _draft_form(user),
        "pending_nominations": list(nominations.pending_for(user)),
        "nominations_link": bool(rules.organization_ids(user)),
        "first_steps": None if state or call else selectors.first_steps(user, sum(counts.values())),
    }
    status = 400 if filters.is_bound and filters.errors else 200
    return render(request, "calls/dashboard.html", context, status=status)


@login_required
def dossier_create(request):
    form = _draft_form(request.user, request.POST if request.method == "POST" else None)
    if form is None:
        if rules.has_reception(request.user):
            # Staff start the dossier of an organisation on its behalf from the reception.
            messages.info(
                request,
                _(
                    "To enter the dossier of an organisation received by post, at the "
                    "counter or by phone, find or create the organisation here."
                ),
            )
            return redirect("reception_home")
        messages.error(request, _("Only members of an organisation can start a dossier."))
        return redirect("dashboard")
    if form.is_bound and form.is_valid():
        return form_tokens.submit_once(
            request,
            lambda: _create_draft(request, form),
            lambda message: _refuse_draft(request, form, message),
        )
    status = 400 if form.is_bound else 200
    return render(request, "calls/dossier_create.html", {"form": form}, status=status)


def _refuse_draft(request, form, message):
    form.add_error(None, message)
    return render(request, "calls/dossier_create.html", {"form": form}, status=400)


def _create_draft(request, form):
    try:
        dossier = services.create_draft(
            call=form.cleaned_data["call"],
            organization=form.cleaned_data["organization"],
            user=request.user,
            title=form.cleaned_data["title"],
        )
    except TransitionError as error:
        form.add_error(None, error.message)
        return render(request, "calls/dossier_create.html", {"form": form}, status=400)
    messages.success(
        request,
        _("Draft %(reference)s created. Complete it, then submit it.")
        % {"reference": dossier.reference},
    )
    return redirect("dossier_detail", pk=dossier.pk)


def _dossier_page(
    request, dossier, *, transition_form=None, message_form=None, error=None, status=200
):
    """Render the dossier page; ``transition_form`` replaces the blank form of its
    action (to show what was typed and the errors), ``error`` is shown at the top."""
    user = request.user
    actions, confirmed_actions = [], []
    offered = sorted(available_transitions(dossier, user), key=lambda t: t.name in LAST_ACTIONS)
    for available in offered:
        if available.name in CONFIRMED_ACTIONS:
            confirmed_actions.append(
                {"transition": available, "url_name": CONFIRMED_ACTIONS[available.name]}
            )
            continue
        form = transition_form
        if form is None or form.transition != available.name:
            form = TransitionForm(
                transition=available.name,
                needs=available.needs,
                initial={"expected_state": dossier.state},
            )
        missing = unmet_conditions(dossier, available.name) if available.name in SUBMISSIONS else []
        actions.append({"transition": available, "form": form, "missing": missing})
    if message_form is None and rules.can_write_message(user, dossier):
        message_form = MessageForm(allow_internal=rules.can_see_internal(user, dossier))
    error_field_id = None
    if error is not None and transition_form is not None and error.field in transition_form.fields:
        error_field_id = transition_form[error.field].id_for_label
    timeline = selectors.timeline(dossier, user)
    for event in timeline:
        if event["kind"] == "transition":
            log = event["item"]
            event["title"] = TIMELINE_WORDS.get(log.transition, log.get_to_state_display())
            if event.get("decision_log") is not None:
                event["outcome"] = DossierState(log.from_state).label
    decision = selectors.current_decision(dossier, user)
    context = {
        "dossier": dossier,
        "state": describe_state(selectors.shown_state(user, dossier)),
        "objectives": list(dossier.objectives.all()),
        "attachments": list(dossier.attachments.all()),
        "decision": decision,
        "decision_emails": selectors.decision_emails(dossier)
        if decision is not None and dossier.state == DossierState.NOTIFIED
        else [],
        "timeline": timeline,
        "completion_request": selectors.completion_request(dossier, timeline),
        "applicant_may_edit": rules.acts_for_applicant(user, dossier)
        and dossier.state in (DossierState.DRAFT, DossierState.INCOMPLETE),
        "actions": actions,
        "confirmed_actions": confirmed_actions,
        "message_form": message_form,
        "show_delivery": rules.can_see_internal(user, dossier),
        "error": error,
        "error_field_id": error_field_id,
    }
    return render(request, "calls/dossier_detail.html", context, status=status)


@login_required
def dossier_detail(request, pk):
    return _dossier_page(request, selectors.dossier_for(request.user, pk))


def _error_status(error) -> int:
    if isinstance(error, StaleDossier):
        return 409
    if isinstance(error, TransitionNotPermitted):
        return 403
    return 400


@login_required
@require_POST
def dossier_transition(request, pk, transition):
    user = request.user
    dossier = selectors.dossier_for(user, pk)
    expected_state = request.POST.get("expected_state", "")
    if expected_state not in DossierState.values:
        error = TransitionError(_("The form is out of date; reload the page."))
        return _dossier_page(request, dossier, error=error, status=400)
    # perform() compares the state this dossier object holds (the one the page showed)
    # with the state of the locked row, and refuses the action if they differ.
    dossier._set_state(expected_state)
    offered = {t.name: t for t in available_transitions(dossier, user)}
    needs = offered[transition].needs if transition in offered else ()
    form = TransitionForm(request.POST, transition=transition, needs=needs)
    if not form.is_valid():
        return _redisplay(request, pk, transition)
    try:
        perform(
            dossier,
            transition,
            user,
            expected_version=posted_version(request.POST),
            **form.transition_data(),
        )
    except TransitionError as error:
        return _redisplay(request, pk, transition, error)
    shown = selectors.shown_state(user, dossier)
    messages.success(request, _("Done. The dossier is now “%(state)s”.") % {"state": shown.label})
    return redirect("dossier_detail", pk=pk)


def _redisplay(request, pk, transition, error=None):
    """Show the dossier as it is now, with the error and what was typed."""
    user = request.user
    dossier = selectors.dossier_for(user, pk)
    form = None
    for available in available_transitions(dossier, user):
        if available.name == transition:
            data = request.POST.copy()
            # The page now shows the current state: a new attempt is made against it.
            data["expected_state"] = dossier.state
            form = TransitionForm(data, transition=transition, needs=available.needs)
            form.is_valid()
            if error is not None and error.field in form.fields:
                form.add_error(error.field, error.message)
    status = _error_status(error) if error is not None else 400
    return _dossier_page(request, dossier, transition_form=form, error=error, status=status)


@login_required
@require_POST
def dossier_message(request, pk):
    user = request.user
    dossier = selectors.dossier_for(user, pk)
    form = MessageForm(
        request.POST, request.FILES, allow_internal=rules.can_see_internal(user, dossier)
    )
    if not form.is_valid():
        return _dossier_page(request, dossier, message_form=form, status=400)

    def refuse(message):
        form.add_error(None, message)
        return _dossier_page(request, dossier, message_form=form, status=400)

    return form_tokens.submit_once(
        request, lambda: _post_message(request, dossier, form, pk), refuse
    )


def _post_message(request, dossier, form, pk):
    user = request.user
    try:
        services.post_message(
            dossier,
            user,
            form.cleaned_data["body"],
            internal=form.cleaned_data.get("internal", False),
            attachment=form.cleaned_data.get("attachment"),
        )
    except TransitionError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _dossier_page(
            request, dossier, message_form=form, error=error, status=_error_status(error)
        )
    messages.success(request, _("Your message was added to the dossier."))
    return redirect("dossier_detail", pk=pk)


class _MessageFile:
    """A message's attachment in the shape ``calls.uploads.serve`` sends."""

    TYPES = {ext: kind for kind, extensions in uploads.EXTENSIONS.items() for ext in extensions}

    def __init__(self, message):
        self.file = message.attachment
        self.original_name = message.attachment_name or "document"
        extension = "." + self.original_name.rsplit(".", 1)[-1].lower()
        self.content_type = self.TYPES.get(extension, "application/octet-stream")


@login_required
def dossier_message_attachment(request, pk, message_pk):
    """The file attached to a message, for who may see the message (404 otherwise)."""
    user = request.user
    dossier = selectors.dossier_for(user, pk)
    message = selectors.message_for(user, dossier, message_pk)
    if not message.attachment:
        raise Http404
    return uploads.serve(_MessageFile(message))


def _withdraw_form(dossier, needs, data=None, error=None):
    """The withdrawal form, tied to the state the page shows; a refused one comes
    back with what was typed and the error next to its field."""
    if data is None:
        return TransitionForm(
            transition="withdraw", needs=needs, initial={"expected_state": dossier.state}
        )
    data = data.copy()
    data["expected_state"] = dossier.state
    form = TransitionForm(data, transition="withdraw", needs=needs)
    form.is_valid()
    if error is not None and error.field in form.fields:
        form.add_error(error.field, error.message)
    return form


@login_required
def dossier_withdraw(request, pk):
    """Withdraw a dossier, in two steps: a page that asks for the reason and for a
    confirmation (GET), then the withdrawal itself (POST)."""
    user = request.user
    dossier = selectors.dossier_for(user, pk)
    offered = {t.name: t for t in available_transitions(dossier, user)}
    if "withdraw" not in offered:
        messages.error(request, _("This dossier cannot be withdrawn in its current state."))
        return redirect("dossier_detail", pk=pk)
    needs = offered["withdraw"].needs
    if request.method != "POST":
        form = _withdraw_form(dossier, needs)
        return render(request, "calls/dossier_withdraw.html", {"dossier": dossier, "form": form})
    form = TransitionForm(request.POST, transition="withdraw", needs=needs)
    if not form.is_valid():
        error = TransitionError(_("The form is out of date; reload the page."))
        form = _withdraw_form(dossier, needs, request.POST)
        context = {"dossier": dossier, "form": form, "error": error}
        return render(request, "calls/dossier_withdraw.html", context, status=400)
    # perform() refuses the withdrawal if the dossier changed since the page was shown.
    dossier._set_state(form.cleaned_data["expected_state"])
    try:
        perform(
            dossier,
            "withdraw",
            user,
            expected_version=posted_version(request.POST),
            **form.transition_data(),
        )
    except TransitionError as error:
        dossier = selectors.dossier_for(user, pk)
        if "withdraw" not in {t.name for t in available_transitions(dossier, user)}:
            messages.error(request, error.message)
            return redirect("dossier_detail", pk=pk)
        form = _withdraw_form(dossier, needs, request.POST, error)
        context = {"dossier": dossier, "form": form, "error": error}
        return render(request, "calls/dossier_withdraw.html", context, status=_error_status(error))
    messages.success(
        request,
        _("The dossier %(reference)s is withdrawn; it will not be examined.")
        % {"reference": dossier.reference},
    )
    return redirect("dossier_detail", pk=pk)
