"""Small helpers shared by the views that act on dossiers."""

from django.http import Http404

from . import rules


def require_back_office(user) -> None:
    """404 for who is neither administrator nor instructor (ids leak nothing)."""
    if not rules.is_back_office_user(user):
        raise Http404


def require_administrator(user) -> None:
    """404 for who is not an administrator."""
    if not rules.is_administrator(user):
        raise Http404


def posted_version(post):
    """The dossier version a form was built from (its ``expected_version`` field), or
    ``None`` when the form sent none. ``workflows.services.perform`` compares it with the
    locked row and refuses a form built on another version, even in the same state."""
    value = str(post.get("expected_version", "")).strip()
    return value or None


def posted_ids(values) -> list[int]:
    """The whole numbers among posted values, each once, in the order given."""
    ids = []
    for value in values:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk not in ids:
            ids.append(pk)
    return ids
