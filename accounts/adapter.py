"""django-allauth adapter: account emails go through the outbox, in French.

Sign-up verification, password reset and the other account emails are rendered by
allauth (its French templates) and handed to the product's outbox (``accounts.signals``),
so that they are sent by the same task and mailer as every other email, with the same
retries."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation

from . import services
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
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {"request": request, "email": email, **context}
        full_context["current_site"] = site_identity()
        with translation.override(settings.LANGUAGE_CODE):
            message = self.render_mail(template_prefix, email, full_context)
        account_email_rendered.send(
            sender=type(self), message=message, template_prefix=template_prefix
        )

    def is_email_verified(self, request, email: str) -> bool:
        """Someone who signs up through an invitation link with the invited address has
        shown they read that mailbox: no second verification email."""
        if super().is_email_verified(request, email):
            return True
        token = request.session.get(INVITATION_SESSION_KEY) if request else None
        return services.invitation_verifies(token, email)
