"""One-time form tokens: a create form (and every bulk action) carries a hidden key
issued when it is rendered, so a double click or a resent page does the work once.

``submit_once`` runs the work under a row lock on the key (PostgreSQL serialises two
simultaneous posts), records the redirect it answered and sends a repeated post there;
a form whose answer is a page (a bulk action's report) records what the page reported
and shows it again.

A post without any key is the post of a page rendered before keys existed (left open in
a browser during an upgrade): it is done as before, once per post, so that nobody loses
what they typed; a post with a key is one-time. Every form goes through ``submit_once``,
so the rule is the same for all of them.
"""

import time
import uuid
from datetime import timedelta

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormToken

FIELD = "form_token"
VALID_FOR = timedelta(days=3)
SALT = "accounts.form_tokens"


def issue(user, issued_at: float | None = None) -> str:
    """A new key for ``user``: signed (its user and time inside), written to the
    database only when a form is posted with it, so rendering a form costs no query."""
    if not getattr(user, "is_authenticated", False):
        return ""
    issued_at = time.time() if issued_at is None else issued_at
    return signing.Signer(salt=SALT).sign_object(
        {"k": uuid.uuid4().hex, "u": user.pk, "t": int(issued_at)}
    )


def _key(raw, user):
    """The key of a posted token if it is genuine, the user's and not expired."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(raw)
        key = uuid.UUID(data["k"])
        issued_at = float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if data.get("u") != user.pk or time.time() - issued_at > VALID_FOR.total_seconds():
        return None
    return key


def remember(response, result):
    """Mark a page answered by ``work()`` as the report of work done: ``result`` (JSON)
    is what ``replay`` needs to show it again when the same form is posted twice."""
    response.form_result = result
    return response


def submit_once(request, work, refuse, replay=None):
    """``work()`` returns the response of a first post; ``refuse(message)`` re-renders the
    form (keeping what was typed) when the key is forged, expired or another user's.
    A page rendered before keys existed carries none: its post is done normally
    (backward compatibility; see the module's docstring).

    A repeated post is sent to the redirect the first one answered; when the first one
    answered a page marked by ``remember``, ``replay(result)`` shows that page again
    (with the « already sent » message) and nothing is done twice. A first post refused
    (form errors, nothing done) records nothing: the same key may be sent again.

    The key's row is inserted first, in the transaction of the work: a simultaneous
    second post with the same key waits on the unique index until the first commits,
    then finds the result the first recorded."""
    raw = request.POST.get(FIELD)
    if raw is None:
        return work()
    key = _key(raw, request.user)
    if key is None:
        return refuse(_("This form has expired. Check what you typed, then send it again."))
    FormToken.objects.filter(created_at__lt=timezone.now() - VALID_FOR).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                token = FormToken.objects.create(key=key, user=request.user)
        except IntegrityError:
            token = FormToken.objects.select_for_update().get(key=key)
            if token.result_url:
                messages.info(request, _("This form was already sent."))
                return redirect(token.result_url)
            if replay is not None and token.result is not None:
                messages.info(request, _("This form was already sent."))
                return replay(token.result)
        response = work()
        if response.status_code in (301, 302, 303):
            token.result_url = response["Location"][:500]
            token.save(update_fields=["result_url"])
        elif getattr(response, "form_result", None) is not None:
            token.result = response.form_result
            token.save(update_fields=["result"])
        return response
