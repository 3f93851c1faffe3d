"""Creating and revoking personal API tokens (the only writes of the api app)."""

import secrets
from datetime import timedelta

from allauth.mfa.utils import is_mfa_enabled
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.mfa import POSSESSION_TYPES, requires_mfa
from accounts.models import User
from workflows.audit import record_event

from .models import PREFIX, ApiToken, digest

# The lifetimes offered, in days (the form's choices).
LIFETIMES = (30, 90, 180, 365)
MAX_ACTIVE_TOKENS = 10


class TokenRefused(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def may_hold_tokens(user) -> bool:
    """Staff accounts protected by a second factor (an authenticator app or a
    security key): API tokens are for them only."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and requires_mfa(user)
        and is_mfa_enabled(user, types=POSSESSION_TYPES)
    )


def refusal(user) -> str | None:
    """Why ``user`` may not create a token, or ``None``."""
    if not requires_mfa(user):
        return _("API tokens are for the City's staff accounts.")
    if not is_mfa_enabled(user, types=POSSESSION_TYPES):
        return _(
            "Set up two-factor authentication first: API tokens are only given to accounts "
            "protected by a second factor."
        )
    return None


def active_tokens(user):
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def create_token(user, *, name: str, scope: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its secret, to be shown once."""
    reason = refusal(user)
    if reason:
        raise TokenRefused(reason)
    if lifetime_days not in LIFETIMES or scope not in ApiToken.Scope.values:
        raise TokenRefused(_("Choose a scope and a lifetime among those offered."))
    name = (name or "").strip()
    if not name:
        raise TokenRefused(_("Give the token a name, to recognise it later."))
    with transaction.atomic():
        # The owner's row is locked so that two requests cannot pass the limit together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
            raise TokenRefused(
                _("You already have %(count)s active tokens: revoke one first.")
                % {"count": MAX_ACTIVE_TOKENS}
            )
        secret = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            hint=secret[: len(PREFIX) + 6],
            key_digest=digest(secret),
            expires_at=timezone.now() + timedelta(days=lifetime_days),
        )
        record_event(
            "api.token_created",
            actor=user,
            subject_user=user,
            data={"token": token.pk, "name": name, "scope": scope, "days": lifetime_days},
        )
    return token, secret


def revoke_token(user, pk) -> ApiToken:
    """Revoke one of ``user``'s tokens (at once: the next request with it is refused)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=pk).first()
        if token is None:
            raise TokenRefused(_("This token does not exist, or is not yours."))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_event(
                "api.token_revoked",
                actor=user,
                subject_user=user,
                data={"token": token.pk, "name": token.name},
            )
    return token


def token_for(secret: str) -> ApiToken | None:
    """The active token of this secret, with its user, or ``None``."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_digest=digest(secret)).first()
    if token is None or not token.is_active():
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Record when the token was last used (at most one write a minute)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
