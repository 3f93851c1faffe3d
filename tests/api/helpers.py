"""What the API tests share: tokens made through the real service."""

from api import services
from api.models import ApiToken
from tests.factories import enrol_totp


def token_for(user, scope=ApiToken.Scope.READ, days=30) -> str:
    """The secret of a new token of ``user`` (a second factor enrolled first)."""
    if not user.authenticator_set.exists():
        enrol_totp(user)
    _token, secret = services.create_token(user, name="Test", scope=scope, lifetime_days=days)
    return secret


def bearer(secret) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
