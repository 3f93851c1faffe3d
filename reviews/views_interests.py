"""A staff member's declared interests (``/gestion/mes-interets/``): the organisations
they are linked to, with the nature of the link. A juror is never offered nor assigned
on the dossiers of these organisations. Writes go through ``reviews.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from workflows import rules
from workflows.exceptions import TransitionError

from . import interest_selectors, services
from .forms_interests import DeclaredInterestForm


def _staff(user):
    if not rules.is_staff_member(user):
        raise Http404
    return user


def _page(request, *, query, form=None, status=200):
    results = list(interest_selectors.organisation_search(query))
    context = {
        "interests": list(interest_selectors.declared_interests(request.user)),
        "query": query,
        "results": results,
        "form": form or DeclaredInterestForm(results=results),
        "limit": interest_selectors.SEARCH_LIMIT,
    }
    return render(request, "staff/interests.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def interests_page(request):
    """The list of the user's declared interests; a search among the organisations
    (``?q=``) and the form to declare a link with one of them."""
    user = _staff(request.user)
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()
    if request.method != "POST":
        return _page(request, query=query)
    results = list(interest_selectors.organisation_search(query))
    form = DeclaredInterestForm(request.POST, results=results)
    if not form.is_valid():
        return _page(request, query=query, form=form, status=400)
    organization = form.cleaned_data["organization"]
    try:
        services.declare_interest(
            user, organization, form.cleaned_data["nature"], form.cleaned_data["details"]
        )
    except TransitionError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, query=query, form=form, status=400)
    messages.success(
        request,
        _(
            "Your link with “%(name)s” is recorded: you will not be assigned as a juror on "
            "its dossiers."
        )
        % {"name": organization.name},
    )
    return redirect("staff_interests")


@login_required
@require_POST
def withdraw_interest(request, pk):
    user = _staff(request.user)
    if not interest_selectors.declared_interests(user).filter(pk=pk).exists():
        raise Http404
    try:
        interest = services.withdraw_interest(user, pk)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("staff_interests")
    messages.success(
        request,
        _("Your declared interest in “%(name)s” is withdrawn.")
        % {"name": interest.organization.name},
    )
    return redirect("staff_interests")
