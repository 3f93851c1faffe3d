"""Assisted submission: reception staff (instructors and administrators, see
``accounts.roles.has_reception``) enter the dossier of an organisation that came by post,
at the counter or by phone, on its behalf.

The organisation may have no account at all (contact by post or phone); its dossier is
then built, completed and submitted through the very services and pages of the applicant
portal (``calls.services``, ``workflows.services.perform``), the staff member being
recorded as the one who entered it (``Application.entered_by``), never as a member of the
organisation. Who entered a dossier does not instruct, score or decide it
(``workflows.rules.check_separation_of_duties``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization
from accounts.validators import normalize_address, normalize_siret
from workflows import rules
from workflows.audit import record_event
from workflows.exceptions import InvalidTransitionData, TransitionError, TransitionNotPermitted
from workflows.states import DossierState

from . import services
from .models import Application, Call

ASSISTED_CHANNELS = [
    (value, label)
    for value, label in Application.Channel.choices
    if value != Application.Channel.ONLINE
]
ORGANISATION_FIELDS = ("name", "kind", "siret", "rna", "address", "contact_email", "phone")


NO_CONTACT = gettext_lazy(
    "Give at least one way to reach the organisation: a postal address, a phone number or "
    "an email address. Its letters are sent to that address."
)


def is_unreachable(organization) -> bool:
    """No way at all to write to the organisation: no member with an account, no email
    address, no phone number and no postal address."""
    return not (
        organization.contact_email
        or organization.phone
        or organization.address.strip()
        or organization.memberships.exists()
    )


class OrganisationExists(TransitionError):
    """An organisation with this SIRET is already known: it is offered, not duplicated."""

    code = "organisation_exists"

    def __init__(self, organization):
        self.organization = organization
        super().__init__(
            _(
                "An organisation with this SIRET number is already known: %(name)s. Enter "
                "the dossier for it rather than creating it twice."
            )
            % {"name": organization.name},
            field="siret",
        )


def require_reception(user) -> None:
    if not rules.has_reception(user):
        raise TransitionNotPermitted(
            _("Only instructors and administrators enter dossiers received by post.")
        )


def existing_with_siret(siret: str):
    siret = normalize_siret(siret)
    if not siret:
        return None
    return Organization.objects.filter(siret=siret).order_by("pk").first()


@transaction.atomic
def create_organisation(user, **fields) -> Organization:
    """Create an organisation that has no account (no member). Its contact may be
    postal or by phone only; an organisation with no way at all to reach it (no email,
    no phone, no postal address) is refused. The same SIRET as a known organisation
    raises ``OrganisationExists`` carrying it."""
    require_reception(user)
    values = {name: (fields.get(name) or "").strip() for name in ORGANISATION_FIELDS}
    values["address"] = normalize_address(values["address"])
    if not (values["contact_email"] or values["phone"] or values["address"]):
        raise InvalidTransitionData(NO_CONTACT, field="address")
    found = existing_with_siret(values["siret"])
    if found is not None:
        raise OrganisationExists(found)
    organization = Organization(**values)
    try:
        organization.full_clean(exclude=["members"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidTransitionData(messages[0], field=field) from error
    organization.save()
    record_event(
        "assisted.organisation_created",
        actor=user,
        data={"organisation": organization.pk, "name": organization.name},
    )
    return organization


def receivable_calls(user=None):
    """The calls a dossier may be entered on: published, opened, and either still open or
    closed (a paper dossier received by post before the closing date). Given ``user``:
    only those they may enter dossiers on (``rules.may_receive_for``: the calls they
    instruct, every call for an administrator)."""
    calls = Call.objects.filter(is_published=True, opens_at__lte=timezone.now())
    if user is not None:
        calls = rules.filter_calls_received_by(calls, user)
    return calls.order_by("-closes_at", "title")


def check_received_on(call, channel, received_on) -> None:
    """The rules of the call's dates for an assisted dossier: a paper dossier gives its
    date of receipt, not in the future and not after the closing date; once the call is
    closed, only such a paper dossier may still be entered."""
    today = timezone.localdate()
    closing = timezone.localdate(call.closes_at)
    if channel == Application.Channel.PAPER:
        if received_on is None:
            raise InvalidTransitionData(
                _("Give the date the paper dossier was received (the postmark or stamp)."),
                field="received_on",
            )
        if received_on > today:
            raise InvalidTransitionData(
                _("The date of receipt cannot be in the future."), field="received_on"
            )
        if received_on > closing:
            raise InvalidTransitionData(
                _(
                    "This dossier was received after the closing date of the call "
                    "(%(closing)s): it cannot be entered."
                )
                % {"closing": closing.strftime("%d/%m/%Y")},
                field="received_on",
            )
        if received_on < timezone.localdate(call.opens_at):
            raise InvalidTransitionData(
                _("This date is before the opening of the call (%(opening)s).")
                % {"opening": timezone.localdate(call.opens_at).strftime("%d/%m/%Y")},
                field="received_on",
            )
    elif not call.is_open():
        raise InvalidTransitionData(
            _(
                "The call is closed: only a paper dossier received by post before its "
                "closing date may still be entered."
            ),
            field="channel",
        )


@transaction.atomic
def enter_dossier(user, *, organization, call, channel, title, received_on=None) -> Application:
    """Start the draft of an assisted dossier on behalf of ``organization``: the same
    draft as an applicant's (``calls.services.create_draft``), recorded as entered by
    ``user`` through ``channel``; its date of receipt kept for a paper dossier."""
    require_reception(user)
    if channel not in dict(ASSISTED_CHANNELS):
        raise InvalidTransitionData(
            _("Choose how the dossier reached the City: by post, at the counter or by phone."),
            field="channel",
        )
    if is_unreachable(organization):
        raise InvalidTransitionData(
            _(
                "%(name)s has no contact at all: give it a postal address, a phone number "
                "or an email address first (an administrator edits it in the Django admin)."
            )
            % {"name": organization.name}
        )
    if not receivable_calls().filter(pk=call.pk).exists():
        raise InvalidTransitionData(_("Choose a published call."), field="call")
    if not rules.may_receive_for(user, call):
        raise TransitionNotPermitted(rules.NOT_RECEPTION_OF_CALL, field="call")
    if channel != Application.Channel.PAPER:
        received_on = timezone.localdate()
    check_received_on(call, channel, received_on)
    title = (title or "").strip()
    if not title:
        raise InvalidTransitionData(_("Give the project a title."), field="title")
    dossier = services.create_draft(
        call=call,
        organization=organization,
        user=user,
        title=title,
        channel=channel,
        received_on=received_on,
    )
    record_event(
        "assisted.dossier_entered",
        actor=user,
        application=dossier,
        data={"channel": channel, "received_on": received_on.isoformat()},
    )
    return dossier


# Reads.


def organisations(query: str = ""):
    """Organisations for the reception page, searched by name, SIRET or RNA, with the
    number of their members (none: nobody claimed it online yet)."""
    queryset = Organization.objects.annotate(member_count=Count("memberships", distinct=True))
    query = (query or "").strip()
    if query:
        compact = normalize_siret(query)
        clause = Q(name__icontains=query) | Q(rna__iexact=query.replace(" ", ""))
        if compact:
            clause |= Q(siret__startswith=compact)
        queryset = queryset.filter(clause)
    return queryset.order_by("name")


def organisation_for(user, pk) -> Organization:
    """The organisation, for reception staff (404 for anybody else)."""
    if not rules.has_reception(user):
        raise Http404
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404
    return organization


def assisted_dossiers(user, organization=None, limit=None):
    """The assisted dossiers (entered by staff), newest first, each with its organisation
    and call."""
    queryset = (
        rules.filter_visible(Application.objects.exclude(channel=Application.Channel.ONLINE), user)
        .exclude(state=DossierState.DISCARDED)
        .select_related("call", "organization", "entered_by")
        .order_by("-updated_at", "-pk")
    )
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return list(queryset[:limit] if limit else queryset)
