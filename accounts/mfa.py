"""Two-factor authentication (django-allauth's ``allauth.mfa``) for the staff roles.

Every staff role (the groups administrators, instructors, governance_members and
jurors, superusers and Django-admin staff) must pass a second factor (authenticator
app, security key / passkey, or a recovery code) before any page other than the
account pages: ``StaffMFAMiddleware`` sends them to enrolment, or to the second-factor
check, with a message saying why. Applicants may enrol; nothing forces them.

A session "passed MFA" when allauth recorded an ``mfa`` authentication in it: allauth
does so when the second factor is entered at login, for a passkey login, and when the
second factor is re-entered (reauthentication). Enrolling a TOTP app or a security key
proves possession of that factor as well, so ``on_authenticator_added`` records it the
same way.
"""

from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from . import roles as rules

# Factors that prove possession when enrolled (recovery codes are only generated).
POSSESSION_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Paths a staff member may reach before the second factor: the account pages (login,
# logout, enrolment, second-factor check, password reset), the language switch and the
# static files.
EXEMPT_PREFIXES = ("/comptes/", "/i18n/", "/static/")


def requires_mfa(user) -> bool:
    """Whether ``user`` holds a staff role (or the admin's staff flag)."""
    if not (user and user.is_authenticated):
        return False
    return bool(user.is_superuser or user.is_staff or rules.is_staff_member(user))


def session_passed_mfa(request) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def mark_session_mfa(request, user, authenticator) -> None:
    """Record in the session that ``user`` passed ``authenticator``, as allauth does."""
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True
    )


@receiver(authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    if request is not None and authenticator.type in POSSESSION_TYPES:
        mark_session_mfa(request, user, authenticator)


def _with_next(url: str, request) -> str:
    next_url = request.get_full_path()
    if request.method != "GET" or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return url
    return f"{url}?{urlencode({'next': next_url})}"


def _redirect(request, url):
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class StaffMFAMiddleware:
    """Staff sessions without a second factor reach only the account pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            requires_mfa(user)
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not session_passed_mfa(request)
        ):
            if is_mfa_enabled(user, types=POSSESSION_TYPES):
                messages.warning(
                    request,
                    _(
                        "Your role gives access to the back office: confirm your identity "
                        "with your second factor to continue."
                    ),
                )
                return _redirect(request, _with_next(reverse("mfa_reauthenticate"), request))
            messages.warning(
                request,
                _(
                    "Your role gives access to the back office: set up two-factor "
                    "authentication (an authenticator app or a security key) to continue. "
                    "Until then, only your account pages are available."
                ),
            )
            return _redirect(request, reverse("mfa_index"))
        return self.get_response(request)
