"""Back-office pages of the calls: list, page, creation and editing (with their
required documents, eligibility and scoring criteria), publishing, early closing and
cloning as a new edition.

Administrators manage every call; instructors see the calls they instruct (read
only); anybody else gets a 404. Views parse input, call one service of
``calls.backoffice.services`` or one selector of ``calls.backoffice.selectors``, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import form_tokens
from workflows import http, rules
from workflows.exceptions import TransitionError

from . import selectors, services
from .forms import FORMSETS, CallForm, CloneForm, CloseEarlyForm, formsets_for, setup_from


def _period(call, now):
    if not call.is_published:
        return "unpublished", _("Not published")
    if now < call.opens_at:
        return "coming", _("Opens soon")
    if now < call.closes_at:
        return "open", _("Open")
    return "closed", _("Closed")


@login_required
def call_list(request):
    http.require_back_office(request.user)
    now = timezone.now()
    calls = [
        {"call": call, "period": _period(call, now)} for call in selectors.calls_for(request.user)
    ]
    context = {"calls": calls, "can_manage": rules.is_administrator(request.user)}
    return render(request, "staff/calls_list.html", context)


@login_required
def call_detail(request, pk):
    http.require_back_office(request.user)
    call = selectors.call_for(request.user, pk)
    now = timezone.now()
    context = {
        "call": call,
        "period": _period(call, now),
        "jurors": selectors.jurors_of(call),
        "can_manage": rules.is_administrator(request.user),
        "is_open_now": call.opens_at <= now < call.closes_at,
    }
    return render(request, "staff/calls_detail.html", context)


def _show_errors(error, form, formsets=None):
    """Put the messages of a service's ValidationError next to their fields."""
    formsets = formsets or {}
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in by_field.items():
        if name in formsets:
            formsets[name].non_form_errors().extend(texts)
        elif name in form.fields:
            form.add_error(name, texts)
        else:
            form.add_error(None, texts)


def _edit(request, call):
    """The form of a new call (``call`` is None) or of an existing one."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, instance=call)
    formsets = formsets_for(call, data)
    status = 200
    if data is not None:
        valid = form.is_valid()
        valid = all([formset.is_valid() for formset in formsets.values()]) and valid
        if valid:
            try:
                if call is None:
                    saved = services.create_call(
                        user, setup_from(form, formsets), **form.call_fields()
                    )
                    messages.success(
                        request,
                        _("The call “%(title)s” was created. Check it, then publish it.")
                        % {"title": saved.title},
                    )
                else:
                    saved = services.update_call(
                        user, call, setup_from(form, formsets), **form.call_fields()
                    )
                    messages.success(request, _("The call was saved."))
            except ValidationError as error:
                _show_errors(error, form, formsets)
            except TransitionError as error:
                form.add_error(None, error.message)
            else:
                return redirect("staff_call_detail", pk=saved.pk)
        status = 400
    context = {
        "call": call,
        "form": form,
        "formsets": [
            {"name": name, "legend": FORMSETS[name][1], "formset": formset}
            for name, formset in formsets.items()
        ],
        "has_errors": bool(form.errors)
        or any(fs.non_form_errors() or any(fs.errors) for fs in formsets.values()),
    }
    return render(request, "staff/calls_form.html", context, status=status)


@login_required
def call_create(request):
    http.require_administrator(request.user)
    return _edit(request, None)


@login_required
def call_edit(request, pk):
    return _edit(request, selectors.managed_call(request.user, pk))


@login_required
@require_POST
def call_publish(request, pk):
    call = selectors.managed_call(request.user, pk)
    try:
        services.publish_call(request.user, call)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The call is published: applicants can see it."))
    return redirect("staff_call_detail", pk=call.pk)


@login_required
def call_close(request, pk):
    """Confirmation page, then the early closing (closing date = now)."""
    call = selectors.managed_call(request.user, pk)
    form = CloseEarlyForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.close_call_early(request.user, call, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _show_errors(error, form)
            else:
                messages.success(request, _("The call is closed: no dossier can be submitted."))
                return redirect("staff_call_detail", pk=call.pk)
        status = 400
    drafts = call.applications.filter(state="draft").count()
    context = {"call": call, "form": form, "drafts": drafts}
    return render(request, "staff/calls_close.html", context, status=status)


@login_required
def call_clone(request, pk):
    call = selectors.managed_call(request.user, pk)
    form = CloneForm(request.POST if request.method == "POST" else None, call=call)
    status = 200
    if form.is_bound and form.is_valid():

        def refuse(message):
            form.add_error(None, message)
            context = {"call": call, "form": form}
            return render(request, "staff/calls_clone.html", context, status=400)

        return form_tokens.submit_once(request, lambda: _clone(request, call, form), refuse)
    status = 400 if form.is_bound else 200
    return render(request, "staff/calls_clone.html", {"call": call, "form": form}, status=status)


def _clone(request, call, form):
    try:
        clone = services.clone_call(request.user, call, **form.cleaned_data)
    except ValidationError as error:
        _show_errors(error, form)
        return render(request, "staff/calls_clone.html", {"call": call, "form": form}, status=400)
    messages.success(
        request,
        _("The new edition “%(title)s” was created, unpublished. Check it, then publish it.")
        % {"title": clone.title},
    )
    return redirect("staff_call_detail", pk=clone.pk)
