"""Writes on calls and dossiers that are not state changes (those go through
``workflows.services.perform``)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from workflows import rules
from workflows.exceptions import InvalidTransitionData, TransitionNotPermitted

from .models import Application, Message, ReferenceCounter


def next_reference(call) -> str:
    """The next human reference of the call's kind and year: AMI-2027-0001, PRIX-2027-0001.

    The counter row is locked, so two dossiers created at once get distinct numbers."""
    prefix, year = call.reference_prefix, call.reference_year
    with transaction.atomic():
        counter = (
            ReferenceCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
        )
        if counter is None:
            try:
                with transaction.atomic():
                    counter = ReferenceCounter.objects.create(prefix=prefix, year=year)
            except IntegrityError:
                counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:04d}"


@transaction.atomic
def create_draft(*, call, organization, user, title, objectives=(), **fields) -> Application:
    """Start a draft dossier of ``organization`` on ``call``, on behalf of ``user``."""
    if (
        user is not None
        and not rules.is_administrator(user)
        and organization.pk not in (rules.organization_ids(user))
    ):
        raise TransitionNotPermitted(_("You are not a member of this organisation."))
    dossier = Application.objects.create(
        reference=next_reference(call),
        call=call,
        organization=organization,
        created_by=user,
        title=title,
        **fields,
    )
    if objectives:
        dossier.objectives.set(objectives)
    return dossier


def post_message(dossier, author, body, internal=False) -> Message:
    """Add a message to the dossier's thread. Internal notes are for staff only."""
    if not rules.can_write_message(author, dossier):
        raise TransitionNotPermitted(_("You are not allowed to write on this dossier."))
    if internal and not rules.can_see_internal(author, dossier):
        raise TransitionNotPermitted(_("Only City staff can write internal notes."))
    body = (body or "").strip()
    if not body:
        raise InvalidTransitionData(_("Write a message."), field="body")
    return Message.objects.create(
        application=dossier, author=author, body=body, internal=bool(internal)
    )
