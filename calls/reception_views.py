"""The reception pages (``/gestion/accueil/``): reception staff find or create the
organisation of a dossier received on paper, at the counter or by phone, enter the
dossier on its behalf (then complete and submit it through the applicant's pages), and
invite the organisation to claim its account online. Anybody else gets a 404.

Views parse input and call one service of ``calls.reception`` (or
``accounts.services.invite_to_claim``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import form_tokens
from accounts import services as account_services
from accounts.models import Invitation
from workflows import rules
from workflows.exceptions import TransitionError

from . import reception
from .reception_forms import ClaimForm, EnterDossierForm, SearchForm, StaffOrganisationForm

SEARCH_LIMIT = 30
RECENT_DOSSIERS = 20


def _require_reception(user):
    if not rules.has_reception(user):
        raise Http404


@login_required
def reception_home(request):
    _require_reception(request.user)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    results = list(reception.organisations(query)[:SEARCH_LIMIT]) if query else None
    return render(
        request,
        "staff/reception.html",
        {
            "search": search,
            "query": query,
            "results": results,
            "dossiers": reception.assisted_dossiers(request.user, limit=RECENT_DOSSIERS),
        },
    )


def _organisation_form_page(request, form, existing=None, status=200):
    return render(
        request,
        "staff/reception_organisation_form.html",
        {"form": form, "existing": existing},
        status=status,
    )


@login_required
def organisation_create(request):
    _require_reception(request.user)
    if request.method != "POST":
        return _organisation_form_page(request, StaffOrganisationForm())
    form = StaffOrganisationForm(request.POST)
    if not form.is_valid():
        return _organisation_form_page(request, form, status=400)

    def create():
        try:
            organization = reception.create_organisation(request.user, **form.cleaned_data)
        except reception.OrganisationExists as error:
            form.add_error("siret", error.message)
            return _organisation_form_page(request, form, existing=error.organization, status=400)
        except TransitionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return _organisation_form_page(request, form, status=400)
        messages.success(
            request,
            _("%(name)s is created. Enter its dossier now.") % {"name": organization.name},
        )
        return redirect("reception_enter", pk=organization.pk)

    def refuse(message):
        form.add_error(None, message)
        return _organisation_form_page(request, form, status=400)

    return form_tokens.submit_once(request, create, refuse)


def _organisation_page(request, organization, claim_form=None, status=200):
    return render(
        request,
        "staff/reception_organisation.html",
        {
            "organization": organization,
            "members": organization.memberships.count(),
            "dossiers": reception.assisted_dossiers(request.user, organization=organization),
            "claim_form": claim_form or ClaimForm(),
            "invitations": list(
                Invitation.objects.filter(organization=organization).order_by("-created_at")[:5]
            ),
        },
        status=status,
    )


@login_required
def organisation_page(request, pk):
    organization = reception.organisation_for(request.user, pk)
    return _organisation_page(request, organization)


@login_required
@require_POST
def organisation_claim(request, pk):
    organization = reception.organisation_for(request.user, pk)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        return _organisation_page(request, organization, claim_form=form, status=400)
    try:
        invitation = account_services.invite_to_claim(
            request.user, organization, form.cleaned_data["email"]
        )
    except account_services.AccountError as error:
        form.add_error("email" if error.field == "email" else None, error.message)
        return _organisation_page(request, organization, claim_form=form, status=400)
    messages.success(
        request,
        _(
            "An invitation to claim %(name)s online was sent to %(email)s. Once accepted, "
            "that person follows its dossiers like any applicant."
        )
        % {"name": organization.name, "email": invitation.email},
    )
    return redirect("reception_organisation", pk=organization.pk)


def _enter_page(request, organization, form, status=200):
    return render(
        request,
        "staff/reception_enter.html",
        {
            "organization": organization,
            "form": form,
            "has_calls": form.fields["call"].queryset.exists(),
        },
        status=status,
    )


@login_required
def dossier_enter(request, pk):
    organization = reception.organisation_for(request.user, pk)
    if request.method != "POST":
        return _enter_page(request, organization, EnterDossierForm(user=request.user))
    form = EnterDossierForm(request.POST, user=request.user)
    if not form.is_valid():
        return _enter_page(request, organization, form, status=400)

    def enter():
        try:
            dossier = reception.enter_dossier(
                request.user, organization=organization, **form.cleaned_data
            )
        except TransitionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return _enter_page(request, organization, form, status=400)
        messages.success(
            request,
            _(
                "Draft %(reference)s entered for %(name)s. Type in the paper dossier section "
                "by section and attach its scans, then submit it."
            )
            % {"reference": dossier.reference, "name": organization.name},
        )
        return redirect(reverse("dossier_edit", args=[dossier.pk, "projet"]))

    def refuse(message):
        form.add_error(None, message)
        return _enter_page(request, organization, form, status=400)

    return form_tokens.submit_once(request, enter, refuse)
