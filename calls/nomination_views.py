"""Pages of the nominations by a third party: nominating an action carried by another
organisation (from the prize edition's page), the nominations one made or received,
accepting or declining one, and the staff's list of an edition's nominations with the
examination of those nobody accepted. Rules and writes: ``calls.nominations``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import form_tokens
from accounts.models import Organization
from workflows import rules
from workflows.exceptions import TransitionError

from . import nominations
from .models import Call, Nomination
from .nomination_forms import DeclineForm, NominationForm, StaffAnswerForm


def _prize_call(pk) -> Call:
    call = Call.objects.filter(pk=pk, is_published=True, kind=Call.Kind.PRIZE).first()
    if call is None:
        raise Http404
    return call


def _form(request, call, data=None):
    user = request.user
    own = rules.organization_ids(user)
    return NominationForm(
        data,
        nominating=nominations.nominating_organizations(user),
        carriers=Organization.objects.exclude(pk__in=own).order_by("name"),
        staff=rules.is_back_office_user(user),
    )


@login_required
def nomination_create(request, pk):
    call = _prize_call(pk)
    if not nominations.may_nominate(request.user, call):
        return render(
            request,
            "calls/nomination_create.html",
            {"call": call, "unavailable": True, "is_open": call.is_open()},
        )
    form = _form(request, call, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        return form_tokens.submit_once(
            request,
            lambda: _nominate(request, call, form),
            lambda message: _refuse(request, call, form, message),
        )
    status = 400 if form.is_bound else 200
    return render(
        request, "calls/nomination_create.html", {"call": call, "form": form}, status=status
    )


def _refuse(request, call, form, message):
    form.add_error(None, message)
    return render(request, "calls/nomination_create.html", {"call": call, "form": form}, status=400)


def _nominate(request, call, form):
    data = form.cleaned_data
    new = None
    if data["organization"] is None:
        new = nominations.NewOrganization(
            name=data["new_name"],
            kind=data["new_kind"] or Organization.Kind.ASSOCIATION,
            siret=data["new_siret"],
            rna=data["new_rna"],
            contact_email=data["new_contact_email"],
            address=data["new_address"],
            phone=data["new_phone"],
        )
    try:
        nomination = nominations.nominate(
            call=call,
            user=request.user,
            title=data["title"],
            summary=data["summary"],
            motivation=data["motivation"],
            nominating_organization=data["nominating_organization"],
            organization=data["organization"],
            new_organization=new,
        )
    except TransitionError as error:
        field = {"name": "new_name", "siret": "new_siret", "rna": "new_rna"}.get(
            error.field, error.field
        )
        form.add_error(field if field in form.fields else None, error.message)
        return render(
            request, "calls/nomination_create.html", {"call": call, "form": form}, status=400
        )
    words = {"title": nomination.title, "organisation": nomination.organization.name}
    if nomination.notice == nominations.NOTICE_LETTER:
        message = _(
            "Your nomination of “%(title)s” is recorded. %(organisation)s has no email "
            "address here: the City services will tell it by post."
        )
    else:
        message = _("Your nomination of “%(title)s” is recorded; %(organisation)s is told of it.")
    messages.success(request, message % words)
    return redirect("nomination_detail", nomination.pk)


@login_required
def nomination_list(request):
    user = request.user
    context = {
        "received": list(nominations.received_by(user)),
        "made": list(nominations.made_by(user)),
    }
    return render(request, "calls/nomination_list.html", context)


def _visible(request, pk) -> Nomination:
    nomination = nominations.visible_nomination(request.user, pk)
    if nomination is None:
        raise Http404
    return nomination


def _answer_form(data=None):
    return StaffAnswerForm(data, channels=nominations.ANSWER_CHANNELS)


@login_required
def nomination_detail(request, pk, answer_form=None, status=200):
    nomination = _visible(request, pk)
    user = request.user
    can_record = nominations.can_record_answer(user, nomination)
    context = {
        "nomination": nomination,
        "can_answer": nomination.status == Nomination.Status.PENDING
        and rules.can_answer_nomination(user, nomination),
        "can_examine": nominations.can_examine(user, nomination),
        "dossier_visible": nomination.application is not None
        and rules.can_view(user, nomination.application),
        "is_staff_view": rules.is_call_staff(user, nomination.call),
        "answer_form": (answer_form or _answer_form()) if can_record else None,
        "letters": list(nomination.letters.order_by("created_at", "pk")) if can_record else [],
    }
    return render(request, "calls/nomination_detail.html", context, status=status)


@login_required
@require_POST
def nomination_accept(request, pk):
    nomination = _visible(request, pk)
    try:
        dossier = nominations.accept(nomination, request.user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("nomination_detail", nomination.pk)
    messages.success(
        request,
        _(
            "You accepted the nomination: the dossier %(reference)s is your organisation's "
            "draft. Complete it, then submit it before the call closes."
        )
        % {"reference": dossier.reference},
    )
    return redirect("dossier_detail", dossier.pk)


@login_required
def nomination_decline(request, pk):
    nomination = _visible(request, pk)
    if not rules.can_answer_nomination(request.user, nomination):
        raise Http404
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            nominations.decline(nomination, request.user, form.cleaned_data["reason"])
        except TransitionError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("You declined the nomination; its author is told."))
            return redirect("nomination_list")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "calls/nomination_decline.html",
        {"nomination": nomination, "form": form},
        status=status,
    )


# The staff's pages (under /gestion/).


@login_required
def staff_nominations(request, pk):
    call = Call.objects.filter(pk=pk, kind=Call.Kind.PRIZE).first()
    if call is None or not rules.is_call_staff(request.user, call):
        raise Http404
    now = timezone.now()
    rows = list(nominations.of_call(call))
    for nomination in rows:
        nomination.examinable = nominations.can_examine(request.user, nomination, now)
    context = {
        "call": call,
        "nominations": rows,
        "closed": now >= call.closes_at,
        "can_edit_call": rules.is_administrator(request.user),
    }
    return render(request, "calls/nomination_staff_list.html", context)


@login_required
@require_POST
def staff_nomination_examine(request, pk):
    nomination = Nomination.objects.select_related("call").filter(pk=pk).first()
    if nomination is None or not rules.is_call_staff(request.user, nomination.call):
        raise Http404
    try:
        dossier = nominations.examine(nomination, request.user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("staff_nominations", nomination.call_id)
    messages.success(
        request,
        _("The nomination is now the submitted dossier %(reference)s, to instruct.")
        % {"reference": dossier.reference},
    )
    return redirect("staff_dossier_detail", dossier.pk)


@login_required
@require_POST
def staff_nomination_answer(request, pk):
    """Record the answer the carrying organisation gave by post, by phone or at the
    counter (accept or decline on its behalf)."""
    nomination = Nomination.objects.select_related("call", "organization").filter(pk=pk).first()
    if nomination is None or not rules.can_record_nomination_answer(request.user, nomination):
        raise Http404
    form = _answer_form(request.POST)
    if not form.is_valid():
        return nomination_detail(request, nomination.pk, answer_form=form, status=400)
    data = form.cleaned_data
    words = {"title": nomination.title, "organisation": nomination.organization.name}
    try:
        if data["answer"] == StaffAnswerForm.ACCEPT:
            dossier = nominations.accept(nomination, request.user, channel=data["channel"])
        else:
            nominations.decline(nomination, request.user, data["reason"], channel=data["channel"])
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("nomination_detail", nomination.pk)
    if data["answer"] == StaffAnswerForm.ACCEPT:
        messages.success(
            request,
            _(
                "The acceptance of %(organisation)s is recorded: the dossier %(reference)s is "
                "its draft, entered on its behalf. Complete it with the organisation, then "
                "submit it before the call closes."
            )
            % {**words, "reference": dossier.reference},
        )
        return redirect("dossier_detail", dossier.pk)
    messages.success(
        request,
        _(
            "The refusal of %(organisation)s is recorded; the person who nominated “%(title)s” is told."
        )
        % words,
    )
    return redirect("staff_nominations", nomination.call_id)
