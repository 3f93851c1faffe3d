"""Small helpers shared by the views that act on dossiers."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _

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


def _shown(field, value) -> str:
    """A posted value as the user would read it back (choice labels, "Yes")."""
    if isinstance(field, forms.BooleanField):
        return str(_("Yes")) if value else ""
    values = value if isinstance(value, list | tuple) else [value]
    values = [str(v).strip() for v in values if v is not None and str(v).strip()]
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {}
        for key, label in choices:
            if isinstance(label, list | tuple):  # an option group
                labels.update({str(k): str(lab) for k, lab in label})
            else:
                labels[str(key)] = str(label)
        values = [labels.get(v, v) for v in values]
    return ", ".join(values)


def unsent(form, *, changed, resendable, why="") -> dict:
    """What a stale form carried, for ``templates/_unsent.html``: the user's input was
    not saved, ``changed`` says what happened meanwhile; when ``resendable`` the form is
    shown again, bound to what was typed and built on the current version, else ``why``
    says why it can no longer be sent and the typed values are listed to be copied."""
    rows = []
    for bound in form:
        if bound.is_hidden or isinstance(bound.field, forms.FileField):
            continue
        text = _shown(bound.field, bound.value())
        if text:
            rows.append({"label": bound.label, "value": text})
    return {"changed": changed, "resendable": resendable, "why": why, "rows": rows}


def dossier_changed(dossier) -> str:
    """The message of a stale form on a dossier: it changed, here is its state."""
    return _(
        "Someone else acted on this dossier while you were filling in the form: it changed "
        "meanwhile and is now “%(state)s”. Your input was not saved."
    ) % {"state": dossier.state_label}
