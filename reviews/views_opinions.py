"""Opinions of the governance bodies: opening the consultation on a selection of
dossiers (administrators), the queue of a body's members (``/gestion/avis/``) and the
page where one member records the body's opinion.

Who may not see a dossier gets a 404; refusals of the services (an opinion already
given, a body not consulted...) come back as messages next to the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import form_tokens
from calls import selectors as dossier_selectors
from calls.models import Application, Call
from workflows import rules
from workflows.exceptions import TransitionError, TransitionNotPermitted
from workflows.http import dossier_changed, posted_ids, unsent
from workflows.states import DossierState as S

from . import bulk_services, services
from . import dossier_selectors as selectors
from .forms import ConsultationForm, OpinionForm
from .models import GovernanceBody


def _consultable_calls():
    """AMI calls that consult governance bodies, with their eligible dossiers count."""
    return (
        Call.objects.filter(opinions_required=True, governance_bodies__isnull=False)
        .distinct()
        .annotate(eligible=Count("applications", filter=Q(applications__state=S.ELIGIBLE)))
        .order_by("-opens_at", "pk")
    )


@login_required
def staff_consultations(request):
    """Administrators: consult the governance bodies on the checked eligible dossiers
    of a call, with one due date; each dossier goes through on its own and a refused
    one is reported by reference. One-time: a double click consults once and the second
    answer shows the first report (a page without a key posts as before)."""
    user = request.user
    if not rules.is_administrator(user):
        raise Http404
    calls = list(_consultable_calls())
    raw_call = request.POST.get("call") if request.method == "POST" else request.GET.get("call")
    call = next((c for c in calls if str(c.pk) == str(raw_call)), None)
    if call is None and len(calls) == 1:
        call = calls[0]
    form = ConsultationForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _consultations_page(request, calls, call, form)

    def refuse(message):
        return _consultations_page(
            request, calls, call, form, checked=_checked(request), error=message, status=400
        )

    def replay(result):
        report = bulk_services.report_from_data(result.get("report") or [])
        return _consultations_page(
            request, calls, call, form, report=report, checked=_still_checked(report)
        )

    return form_tokens.submit_once(
        request, lambda: _consult(request, calls, call, form), refuse, replay
    )


def _checked(request) -> set:
    return set(posted_ids(request.POST.getlist("dossier")))


def _still_checked(report) -> set:
    return {outcome.pk for outcome in report if not outcome.done}


def _consult(request, calls, call, form):
    ids = posted_ids(request.POST.getlist("dossier"))
    if not ids:
        error = _("Check at least one dossier.")
        return _consultations_page(request, calls, call, form, error=error, status=400)
    if not form.is_valid():
        error = form.errors["due_at"][0]
        return _consultations_page(
            request, calls, call, form, checked=set(ids), error=error, status=400
        )
    in_call = set(Application.objects.filter(call=call, pk__in=ids).values_list("pk", flat=True))
    requests = [(pk, request.POST.get(f"state-{pk}", "")) for pk in ids if pk in in_call]
    outcomes = {
        outcome.pk: outcome
        for outcome in services.open_consultations(
            requests, request.user, form.cleaned_data["due_at"]
        )
    }
    report = [
        outcomes.get(pk)
        or services.Outcome(pk, "", False, _("This dossier is not part of this call."), "not_found")
        for pk in ids
    ]
    done = sum(1 for outcome in report if outcome.done)
    if done:
        messages.success(
            request,
            _("%(done)s of %(total)s dossiers sent to the governance bodies.")
            % {"done": done, "total": len(report)},
        )
    page = _consultations_page(
        request,
        calls,
        call,
        form,
        report=report,
        checked=_still_checked(report),
        status=200 if done == len(report) else 400,
    )
    return form_tokens.remember(page, {"report": bulk_services.report_data(report)})


def _consultations_page(
    request, calls, call, form, *, report=None, checked=(), error=None, status=200
):
    dossiers = []
    if call is not None:
        dossiers = list(
            Application.objects.filter(call=call, state=S.ELIGIBLE)
            .select_related("organization")
            .order_by("reference")
        )
    context = {
        "calls": calls,
        "call": call,
        "dossiers": dossiers,
        "checked": set(checked),
        "form": form,
        "report": report,
        "error": error,
    }
    return render(request, "staff/opinion_consultations.html", context, status=status)


@login_required
def staff_opinion_queue(request):
    """The dossiers on which the user's governance bodies are consulted: waiting for
    an opinion first (soonest due first), then those answered."""
    user = request.user
    bodies = selectors.member_bodies(user)
    if not bodies:
        raise Http404
    dossiers = selectors.opinion_queue(user)
    context = {
        "bodies": bodies,
        "waiting": [d for d in dossiers if d.pending and d.open],
        "others": [d for d in dossiers if not (d.pending and d.open)],
    }
    return render(request, "staff/opinion_queue.html", context)


def _opinion_page(request, dossier, mine, form=None, error=None, status=200, unsent=None):
    open_bodies = [row["body"] for row in mine if row["opinion"] is None]
    if form is None and open_bodies and dossier.state == S.IN_CONSULTATION:
        form = OpinionForm(
            bodies=GovernanceBody.objects.filter(pk__in=[b.pk for b in open_bodies]),
            initial={"body": open_bodies[0].pk},
        )
    if dossier.state != S.IN_CONSULTATION:
        form = None
    context = {
        "dossier": dossier,
        "mine": mine,
        "form": form,
        "single_body": len(open_bodies) == 1,
        "open_bodies": open_bodies,
        "objectives": list(dossier.objectives.all()),
        "attachments": list(dossier.attachments.select_related("required_document")),
        "consultation": selectors.consultation(dossier),
        "error": error,
        "unsent": unsent,
    }
    return render(request, "staff/opinion_form.html", context, status=status)


def _answered_meanwhile(post, consulted):
    """The row of the posted body when its opinion was given since the form was opened."""
    return next(
        (
            row
            for row in consulted
            if str(row["body"].pk) == str(post.get("body", "")) and row["opinion"] is not None
        ),
        None,
    )


def _stale_opinion(post, dossier, consulted) -> bool:
    """The consultation was closed, or the body answered, since the form was opened."""
    return dossier.state != S.IN_CONSULTATION or _answered_meanwhile(post, consulted) is not None


def _stale_opinion_page(request, dossier, consulted):
    """409: the opinion can no longer be given; what was typed is shown to be copied."""
    shown = OpinionForm(
        request.POST, bodies=GovernanceBody.objects.filter(pk__in=[r["body"].pk for r in consulted])
    )
    answered = _answered_meanwhile(request.POST, consulted)
    if dossier.state != S.IN_CONSULTATION:
        changed = dossier_changed(dossier)
        why = _(
            "Opinions can only be given while the governance bodies are consulted, so this "
            "opinion cannot be sent again."
        )
    else:
        author = answered["opinion"].author
        changed = _(
            "The opinion of “%(body)s” on this dossier was given meanwhile by %(name)s. Your "
            "input was not saved."
        ) % {"body": answered["body"].name, "name": author.get_full_name() or author.email}
        why = _("A body gives one opinion per dossier, so this one cannot be sent again.")
    kept = unsent(shown, changed=changed, resendable=False, why=why)
    return _opinion_page(request, dossier, consulted, unsent=kept, status=409)


@login_required
def staff_opinion(request, pk):
    """A member of a consulted body gives its opinion (one per body)."""
    user = request.user
    dossier = dossier_selectors.dossier_for(user, pk)
    my_bodies = {body.pk: body for body in selectors.member_bodies(user)}
    consulted = [
        body for body in selectors.consultation(dossier)["rows"] if body["body"].pk in my_bodies
    ]
    if not consulted or dossier.consulted_at is None:
        raise Http404
    if request.method != "POST":
        return _opinion_page(request, dossier, consulted)
    open_ids = [row["body"].pk for row in consulted if row["opinion"] is None]
    form = OpinionForm(
        request.POST, request.FILES, bodies=GovernanceBody.objects.filter(pk__in=open_ids)
    )
    if _stale_opinion(request.POST, dossier, consulted):
        return _stale_opinion_page(request, dossier, consulted)
    if not form.is_valid():
        return _opinion_page(request, dossier, consulted, form=form, status=400)
    body = form.cleaned_data["body"]
    try:
        services.record_opinion(
            dossier,
            body,
            user,
            form.cleaned_data["verdict"],
            form.cleaned_data["motivation"],
            document=form.cleaned_data.get("document"),
        )
    except TransitionError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        dossier = dossier_selectors.dossier_for(user, pk)
        consulted = [
            row for row in selectors.consultation(dossier)["rows"] if row["body"].pk in my_bodies
        ]
        if _stale_opinion(request.POST, dossier, consulted):
            return _stale_opinion_page(request, dossier, consulted)
        status = 403 if isinstance(error, TransitionNotPermitted) else 400
        return _opinion_page(request, dossier, consulted, form=form, error=error, status=status)
    if dossier.state == S.IN_CONSULTATION:
        messages.success(
            request,
            _("The opinion of “%(body)s” on %(reference)s is recorded.")
            % {"body": body.name, "reference": dossier.reference},
        )
    else:
        messages.success(
            request,
            _(
                "The opinion of “%(body)s” on %(reference)s is recorded. Every body consulted "
                "has answered: the consultation is closed."
            )
            % {"body": body.name, "reference": dossier.reference},
        )
    return redirect("staff_opinion_queue")
