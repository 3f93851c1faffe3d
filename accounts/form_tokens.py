"""One-time form tokens: a create form carries a hidden key issued when it is rendered,
so a double click or a resent page creates one thing.

``submit_once`` runs the work under a row lock on the key (PostgreSQL serialises two
simultaneous posts), records the redirect it answered and sends a repeated post there.
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormToken

FIELD = "form_token"
VALID_FOR = timedelta(days=3)


def issue(user) -> str:
    """A new key for ``user``; keys older than ``VALID_FOR`` are cleaned on the way."""
    if not getattr(user, "is_authenticated", False):
        return ""
    FormToken.objects.filter(created_at__lt=timezone.now() - VALID_FOR).delete()
    return str(FormToken.objects.create(key=uuid.uuid4(), user=user).key)


def submit_once(request, work, refuse):
    """``work()`` returns the response of a first post; ``refuse(message)`` re-renders the
    form (keeping what was typed) when the key is unknown, expired or another user's.
    A page rendered before keys existed carries none: its post is done normally."""
    raw = request.POST.get(FIELD)
    if raw is None:
        return work()
    try:
        key = uuid.UUID(raw)
    except ValueError:
        key = None
    with transaction.atomic():
        token = None
        if key is not None:
            token = (
                FormToken.objects.select_for_update()
                .filter(
                    key=key,
                    user=request.user,
                    created_at__gte=timezone.now() - VALID_FOR,
                )
                .first()
            )
        if token is None:
            return refuse(_("This form has expired. Check what you typed, then send it again."))
        if token.result_url:
            messages.info(request, _("This form was already sent."))
            return redirect(token.result_url)
        response = work()
        if response.status_code in (301, 302, 303):
            token.result_url = response["Location"][:500]
            token.save(update_fields=["result_url"])
        return response
