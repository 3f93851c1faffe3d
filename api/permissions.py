"""What a caller may do with the API, beyond what each object's rules say."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken


class TokenScope(permissions.BasePermission):
    """A read-only token reads; only a read-and-write token (or a session) writes."""

    message = _("This API token is read only: create a read-and-write token to act.")

    def has_permission(self, request, view):
        token = request.auth
        if request.method in permissions.SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.writes


class Authenticated(permissions.IsAuthenticated):
    message = _("Send a personal API token (Authorization: Bearer <token>) or log in.")
