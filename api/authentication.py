"""How the API knows who calls: a personal token (``Authorization: Bearer <token>``),
or the browser's session (with Django's CSRF check on writes), else anonymous.

A token authenticates its owner only while it is active (not revoked, not expired)
and while the owner's account is active and protected by a second factor. Each token
is rate limited in the shared cache (allauth's limiter, as the logins are), so the
limit holds across every web process and host."""

from allauth.core.internal import ratelimit
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("The Authorization header must be: Bearer followed by the token.")
            )
        try:
            secret = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API token is not valid.")) from error
        token = services.token_for(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This API token is not valid: it is unknown, expired or revoked.")
            )
        if not services.may_hold_tokens(token.user):
            raise exceptions.AuthenticationFailed(
                _(
                    "The account of this API token is no longer protected by a second factor "
                    "or no longer a staff account: the token is refused."
                )
            )
        self._limit(request, token)
        services.mark_used(token)
        return token.user, token

    def _limit(self, request, token):
        config = {"token": settings.API_TOKEN_RATE_LIMIT}
        usage = ratelimit.consume(
            request._request,
            app="api",
            action="token",
            config=config,
            key=str(token.pk),
            limit_get=True,
        )
        if usage is None:
            rates = ratelimit.get_rates(app="api", action="token", config=config)
            raise exceptions.Throttled(wait=min(rate.duration for rate in rates))

    def authenticate_header(self, request):
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created by staff on their API tokens page.",
        }
