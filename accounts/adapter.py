"""django-allauth adapter: account emails go through the outbox, in French.

Sign-up verification, password reset and the other account emails are rendered by
allauth (its French templates) and handed to the product's outbox (``accounts.signals``),
so that they are sent by the same task and mailer as every other email, with the same
retries."""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import roles, services
from .signals import account_email_rendered

# The session key under which the invitation page keeps the token of the invitation
# being accepted (see ``is_email_verified``).
INVITATION_SESSION_KEY = "accounts_invitation_token"


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's email templates read from the "current site"."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(
        name="Bordeaux Terre de Solidarités",
        domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
    )


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed login attempts. Try again in a few minutes, or use "
            "“Forgot your password?”: the email it sends lets you choose a new "
            "password, which lifts the block."
        ),
    }

    def get_login_redirect_url(self, request) -> str:
        """Staff land on their work queue (``/gestion/``), applicants on their dossiers."""
        if roles.is_staff_member(request.user):
            return resolve_url("staff_home")
        return super().get_login_redirect_url(request)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """The verification link carries the page the visitor came from (``next`` of the
        sign-up or login form): opened in another browser, where nobody is logged in, it
        leads to the login page and then back to that page. (In the browser that signed
        up, allauth resumes the pending login and returns to that page itself.)"""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        if not next_url:
            return url
        login_url = resolve_url("account_login") + "?" + urlencode({"next": next_url})
        return url + "?" + urlencode({"next": login_url})

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {"request": request, "email": email, **context}
        full_context["current_site"] = site_identity()
        with translation.override(settings.LANGUAGE_CODE):
            message = self.render_mail(template_prefix, email, full_context)
        account_email_rendered.send(
            sender=type(self), message=message, template_prefix=template_prefix
        )

    # Failed logins. allauth counts them per IP and per "key"; the key here is the
    # address *and* the client IP, so failures from elsewhere never lock the owner out.
    # A wider limit per address alone (settings.LOGIN_FAILED_PER_ACCOUNT) stops guessing
    # spread over many IPs; a password reset lifts both (finalize_password_reset calls
    # _delete_login_attempts_cached_email), and requesting one is never blocked by them.

    def _login(self, credentials) -> str:
        return (credentials.get("email") or credentials.get("username") or "").lower()

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{self._login(credentials)}|{ratelimit.get_ip(request)}"

    def _account_rate_limits(self) -> dict:
        return {"login_failed_account": settings.LOGIN_FAILED_PER_ACCOUNT}

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        account_usage = ratelimit.consume(
            request,
            app="accounts",
            action="login_failed_account",
            config=self._account_rate_limits(),
            key=self._login(credentials),
        )
        if not account_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage.usage.extend(account_usage.usage)

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="accounts",
            action="login_failed_account",
            config=self._account_rate_limits(),
            key=self._login(credentials),
        )

    def is_email_verified(self, request, email: str) -> bool:
        """Someone who signs up through an invitation link with the invited address has
        shown they read that mailbox: no second verification email."""
        if super().is_email_verified(request, email):
            return True
        token = request.session.get(INVITATION_SESSION_KEY) if request else None
        return services.invitation_verifies(token, email)
