"""Pages of the applicants and staff: dashboard, dossier page and its actions.

Views only parse input, call one service or selector and render; permissions,
conditions and quotas are checked by ``workflows.services.perform`` and the
selectors of ``calls.selectors``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Organization
from workflows import rules
from workflows.exceptions import StaleDossier, TransitionError, TransitionNotPermitted
from workflows.services import available_transitions, perform
from workflows.states import DossierState

from . import selectors, services
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
    filters = DossierFilterForm(request.GET or None, calls=calls)
    state = call = None
    if filters.is_bound and filters.is_valid():
        state = filters.cleaned_data["state"] or None
        call = filters.cleaned_data["call"]
    counts = selectors.state_counts(selectors.dossier_list(user, call=call))
    dossiers = selectors.dossier_list(user, state=state, call=call).only(
        "reference", "title", "state", "updated_at", "call__title", "organization__name"
    )
    paginator = Paginator(dossiers, PAGE_SIZE)
    # The per-state counts already give the number of rows: no second COUNT query.
    paginator.count = counts.get(state, 0) if state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
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
    }
    status = 400 if filters.is_bound and filters.errors else 200
    return render(request, "calls/dashboard.html", context, status=status)


@login_required
def dossier_create(request):
    form = _draft_form(request.user, request.POST if request.method == "POST" else None)
    if form is None:
        messages.error(request, _("Only members of an organisation can start a dossier."))
        return redirect("dashboard")
    if form.is_bound and form.is_valid():
        try:
            dossier = services.create_draft(
                call=form.cleaned_data["call"],
                organization=form.cleaned_data["organization"],
                user=request.user,
                title=form.cleaned_data["title"],
            )
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Draft %(reference)s created. Complete it, then submit it.")
                % {"reference": dossier.reference},
            )
            return redirect("dossier_detail", pk=dossier.pk)
    status = 400 if form.is_bound else 200
    return render(request, "calls/dossier_create.html", {"form": form}, status=status)


def _dossier_page(
    request, dossier, *, transition_form=None, message_form=None, error=None, status=200
):
    """Render the dossier page; ``transition_form`` replaces the blank form of its
    action (to show what was typed and the errors), ``error`` is shown at the top."""
    user = request.user
    actions = []
    for available in available_transitions(dossier, user):
        form = transition_form
        if form is None or form.transition != available.name:
            form = TransitionForm(
                transition=available.name,
                needs=available.needs,
                initial={"expected_state": dossier.state},
            )
        actions.append({"transition": available, "form": form})
    if message_form is None and rules.can_write_message(user, dossier):
        message_form = MessageForm(allow_internal=rules.can_see_internal(user, dossier))
    error_field_id = None
    if error is not None and transition_form is not None and error.field in transition_form.fields:
        error_field_id = transition_form[error.field].id_for_label
    context = {
        "dossier": dossier,
        "objectives": list(dossier.objectives.all()),
        "attachments": list(dossier.attachments.all()),
        "decision": selectors.current_decision(dossier, user),
        "timeline": selectors.timeline(dossier, user),
        "actions": actions,
        "message_form": message_form,
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
        perform(dossier, transition, user, **form.transition_data())
    except TransitionError as error:
        return _redisplay(request, pk, transition, error)
    messages.success(
        request, _("Done. The dossier is now “%(state)s”.") % {"state": dossier.state_label}
    )
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
    form = MessageForm(request.POST, allow_internal=rules.can_see_internal(user, dossier))
    if not form.is_valid():
        return _dossier_page(request, dossier, message_form=form, status=400)
    try:
        services.post_message(
            dossier,
            user,
            form.cleaned_data["body"],
            internal=form.cleaned_data.get("internal", False),
        )
    except TransitionError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _dossier_page(
            request, dossier, message_form=form, error=error, status=_error_status(error)
        )
    messages.success(request, _("Your message was added to the dossier."))
    return redirect("dossier_detail", pk=pk)
