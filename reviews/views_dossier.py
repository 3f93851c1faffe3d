"""The staff page of a dossier (``/gestion/dossiers/<pk>/``) and its actions: every
field and document, the history, internal notes beside the thread with the
applicant, the opinions and scores, and the transitions this user may perform; and
the eligibility examination (``/gestion/dossiers/<pk>/recevabilite/``).

Only staff who may see the dossier (``workflows.rules.can_see_internal``) reach these
pages; anybody else gets a 404. State changes go through
``workflows.services.perform``, other writes through ``reviews.services`` and
``calls.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import form_tokens
from calls import selectors as dossier_selectors
from calls import services as dossier_services
from calls import uploads
from calls.forms import MessageForm, TransitionForm
from calls.models import District
from workflows import rules
from workflows.exceptions import StaleDossier, TransitionError, TransitionNotPermitted
from workflows.flows import flow_class_for
from workflows.http import dossier_changed, posted_version, unsent
from workflows.services import available_transitions, perform
from workflows.states import DossierState

from . import dossier_selectors as selectors
from . import services
from .forms import OUTCOME_TRANSITIONS, ConsultationForm, EligibilityForm
from .selectors import score_summary

# Transitions carried out from a page of their own rather than a plain form.
ELIGIBILITY_TRANSITIONS = set(OUTCOME_TRANSITIONS.values())
CONSULTATION_TRANSITION = "open_consultation"


def staff_dossier(user, pk):
    """The dossier, for staff who may see it; 404 for anybody else (applicants too)."""
    dossier = dossier_selectors.dossier_for(user, pk)
    if not rules.can_see_internal(user, dossier):
        raise Http404
    return dossier


def _status(error) -> int:
    if isinstance(error, StaleDossier):
        return 409
    if isinstance(error, TransitionNotPermitted):
        return 403
    return 400


def _back_link(user) -> tuple[str, str]:
    """Where the breadcrumb leads: the staff list for administrators and instructors,
    the opinion queue for the bodies' members, the dashboard otherwise."""
    user_roles = rules.roles(user)
    if rules.is_administrator(user) or rules.INSTRUCTORS in user_roles:
        try:
            return reverse("staff_dossier_list"), _("Dossiers")
        except NoReverseMatch:
            pass
    if rules.GOVERNANCE_MEMBERS in user_roles:
        return reverse("staff_opinion_queue"), _("Opinions to give")
    return reverse("dashboard"), _("Dossiers")


# Actions that refuse, send back or undo: shown after the ones that move the dossier
# forward ("Select" before "Decline"), each group in the flow's order.
BACKWARD_ACTIONS = frozenset(
    {"decline", "declare_ineligible", "request_completion", "reopen", "withdraw", "discard"}
)


def _actions(dossier, user, transition_form=None, consultation_form=None):
    actions = []
    transitions = sorted(
        available_transitions(dossier, user), key=lambda t: t.name in BACKWARD_ACTIONS
    )
    for available in transitions:
        action = {"transition": available, "kind": "form"}
        if available.name in ELIGIBILITY_TRANSITIONS:
            if any(a["kind"] == "eligibility" for a in actions):
                continue
            action["kind"] = "eligibility"
        elif available.name == CONSULTATION_TRANSITION:
            action["kind"] = "consultation"
            action["form"] = consultation_form or ConsultationForm()
        else:
            form = transition_form
            if form is None or form.transition != available.name:
                form = TransitionForm(
                    transition=available.name,
                    needs=available.needs,
                    initial={"expected_state": dossier.state},
                )
            action["form"] = form
        actions.append(action)
    return actions


def _timeline(dossier, user):
    """State changes and emails, oldest first, each transition named by its label."""
    labels = {
        transition.slug: str(transition.label)
        for method in flow_class_for(dossier).state.get_transitions()
        for transition in method.get_transitions()
    }
    events = []
    for event in dossier_selectors.timeline(dossier, user):
        if event["kind"] == "message":
            continue  # notes and messages have their own columns
        if event["kind"] == "transition":
            log = event["item"]
            event["title"] = labels.get(log.transition, log.get_to_state_display())
        events.append(event)
    return events


def _page(
    request,
    dossier,
    *,
    transition_form=None,
    consultation_form=None,
    message_form=None,
    error=None,
    unsent=None,
    status=200,
):
    user = request.user
    thread = list(dossier.messages.select_related("author").order_by("created_at", "pk"))
    if message_form is None and rules.can_write_message(user, dossier):
        message_form = MessageForm(allow_internal=True, initial={"internal": True})
    error_field_id = None
    if error is not None and transition_form is not None and error.field in transition_form.fields:
        error_field_id = transition_form[error.field].id_for_label
    shows_scores = (dossier.call.is_prize or dossier.call.jury_scores) and rules.can_see_average(
        user, dossier
    )
    context = {
        "dossier": dossier,
        "back": _back_link(user),
        "state_label": dossier.state_label,
        "objectives": list(dossier.objectives.all()),
        "districts": [District(code).label for code in dossier.districts if code in District],
        "attachments": list(dossier.attachments.select_related("required_document")),
        "timeline": _timeline(dossier, user),
        "notes": [m for m in thread if m.internal],
        "thread": [m for m in thread if not m.internal],
        "message_form": message_form,
        "consultation": selectors.consultation(dossier),
        "review": selectors.latest_eligibility_review(dossier),
        "scores": score_summary(dossier) if shows_scores else None,
        "jury": selectors.jury_panel(dossier, user),
        "is_juror": rules.is_juror_of(user, dossier),
        "decision": dossier_selectors.current_decision(dossier, user),
        "actions": _actions(dossier, user, transition_form, consultation_form),
        "entered_by_user": rules.entered_dossier(user, dossier),
        "separation_of_duties": rules.SEPARATION_OF_DUTIES,
        "error": error,
        "error_field_id": error_field_id,
        "unsent": unsent,
    }
    return render(request, "staff/dossier_detail.html", context, status=status)


@login_required
def staff_dossier_detail(request, pk):
    return _page(request, staff_dossier(request.user, pk))


def _no_longer_possible(dossier, transition) -> str:
    """Why a stale form can no longer be sent: its action is not offered now."""
    labels = {
        t.slug: str(t.label)
        for method in flow_class_for(dossier).state.get_transitions()
        for t in method.get_transitions()
    }
    return _(
        "“%(action)s” is no longer possible on this dossier in its current state, so the "
        "form cannot be sent again."
    ) % {"action": labels.get(transition, transition)}


def _offered(dossier, user, transition):
    for available in available_transitions(dossier, user):
        if available.name == transition:
            return available
    return None


@login_required
@require_POST
def staff_dossier_transition(request, pk, transition):
    """One transition from the staff page (eligibility and the opening of a
    consultation have their own forms); back to the staff page."""
    user = request.user
    dossier = staff_dossier(user, pk)
    if transition in ELIGIBILITY_TRANSITIONS or transition == CONSULTATION_TRANSITION:
        raise Http404
    expected_state = request.POST.get("expected_state", "")
    if expected_state not in DossierState.values:
        error = TransitionError(_("The form is out of date; reload the page."))
        return _page(request, dossier, error=error, status=400)
    dossier._set_state(expected_state)
    offered = _offered(dossier, user, transition)
    form = TransitionForm(
        request.POST, transition=transition, needs=offered.needs if offered else ()
    )
    form.is_valid()
    try:
        perform(
            dossier,
            transition,
            user,
            expected_version=posted_version(request.POST),
            **form.transition_data(),
        )
    except TransitionError as error:
        dossier = staff_dossier(user, pk)
        still_offered = _offered(dossier, user, transition) is not None
        kept = None
        if isinstance(error, StaleDossier):
            kept = unsent(
                form,
                changed=dossier_changed(dossier),
                resendable=still_offered,
                why=_no_longer_possible(dossier, transition),
            )
        if still_offered:
            # Shown again with what was typed, built on the dossier's current version.
            if error.field in form.fields:
                form.add_error(error.field, error.message)
        else:
            form = None  # not possible any more: the forms of its current state
        return _page(
            request,
            dossier,
            transition_form=form,
            error=error,
            unsent=kept,
            status=_status(error),
        )
    messages.success(
        request, _("Done. The dossier is now “%(state)s”.") % {"state": dossier.state_label}
    )
    return redirect("staff_dossier_detail", pk=pk)


@login_required
@require_POST
def staff_dossier_consult(request, pk):
    """Consult the governance bodies on this dossier, with a due date."""
    user = request.user
    dossier = staff_dossier(user, pk)
    form = ConsultationForm(request.POST)
    expected_state = request.POST.get("expected_state", "")
    if not form.is_valid():
        error = TransitionError(form.errors["due_at"][0], field="due_at")
        return _page(request, dossier, consultation_form=form, error=error, status=400)
    if expected_state not in DossierState.values:
        error = TransitionError(_("The form is out of date; reload the page."))
        return _page(request, dossier, error=error, status=400)
    dossier._set_state(expected_state)
    try:
        services.open_consultation(
            dossier,
            user,
            form.cleaned_data["due_at"],
            expected_version=posted_version(request.POST),
        )
    except TransitionError as error:
        dossier = staff_dossier(user, pk)
        kept = None
        if isinstance(error, StaleDossier):
            kept = unsent(
                form,
                changed=dossier_changed(dossier),
                resendable=_offered(dossier, user, CONSULTATION_TRANSITION) is not None,
                why=_no_longer_possible(dossier, CONSULTATION_TRANSITION),
            )
        return _page(
            request,
            dossier,
            consultation_form=form,
            error=error,
            unsent=kept,
            status=_status(error),
        )
    messages.success(
        request,
        _("The governance bodies are consulted; their opinions are due by %(date)s.")
        % {"date": form.cleaned_data["due_at"].strftime("%d/%m/%Y")},
    )
    return redirect("staff_dossier_detail", pk=pk)


@login_required
@require_POST
def staff_dossier_message(request, pk):
    """An internal note (never shown to the applicant) or a message to the applicant."""
    user = request.user
    dossier = staff_dossier(user, pk)
    if not rules.can_write_message(user, dossier):
        raise Http404
    form = MessageForm(request.POST, request.FILES, allow_internal=True)
    if not form.is_valid():
        return _page(request, dossier, message_form=form, status=400)

    def refuse(message):
        form.add_error(None, message)
        return _page(request, dossier, message_form=form, status=400)

    # One-time: a double click adds one note (a page without a key posts as before).
    return form_tokens.submit_once(
        request, lambda: _post_staff_message(request, dossier, form), refuse
    )


def _post_staff_message(request, dossier, form):
    internal = form.cleaned_data.get("internal", False)
    extra = {}
    if form.cleaned_data.get("attachment"):
        extra["attachment"] = form.cleaned_data["attachment"]
    try:
        dossier_services.post_message(
            dossier, request.user, form.cleaned_data["body"], internal=internal, **extra
        )
    except TransitionError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _page(request, dossier, message_form=form, error=error, status=_status(error))
    messages.success(
        request,
        _("Internal note added; the applicant does not see it.")
        if internal
        else _("Your message was sent to the applicant."),
    )
    return redirect("staff_dossier_detail", pk=dossier.pk)


# Eligibility.


def _eligibility_page(
    request, dossier, form=None, error=None, status=200, unsent=None, closed=False
):
    criteria = list(dossier.call.eligibility_criteria.all())
    if form is None and not closed:
        form = EligibilityForm(criteria=criteria, initial={"expected_state": dossier.state})
    context = {
        "dossier": dossier,
        "form": None if closed else form,
        "unsent": unsent,
        "pre_checks": selectors.pre_checks(dossier),
        "attachments": list(dossier.attachments.select_related("required_document")),
        "review": selectors.latest_eligibility_review(dossier),
        "error": error,
    }
    return render(request, "staff/dossier_eligibility.html", context, status=status)


def _may_examine(dossier, user) -> bool:
    names = {t.name for t in available_transitions(dossier, user)}
    return bool(names & ELIGIBILITY_TRANSITIONS)


def _stale_examination(request, dossier, form):
    """The dossier changed since the checklist was opened: 409, with the checklist as
    typed (on the current version when it is still to be examined)."""
    examinable = _may_examine(dossier, request.user)
    kept = unsent(
        form,
        changed=dossier_changed(dossier),
        resendable=examinable,
        why=_(
            "The eligibility of this dossier is no longer to be examined, so the checklist "
            "cannot be sent again."
        ),
    )
    return _eligibility_page(
        request, dossier, form=form, unsent=kept, closed=not examinable, status=409
    )


@login_required
def staff_eligibility(request, pk):
    """The eligibility checklist of a submitted dossier, for the instructors of its
    call: each criterion met or not with a comment, beside the automatic pre-checks;
    then eligible, ineligible (with the reason) or to be completed (with what the
    applicant must add, sent to them by email)."""
    user = request.user
    dossier = staff_dossier(user, pk)
    if not rules.is_instructor_of(user, dossier):
        raise Http404
    if rules.entered_dossier(user, dossier):
        messages.error(request, rules.SEPARATION_OF_DUTIES)
        return redirect("staff_dossier_detail", pk=pk)
    if request.method != "POST":
        if not _may_examine(dossier, user):
            messages.error(
                request, _("The eligibility of this dossier is no longer to be examined.")
            )
            return redirect("staff_dossier_detail", pk=pk)
        return _eligibility_page(request, dossier)
    criteria = list(dossier.call.eligibility_criteria.all())
    form = EligibilityForm(request.POST, criteria=criteria)
    if not _may_examine(dossier, user):
        return _stale_examination(request, dossier, form)
    if not form.is_valid():
        return _eligibility_page(request, dossier, form=form, status=400)
    dossier._set_state(form.cleaned_data["expected_state"])
    pre_checks = selectors.pre_checks(dossier)
    try:
        perform(
            dossier,
            form.transition,
            user,
            expected_version=posted_version(request.POST),
            reason=form.cleaned_data["reason"],
            checklist=form.checklist(pre_checks),
        )
    except TransitionError as error:
        dossier = staff_dossier(user, pk)
        if isinstance(error, StaleDossier):
            return _stale_examination(request, dossier, form)
        if error.field == "reason":
            form.add_error("reason", error.message)
        if not _may_examine(dossier, user):
            messages.error(request, error.message)
            return redirect("staff_dossier_detail", pk=pk)
        return _eligibility_page(request, dossier, form=form, error=error, status=_status(error))
    done = {
        "declare_eligible": _("The dossier %(reference)s is declared eligible."),
        "declare_ineligible": _(
            "The dossier %(reference)s is declared ineligible; the applicant will be told "
            "when the decision is notified."
        ),
        "request_completion": _(
            "The applicant of %(reference)s is asked by email to complete the dossier."
        ),
    }[form.transition]
    messages.success(request, done % {"reference": dossier.reference})
    return redirect("staff_dossier_detail", pk=pk)


@login_required
def staff_opinion_document(request, pk, opinion_pk):
    """The document attached to an opinion, for staff who may see the dossier."""
    dossier = staff_dossier(request.user, pk)
    opinion = selectors.opinion_for(request.user, dossier, opinion_pk)
    if not opinion.document:
        raise Http404
    return uploads.serve(_OpinionFile(opinion))


class _OpinionFile:
    """An opinion's document in the shape ``calls.uploads.serve`` sends."""

    TYPES = {ext: kind for kind, extensions in uploads.EXTENSIONS.items() for ext in extensions}

    def __init__(self, opinion):
        self.file = opinion.document
        extension = "." + opinion.document.name.rsplit(".", 1)[-1].lower()
        self.content_type = self.TYPES.get(extension, "application/octet-stream")
        name = f"{opinion.body.name} - {opinion.application.reference}"
        self.original_name = uploads.sanitise_name(
            f"{name}{extension}", self.content_type if extension in self.TYPES else uploads.PDF
        )
