"""Writes on calls and dossiers that are not state changes (those go through
``workflows.services.perform``)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from workflows import rules
from workflows.exceptions import (
    InvalidSourceState,
    InvalidTransitionData,
    TransitionNotPermitted,
)
from workflows.states import DossierState

from . import uploads
from .models import Application, Attachment, District, Message, ReferenceCounter


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
    """Start a draft dossier of ``organization`` on ``call``, on behalf of ``user``.

    Reception staff who are not members of the organisation may start it for a dossier
    received on paper, at the counter or by phone (``channel``, see
    ``calls.reception``): they are recorded as having entered it."""
    channel = fields.get("channel", Application.Channel.ONLINE)
    member = user is not None and organization.pk in rules.organization_ids(user)
    on_behalf = (
        user is not None
        and not member
        and channel != Application.Channel.ONLINE
        and rules.may_receive_for(user, call)
    )
    if user is not None and not member and not on_behalf and not rules.is_administrator(user):
        if channel != Application.Channel.ONLINE and rules.has_reception(user):
            raise TransitionNotPermitted(rules.NOT_RECEPTION_OF_CALL)
        raise TransitionNotPermitted(_("You are not a member of this organisation."))
    if on_behalf:
        fields["entered_by"] = user
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


def post_message(dossier, author, body, internal=False, attachment=None) -> Message:
    """Add a message to the dossier's thread. Internal notes are for staff only.

    ``attachment``: an uploaded file already checked by ``calls.uploads.inspect``, as
    ``(file, inspected)``; it is stored under a random name."""
    if not rules.can_write_message(author, dossier):
        raise TransitionNotPermitted(_("You are not allowed to write on this dossier."))
    if internal and not rules.can_see_internal(author, dossier):
        raise TransitionNotPermitted(_("Only City staff can write internal notes."))
    body = (body or "").strip()
    if not body:
        raise InvalidTransitionData(_("Write a message."), field="body")
    message = Message(application=dossier, author=author, body=body, internal=bool(internal))
    if attachment is not None:
        upload, inspected = attachment
        message.attachment_name = inspected.name
        message.attachment.save(uploads.storage_name(inspected), upload, save=False)
    message.save()
    return message


# Building a dossier: edits of a draft (or of a dossier the City asked to complete) by
# a member of its organisation. State changes (submit, resubmit) go through perform.

EDITABLE_STATES = (DossierState.DRAFT, DossierState.INCOMPLETE)
EDITABLE_FIELDS = (
    "title",
    "summary",
    "districts",
    "people_reached",
    "people_count",
    "total_budget",
    "requested_amount",
)
BUDGET_FIELDS = ("total_budget", "requested_amount")


def can_edit(user, dossier) -> bool:
    """May ``user`` change the content of ``dossier`` now?"""
    return dossier.state in EDITABLE_STATES and rules.acts_for_applicant(user, dossier)


def not_editable_message(dossier) -> str:
    if dossier.state == DossierState.DISCARDED:
        return _("This draft has been discarded and can no longer be edited.")
    return _("This dossier has been submitted and can no longer be edited.")


def _lock_editable(dossier, user) -> Application:
    """The dossier's row, locked, once checked that ``user`` may edit it now.

    Must be called inside a transaction."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=dossier.pk)
    )
    if not rules.acts_for_applicant(user, locked):
        raise TransitionNotPermitted(_("Only members of the organisation can edit this dossier."))
    if locked.state not in EDITABLE_STATES:
        raise InvalidSourceState(not_editable_message(locked))
    return locked


def budget_errors(call, total, requested) -> dict:
    """The budget rules of a call, by field: requested at most the total and at most
    the call's maximum grant."""
    errors = {}
    if requested is not None and total is not None and requested > total:
        errors["requested_amount"] = _(
            "The amount requested cannot be above the total budget of the project."
        )
    elif requested is not None and call.max_grant is not None and requested > call.max_grant:
        errors["requested_amount"] = _(
            "The amount requested is above the call's maximum grant (%(max)s €)."
        ) % {"max": number_format(call.max_grant, 0, force_grouping=True)}
    return errors


@transaction.atomic
def update_draft(dossier, user, **fields) -> Application:
    """Save some fields of a draft (or incomplete) dossier; the others are kept, so a
    section can be saved while the rest of the dossier is still empty.

    Raises a ``TransitionError`` whose ``field`` names the field in error; nothing is
    saved then."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    locked = _lock_editable(dossier, user)
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise InvalidTransitionData(_("Give the project a title."), field="title")
    if "summary" in fields or "people_reached" in fields:
        for name in ("summary", "people_reached"):
            if name in fields:
                fields[name] = (fields[name] or "").strip()
    if "districts" in fields:
        chosen = set(fields["districts"] or ())
        outside = chosen - set(District.values)
        if outside:
            raise InvalidTransitionData(_("Choose the districts from the list."), field="districts")
        fields["districts"] = [code for code in District.values if code in chosen]
    if locked.call.is_prize and any(fields.get(name) is not None for name in BUDGET_FIELDS):
        raise InvalidTransitionData(
            _("A prize nomination asks for no budget."), field="requested_amount"
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    errors = budget_errors(locked.call, locked.total_budget, locked.requested_amount)
    if errors and set(fields) & set(BUDGET_FIELDS):
        field, message = next(iter(errors.items()))
        raise InvalidTransitionData(message, field=field)
    try:
        locked.full_clean(
            exclude=[f.name for f in Application._meta.fields if f.name not in fields],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidTransitionData(messages[0], field=field) from error
    locked.save(update_fields=[*fields, "updated_at"])
    for name in [*fields, "updated_at"]:
        setattr(dossier, name, getattr(locked, name))
    return dossier


@transaction.atomic
def set_objectives(dossier, user, objectives) -> None:
    """Choose the dossier's objectives, only among those its call targets."""
    locked = _lock_editable(dossier, user)
    chosen = {objective.pk: objective for objective in objectives}
    targeted = set(locked.call.objectives.filter(pk__in=chosen).values_list("pk", flat=True))
    outside = sorted(chosen[pk].number for pk in chosen if pk not in targeted)
    if outside:
        raise InvalidTransitionData(
            _(
                "Objective(s) %(numbers)s are not targeted by this call; choose among its "
                "objectives."
            )
            % {"numbers": ", ".join(str(n) for n in outside)},
            field="objectives",
        )
    locked.objectives.set(list(chosen.values()))
    Application.objects.filter(pk=locked.pk).update(updated_at=timezone.now())


def _store(attachment, upload, inspected) -> None:
    attachment.file.save(uploads.storage_name(inspected), upload, save=False)
    attachment.original_name = inspected.name
    attachment.content_type = inspected.content_type
    attachment.size = inspected.size


def _delete_file_on_commit(name) -> None:
    if name:
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))


def _touch(dossier) -> None:
    Application.objects.filter(pk=dossier.pk).update(updated_at=timezone.now())


@transaction.atomic
def add_attachment(dossier, user, upload, *, required_document=None) -> Attachment:
    """Attach a document to the dossier: for one of the call's required documents (one
    file each), or an extra document. The file is checked from its content."""
    locked = _lock_editable(dossier, user)
    if required_document is not None:
        if required_document.call_id != locked.call_id:
            raise InvalidTransitionData(
                _("This document is not asked for by the call."), field="file"
            )
        if Attachment.objects.filter(
            application=locked, required_document=required_document
        ).exists():
            raise InvalidTransitionData(
                _("A file is already attached for this document: replace it instead."),
                field="file",
            )
    inspected = uploads.inspect(upload)
    attachment = Attachment(
        application=locked, required_document=required_document, uploaded_by=user
    )
    _store(attachment, upload, inspected)
    attachment.save()
    _touch(locked)
    return attachment


@transaction.atomic
def replace_attachment(attachment, user, upload) -> Attachment:
    """Put another file in place of an attachment (the old file is deleted)."""
    _lock_editable(attachment.application, user)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    inspected = uploads.inspect(upload)
    old_name = attachment.file.name
    _store(attachment, upload, inspected)
    attachment.uploaded_by = user
    attachment.uploaded_at = timezone.now()
    attachment.save()
    _delete_file_on_commit(old_name)
    _touch(attachment.application)
    return attachment


@transaction.atomic
def delete_attachment(attachment, user) -> None:
    """Remove an attachment and its file."""
    _lock_editable(attachment.application, user)
    name = attachment.file.name
    Attachment.objects.filter(pk=attachment.pk).delete()
    _delete_file_on_commit(name)
    _touch(attachment.application)
