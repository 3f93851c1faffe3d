"""What every page needs to know about the person viewing it."""

from django.utils.functional import SimpleLazyObject

from . import rules


def roles(request):
    """``is_administrator``: computed only when a template asks (one query at most)."""
    user = getattr(request, "user", None)
    return {
        "is_administrator": SimpleLazyObject(
            lambda: bool(user and user.is_authenticated and rules.is_administrator(user))
        )
    }
