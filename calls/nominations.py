"""Nominations for a prize edition by a third party: a City service, a partner, another
association or City staff nominates an action carried by another organisation.

The nomination is not a dossier yet: the carrying organisation is told (an email to its
contact address and its members, or a letter to post when it has no email address at
all: ``notify_carrying_organisation``), and a member accepts it (a draft dossier of that
organisation is created, to complete and submit through the normal flow) or declines it.
An organisation that answers by post, by phone or at the counter has its answer
recorded by reception staff through the same ``accept`` and ``decline`` (``channel``).
When the call allows it, staff send a nomination nobody accepted to examination after
the closing date, through the ``examine_nomination`` transition of
``workflows.services.perform``; the carrier is told then (email or letter).

Self-nomination (an organisation starting its own dossier) does not go through here.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.validators import normalize_rna, normalize_siret
from notifications import services as outbox
from notifications.letters import CITY
from workflows import rules
from workflows.audit import record_event
from workflows.exceptions import InvalidSourceState, TransitionError, TransitionNotPermitted
from workflows.services import perform

from .models import Application, Nomination
from .services import create_draft, next_reference

Status = Nomination.Status

# What ``notify_carrying_organisation`` did.
NOTICE_EMAIL = "email"
NOTICE_LETTER = "letter"

# How an answer received by staff reached the City (``accept`` and ``decline``).
ANSWER_CHANNELS = [
    (value, label)
    for value, label in Application.Channel.choices
    if value != Application.Channel.ONLINE
]


class NominationError(TransitionError):
    """A nomination that could not be made or answered; nothing was changed."""

    code = "nomination"


@dataclass(frozen=True)
class NewOrganization:
    """A carrying organisation named by the nominator (not found among existing ones)."""

    name: str
    kind: str = Organization.Kind.ASSOCIATION
    siret: str = ""
    rna: str = ""
    contact_email: str = ""
    address: str = ""
    phone: str = ""


def may_nominate(user, call, now=None) -> bool:
    """Members of an organisation and back-office staff nominate actions for an open
    prize edition."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if not call.is_prize or not call.is_open(now):
        return False
    return bool(rules.organization_ids(user)) or rules.is_back_office_user(user)


def find_organization(*, siret="", rna="") -> Organization | None:
    """The existing organisation with this SIRET (or else this RNA number), if any."""
    siret, rna = normalize_siret(siret), normalize_rna(rna)
    if siret:
        found = Organization.objects.filter(siret=siret).order_by("pk").first()
        if found is not None:
            return found
    if rna:
        return Organization.objects.filter(rna=rna).order_by("pk").first()
    return None


def carrying_organization(new: NewOrganization) -> tuple[Organization, bool]:
    """The organisation named by the nominator: the existing one with the same SIRET or
    RNA number, else a new organisation without members. Returns (organisation,
    created). Raises ``NominationError`` naming the field in error."""
    found = find_organization(siret=new.siret, rna=new.rna)
    if found is not None:
        return found, False
    organization = Organization(
        name=(new.name or "").strip(),
        kind=new.kind or Organization.Kind.ASSOCIATION,
        siret=new.siret or "",
        rna=new.rna or "",
        contact_email=(new.contact_email or "").strip().lower(),
        address=(new.address or "").replace("\r\n", "\n").strip(),
        phone=(new.phone or "").strip(),
    )
    if not organization.name:
        raise NominationError(
            _("Give the name of the organisation that carries the action."), field="name"
        )
    try:
        organization.full_clean(exclude=["members"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise NominationError(messages[0], field=field) from error
    organization.save()
    return organization, True


def nominating_organizations(user):
    """The organisations on whose behalf ``user`` may nominate."""
    return Organization.objects.filter(pk__in=rules.organization_ids(user)).order_by("name")


@transaction.atomic
def nominate(
    *,
    call,
    user,
    title,
    summary,
    motivation,
    nominating_organization=None,
    organization=None,
    new_organization: NewOrganization | None = None,
) -> Nomination:
    """Nominate an action carried by another organisation (``organization``, or the one
    described by ``new_organization``) for the prize edition ``call``; the carrying
    organisation is told. Raises ``NominationError`` (with the field in error)."""
    if not may_nominate(user, call):
        if not call.is_prize:
            raise NominationError(_("Only a prize edition takes nominations."))
        if not call.is_open():
            raise NominationError(_("This edition is closed: it no longer takes nominations."))
        raise TransitionNotPermitted(
            _("Only members of an organisation and City staff can nominate an action.")
        )
    if nominating_organization is not None:
        if nominating_organization.pk not in rules.organization_ids(user):
            raise NominationError(
                _("You are not a member of this organisation."), field="nominating_organization"
            )
    elif not rules.is_back_office_user(user):
        raise NominationError(
            _("Choose the organisation on whose behalf you nominate."),
            field="nominating_organization",
        )
    title, summary, motivation = (
        (title or "").strip(),
        (summary or "").strip(),
        (motivation or "").strip(),
    )
    if not title:
        raise NominationError(_("Give the title of the action."), field="title")
    if len(title) > Nomination._meta.get_field("title").max_length:
        raise NominationError(_("The title is too long (200 characters at most)."), field="title")
    if not summary:
        raise NominationError(_("Describe the action in a few lines."), field="summary")
    if not motivation:
        raise NominationError(_("Say why you nominate this action."), field="motivation")
    created = False
    if organization is None:
        if new_organization is None:
            raise NominationError(
                _("Choose the organisation that carries the action, or name it."),
                field="organization",
            )
        organization, created = carrying_organization(new_organization)
    if organization.pk in rules.organization_ids(user) or (
        nominating_organization is not None and organization.pk == nominating_organization.pk
    ):
        raise NominationError(
            _(
                "This action is carried by your own organisation: start its dossier yourself "
                "from the call page (self-nomination)."
            ),
            field="organization",
        )
    nomination = Nomination.objects.create(
        call=call,
        organization=organization,
        nominated_by=user,
        nominated_by_organization=nominating_organization,
        title=title,
        summary=summary,
        motivation=motivation,
    )
    record_event(
        "nomination.made",
        actor=user,
        call=call,
        data={
            "nomination": nomination.pk,
            "title": title,
            "organisation": organization.pk,
            "organisation_created": created,
            "by_organisation": getattr(nominating_organization, "pk", None),
        },
    )
    # How the carrying organisation is told: NOTICE_EMAIL, or NOTICE_LETTER when it has
    # no email address at all (a letter to post).
    nomination.notice = notify_carrying_organisation(nomination)
    return nomination


def carrier_addresses(organization) -> list[str]:
    """Where the carrying organisation is told: its contact address and its active
    members' addresses."""
    addresses = set(
        User.objects.filter(memberships__organization=organization, is_active=True).values_list(
            "email", flat=True
        )
    )
    if organization.contact_email:
        addresses.add(organization.contact_email.lower())
    return sorted(address for address in addresses if address)


def notify_carrying_organisation(nomination) -> str:
    """Tell the carrying organisation of a nomination, in the caller's transaction.

    Returns ``NOTICE_EMAIL`` when an email was written to the outbox, or
    ``NOTICE_LETTER`` when the organisation has no email address at all (no contact
    address, no member): a letter to post is then written, in the reception staff's
    "letters to post" queue, saying how to answer by phone, by post or online."""
    recipients = carrier_addresses(nomination.organization)
    if not recipients:
        outbox.queue_letter(
            template="nomination_received",
            nomination=nomination,
            context={"city": CITY},
            key=f"nomination-{nomination.pk}",
            event="nomination_received",
            category=outbox.Category.INFO,
        )
        return NOTICE_LETTER
    outbox.queue_email(
        template="nomination_received",
        recipients=recipients,
        context={"nomination": nomination, "call": nomination.call},
        key=f"nomination-{nomination.pk}",
        event="nomination_received",
    )
    return NOTICE_EMAIL


def _lock(nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("call", "organization")
        .get(pk=nomination.pk)
    )


def _require_pending(locked) -> None:
    if locked.status == Status.EXAMINED:
        raise InvalidSourceState(
            _("This nomination has already been sent to examination; nothing was changed.")
        )
    if locked.status != Status.PENDING:
        raise InvalidSourceState(
            _("This nomination has already been answered (%(status)s); nothing was changed.")
            % {"status": locked.get_status_display()}
        )


def _check_answerer(user, locked, channel) -> bool:
    """Who may answer: a member of the carrying organisation (online, ``channel`` left
    empty), or reception staff of the edition recording the answer the organisation
    gave by post, by phone or at the counter (``channel``). Returns whether the answer
    is recorded on the organisation's behalf."""
    if not channel:
        if not rules.can_answer_nomination(user, locked):
            raise TransitionNotPermitted(
                _("Only members of the carrying organisation can answer this nomination.")
            )
        return False
    if not rules.can_record_nomination_answer(user, locked):
        raise TransitionNotPermitted(
            _(
                "Only the City staff of this edition record an answer received by post, "
                "by phone or at the counter."
            )
        )
    if channel not in dict(ANSWER_CHANNELS):
        raise NominationError(
            _("Choose how the answer reached the City: by post, by phone or at the counter."),
            field="channel",
        )
    return True


@transaction.atomic
def accept(nomination, user, channel="") -> Application:
    """A member of the carrying organisation accepts the nomination: the action becomes
    a draft dossier of that organisation, to complete and submit like any other.

    With ``channel`` (post, phone, counter), reception staff record the acceptance the
    organisation gave them: the draft is then an assisted dossier entered by them on
    the organisation's behalf (``calls.reception``), and the audit trail says who
    recorded the answer and how it came ("nomination.accepted_recorded")."""
    locked = _lock(nomination)
    on_behalf = _check_answerer(user, locked, channel)
    _require_pending(locked)
    if not locked.call.is_open():
        raise NominationError(_("The edition is closed: the nomination can no longer be accepted."))
    extra = {}
    if on_behalf:
        extra = {"channel": channel, "received_on": timezone.localdate()}
    dossier = create_draft(
        call=locked.call,
        organization=locked.organization,
        user=user,
        title=locked.title,
        summary=locked.summary,
        **extra,
    )
    locked.application = dossier
    locked.status = Status.ACCEPTED
    locked.answered_by = user
    locked.answered_at = timezone.now()
    locked.save(update_fields=["application", "status", "answered_by", "answered_at"])
    data = {"nomination": locked.pk}
    if on_behalf:
        data.update(on_behalf=True, channel=channel)
    event = "nomination.accepted_recorded" if on_behalf else "nomination.accepted"
    record_event(event, actor=user, application=dossier, data=data)
    return dossier


@transaction.atomic
def decline(nomination, user, reason="", channel="") -> Nomination:
    """A member of the carrying organisation declines the nomination (the reason is
    optional); the nominator is told by email and staff read it on the call's
    nominations page and in the audit trail.

    With ``channel`` (post, phone, counter), reception staff record the refusal the
    organisation gave them, recorded as such in the audit trail
    ("nomination.declined_recorded")."""
    locked = _lock(nomination)
    on_behalf = _check_answerer(user, locked, channel)
    _require_pending(locked)
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise NominationError(
            _("The reason is too long (2,000 characters at most)."), field="reason"
        )
    locked.status = Status.DECLINED
    locked.answered_by = user
    locked.answered_at = timezone.now()
    locked.decline_reason = reason
    locked.save(update_fields=["status", "answered_by", "answered_at", "decline_reason"])
    data = {"nomination": locked.pk, "organisation": locked.organization_id}
    if on_behalf:
        data.update(on_behalf=True, channel=channel)
    record_event(
        "nomination.declined_recorded" if on_behalf else "nomination.declined",
        actor=user,
        call=locked.call,
        reason=reason,
        data=data,
    )
    nominator = locked.nominated_by
    if nominator is not None and nominator.is_active:
        outbox.queue_email(
            template="nomination_declined",
            recipients=[nominator.email],
            context={"nomination": locked, "call": locked.call},
            key=f"nomination-{locked.pk}-declined",
            event="nomination_declined",
        )
    return locked


@transaction.atomic
def examine(nomination, user) -> Application:
    """Send a nomination nobody accepted to examination (after the closing date, when
    the call allows it): the dossier of the carrying organisation is created and
    submitted through ``perform`` (transition ``examine_nomination``), which checks
    the actor and the call's conditions and tells the carrying organisation (an email,
    or a letter to post when it has no email address), once."""
    locked = _lock(nomination)
    if not rules.is_call_staff(user, locked.call):
        raise TransitionNotPermitted()
    _require_pending(locked)
    dossier = Application.objects.create(
        reference=next_reference(locked.call),
        call=locked.call,
        organization=locked.organization,
        created_by=user,
        title=locked.title,
        summary=locked.summary,
    )
    locked.application = dossier
    locked.save(update_fields=["application"])
    perform(dossier, "examine_nomination", user)
    locked.status = Status.EXAMINED
    locked.save(update_fields=["status"])
    return dossier


# Reads.


def _related(queryset):
    return queryset.select_related(
        "call", "organization", "nominated_by", "nominated_by_organization", "application"
    )


def pending_for(user):
    """The nominations waiting for an answer from the user's organisations."""
    ids = rules.organization_ids(user)
    if not ids:
        return Nomination.objects.none()
    return _related(Nomination.objects.filter(organization_id__in=ids, status=Status.PENDING))


def made_by(user):
    """The nominations made by the user or by their organisations."""
    clause = Q(nominated_by=user)
    ids = rules.organization_ids(user)
    if ids:
        clause |= Q(nominated_by_organization_id__in=ids)
    return _related(Nomination.objects.filter(clause))


def received_by(user):
    """Every nomination of the user's organisations (answered or not)."""
    ids = rules.organization_ids(user)
    if not ids:
        return Nomination.objects.none()
    return _related(Nomination.objects.filter(organization_id__in=ids))


def of_call(call):
    """The nominations of a prize edition, for its staff."""
    return _related(Nomination.objects.filter(call=call)).order_by("status", "-created_at")


def visible_nomination(user, pk) -> Nomination | None:
    """The nomination, if the user may see it."""
    nomination = _related(Nomination.objects.filter(pk=pk)).first()
    if nomination is None or not rules.can_view_nomination(user, nomination):
        return None
    return nomination


def can_record_answer(user, nomination) -> bool:
    """Whether staff are offered to record the carrier's answer received by post, by
    phone or at the counter (``accept`` and ``decline`` re-check)."""
    return nomination.status == Status.PENDING and rules.can_record_nomination_answer(
        user, nomination
    )


def can_examine(user, nomination, now=None) -> bool:
    """Whether the "send to examination" button is offered (perform re-checks)."""
    now = now or timezone.now()
    call = nomination.call
    return (
        nomination.status == Status.PENDING
        and call.examine_unaccepted_nominations
        and now >= call.closes_at
        and rules.is_call_staff(user, call)
    )
