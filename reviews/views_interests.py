"""A staff member's declared interests (``/gestion/mes-interets/``): the organisations
they are linked to, with the nature of the link. A juror is never offered nor assigned
on the dossiers of these organisations. Writes go through ``reviews.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

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
@require_http_methods(["GET", "POST"])
def withdraw_interest(request, pk):
    """The withdrawal of a declared interest in two steps: the page (GET) says which
    dossiers get their conflict of interest lifted (back to "to confirm") and which keep
    it, and why; the confirmation (POST) withdraws it (``services.withdraw_interest``)
    and says what was lifted. An interest not the user's, or already withdrawn: the list
    of their interests with a message (404, ids leak nothing)."""
    user = _staff(request.user)
    interest = interest_selectors.declared_interest(user, pk)
    if interest is None:
        return _gone(request)
    if request.method != "POST":
        context = {
            "interest": interest,
            "effects": interest_selectors.withdrawal_effects(user, interest),
        }
        return render(request, "staff/interest_withdraw.html", context)
    try:
        withdrawal = services.withdraw_interest(user, pk)
    except TransitionError:
        return _gone(request)
    name = withdrawal.interest.organization.name
    if withdrawal.lifted:
        messages.success(
            request,
            _(
                "Your declared interest in “%(name)s” is withdrawn. Conflicts of interest "
                "lifted: %(references)s. Before reading or scoring these dossiers again, "
                "confirm you have no conflict of interest on each one."
            )
            % {
                "name": name,
                "references": ", ".join(dossier.reference for dossier, _back in withdrawal.lifted),
            },
        )
    else:
        messages.success(
            request, _("Your declared interest in “%(name)s” is withdrawn.") % {"name": name}
        )
    return redirect("staff_interests")


def _gone(request):
    """The list of the user's interests, saying the one asked for is not (or no longer)
    theirs."""
    messages.error(request, services.INTEREST_GONE)
    return _page(request, query="", status=404)
