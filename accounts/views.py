"""Organisation pages: my organisations, create and edit the profile, members,
invitations, leaving. Views parse input, call one service or selector and render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from stdnum.fr import siret

from . import form_tokens, selectors, services
from .adapter import INVITATION_SESSION_KEY
from .forms import InvitationForm, OrganizationForm


@login_required
def organization_list(request):
    return render(
        request,
        "accounts/organization_list.html",
        {"organizations": selectors.organizations_of(request.user)},
    )


def _form_errors(form, error: services.AccountError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    # Created from a call page (``?next=``), the new member goes back to that call.
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context = {"form": form, "organization": None, "next_url": next_url}
    if request.method == "POST" and form.is_valid():

        def create():
            organization = services.create_organization(request.user, **form.cleaned_data)
            messages.success(
                request,
                _("The organisation “%(name)s” was created; you are its first member.")
                % {"name": organization.name},
            )
            return redirect(next_url or reverse("org_detail", args=[organization.pk]))

        def refuse(message):
            form.add_error(None, message)
            return render(request, "accounts/organization_form.html", context, status=400)

        return form_tokens.submit_once(request, create, refuse)
    status = 400 if form.is_bound else 200
    return render(request, "accounts/organization_form.html", context, status=status)


def _safe_next(request, url) -> str:
    """``url`` if it leads to a page of this site, else the empty string."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk):
    organization = selectors.organization_for(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(request.user, organization, **form.cleaned_data)
        except services.AccountError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The profile of the organisation was saved."))
            return redirect("org_detail", organization.pk)
    # A rejected form leaves the instance untouched: show the saved name in the title.
    organization.refresh_from_db(fields=["name"])
    status = 400 if form.is_bound else 200
    return render(
        request,
        "accounts/organization_form.html",
        {"form": form, "organization": organization},
        status=status,
    )


def _detail(request, organization, invitation_form=None, status=200):
    context = {
        "organization": organization,
        "siret_display": siret.format(organization.siret) if organization.siret else "",
        "members": selectors.members(organization),
        "invitations": selectors.pending_invitations(organization),
        "invitation_form": invitation_form or InvitationForm(),
    }
    return render(request, "accounts/organization_detail.html", context, status=status)


@login_required
def organization_detail(request, pk):
    return _detail(request, selectors.organization_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def organization_invite(request, pk):
    organization = selectors.organization_for(request.user, pk)
    if request.method == "GET":
        return redirect(reverse("org_detail", args=[organization.pk]) + "#invite")
    form = InvitationForm(request.POST)

    def refuse(message):
        form.add_error(None, message)
        return _detail(request, organization, invitation_form=form, status=400)

    return form_tokens.submit_once(request, lambda: _invite(request, organization, form), refuse)


def _invite(request, organization, form):
    if form.is_valid():
        try:
            invitation = services.invite(request.user, organization, form.cleaned_data["email"])
        except services.AccountError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link in it is valid for %(days)s days.")
                % {"email": invitation.email, "days": services.INVITATION_VALID_DAYS},
            )
            return redirect("org_detail", organization.pk)
    return _detail(request, organization, invitation_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def organization_leave(request, pk):
    organization = selectors.organization_for(request.user, pk)
    error = None
    if request.method == "POST":
        try:
            services.leave(request.user, organization)
        except services.AccountError as refused:
            error = refused
        else:
            messages.success(
                request,
                _("You left the organisation “%(name)s”.") % {"name": organization.name},
            )
            return redirect("org_list")
    elif selectors.members(organization).count() == 1:
        error = services.LastMember()  # said before the user tries
    return render(
        request,
        "accounts/organization_leave.html",
        {"organization": organization, "error": error},
        status=400 if error and request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The link of an invitation email. Anonymous visitors are asked to create an account
    or log in, then come back here; a logged-in user with the invited address joins."""
    invitation = selectors.invitation_by_token(token)
    context = {"invitation": invitation, "token": token}
    try:
        services.check_invitation(invitation)
    except services.AccountError as error:
        if invitation is not None and services.is_member(request.user, invitation.organization):
            return redirect("org_detail", invitation.organization_id)
        context["invalid"] = error
        return render(
            request, "accounts/invitation.html", context, status=404 if invitation is None else 410
        )
    context["expires_at"] = services.expires_at(invitation)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        # Signing up with the invited address through this link needs no second
        # verification email (accounts.adapter.AccountAdapter.is_email_verified).
        request.session[INVITATION_SESSION_KEY] = token
        here = request.path
        context["signup_url"] = (
            reverse("account_signup") + "?" + urlencode({"email": invitation.email, "next": here})
        )
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        return render(request, "accounts/invitation.html", context)
    if services.is_member(request.user, invitation.organization):
        messages.info(
            request,
            _("You are already a member of “%(name)s”.") % {"name": invitation.organization.name},
        )
        return redirect("org_detail", invitation.organization_id)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(request.user, token)
        except services.AccountError as error:
            context["error"] = error
            return render(request, "accounts/invitation.html", context, status=400)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(
            request,
            _("Welcome! You are now a member of “%(name)s”.")
            % {"name": membership.organization.name},
        )
        return redirect("org_detail", membership.organization_id)
    try:
        services.check_invitation(invitation, request.user)
    except services.AccountError as error:
        context["wrong_email"] = error
    return render(request, "accounts/invitation.html", context)


def admin_login(request):
    """The Django admin's login page: the site's login (password, then the second
    factor) instead, coming back to the admin page asked for. Someone logged in
    without the admin's staff flag is refused (the admin would send them here again)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied(_("This account has no access to the administration site."))
        return redirect(next_url)
    return redirect_to_login(next_url, reverse("account_login"))
