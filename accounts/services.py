"""Organisations, memberships and invitations: every write goes here (their emails are
written to the outbox by the receivers of ``accounts.signals``).

Views and forms parse input and call one of these functions; a refused operation
raises an ``AccountError`` whose ``message`` is shown to the user (next to ``field``
when there is one). Membership changes drop the memberships cached on the user object
by ``accounts.roles``."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import Invitation, Membership, Organization, User
from .signals import access_changed, invitation_created

# An invitation link works for this many days after it was sent.
INVITATION_VALID_DAYS = 14

# The fields of the organisation profile that members edit.
PROFILE_FIELDS = ("name", "kind", "siret", "rna", "address", "contact_email", "phone")


class AccountError(Exception):
    """The operation did not happen; nothing was changed."""

    default_message = _("This action could not be carried out.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class NotAMember(AccountError):
    default_message = _("You are not a member of this organisation.")


class AlreadyMember(AccountError):
    pass


class LastMember(AccountError):
    default_message = _(
        "You are the last member of this organisation: it cannot be left without anyone to "
        "look after its dossiers. Invite another member first; once they have joined, you "
        "can leave."
    )


class InvitationUsed(AccountError):
    default_message = _(
        "This invitation has already been used. Ask a member of the organisation to send you "
        "a new one if you still need to join."
    )


class InvitationExpired(AccountError):
    def __init__(self):
        super().__init__(
            _(
                "This invitation has expired (invitations are valid for %(days)s days). Ask "
                "a member of the organisation to send you a new one."
            )
            % {"days": INVITATION_VALID_DAYS}
        )


class WrongEmail(AccountError):
    pass


class TooManyInvitations(AccountError):
    """A daily limit of invitations is reached (the City's address sends them: the
    limits keep it from being used to mail strangers in bulk)."""


def normalize_email(email: str) -> str:
    return User.objects.normalize_email((email or "").strip()).lower()


def is_member(user, organization) -> bool:
    return bool(user and user.is_authenticated) and organization.pk in roles.organization_ids(user)


def _require_member(user, organization) -> None:
    if not is_member(user, organization):
        raise NotAMember()


def _validated(organization: Organization) -> Organization:
    organization.full_clean(exclude=["members"])
    return organization


@transaction.atomic
def create_organization(user, **fields) -> Organization:
    """Create an organisation whose first member is ``user``."""
    organization = _validated(
        Organization(**{name: fields.get(name, "") for name in PROFILE_FIELDS})
    )
    organization.save()
    Membership.objects.create(user=user, organization=organization)
    roles.forget(user)
    return organization


@transaction.atomic
def update_organization(user, organization: Organization, **fields) -> Organization:
    """Change the profile of an organisation ``user`` is a member of."""
    _require_member(user, organization)
    for name in PROFILE_FIELDS:
        if name in fields:
            setattr(organization, name, fields[name])
    _validated(organization).save(update_fields=list(PROFILE_FIELDS))
    return organization


# Invitations ------------------------------------------------------------------------


def expires_at(invitation: Invitation):
    return invitation.created_at + timedelta(days=INVITATION_VALID_DAYS)


def is_expired(invitation: Invitation, now=None) -> bool:
    return (now or timezone.now()) >= expires_at(invitation)


def verified_emails(user) -> set[str]:
    """The addresses a user proved to own (allauth's verified addresses), lower-case."""
    if not (user and user.is_authenticated):
        return set()
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def _member_with_email(organization: Organization, email: str) -> bool:
    return Membership.objects.filter(
        Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email),
        organization=organization,
    ).exists()


def accept_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("org_invitation_accept", args=[invitation.token])


@transaction.atomic
def invite(user, organization: Organization, email: str) -> Invitation:
    """Invite ``email`` to join ``organization``: the invitation email, with its link,
    goes through the outbox. Inviting an address again sends a new link (the earlier
    ones stay valid until they expire or one of them is used)."""
    _require_member(user, organization)
    return _send_invitation(user, organization, email)


@transaction.atomic
def invite_to_claim(user, organization: Organization, email: str) -> Invitation:
    """Reception staff (``roles.has_reception``) invite an organisation that has no
    account yet to claim it online, at the address it gives: whoever accepts becomes its
    first member, sees its dossiers and their history, and the address becomes the
    organisation's contact email when it had none. Once someone has claimed it, its
    members invite the others."""
    if not roles.has_reception(user):
        raise AccountError(_("Only instructors and administrators send this invitation."))
    if Membership.objects.filter(organization=organization).exists():
        raise AlreadyMember(
            _(
                "%(organization)s has already been claimed online: its members invite the "
                "other people themselves."
            )
            % {"organization": organization.name},
            field="email",
        )
    return _send_invitation(user, organization, email)


def _send_invitation(user, organization: Organization, email: str) -> Invitation:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise AccountError(_("Enter a valid email address."), field="email") from error
    if _member_with_email(organization, email):
        raise AlreadyMember(
            _("%(email)s is already a member of %(organization)s.")
            % {"email": email, "organization": organization.name},
            field="email",
        )
    inviter_email = verified_email_of(user)
    if not inviter_email:
        raise AccountError(
            _(
                "Confirm your own email address before inviting anyone: the invitation "
                "names you by that address. Use the link of the confirmation email, or ask "
                "for a new one from your account's email page."
            )
        )
    # Counted under a lock of the organisation and of the inviter: two invitations sent
    # at once cannot both pass the last place.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    User.objects.select_for_update().filter(pk=user.pk).first()
    _check_invitation_limits(user, organization, email)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=user,
    )
    invitation_created.send(
        sender=Invitation,
        invitation=invitation,
        inviter=user,
        inviter_email=inviter_email,
        accept_url=accept_url(invitation),
        expires_at=expires_at(invitation),
    )
    return invitation


def verified_email_of(user) -> str:
    """The address ``user`` proved to own that an email may name them by: their login
    address when verified, else their primary verified one; empty when none is."""
    addresses = list(
        EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    )
    for address in addresses:
        if address.email.lower() == (user.email or "").lower():
            return address.email
    return addresses[0].email if addresses else ""


def _check_invitation_limits(user, organization: Organization, email: str) -> None:
    """Daily limits of invitations (the last 24 hours): per inviter, per organisation
    and per invited address."""
    since = timezone.now() - timedelta(days=1)
    recent = Invitation.objects.filter(created_at__gte=since)
    per_user = settings.INVITATIONS_PER_USER_PER_DAY
    if recent.filter(invited_by=user).count() >= per_user:
        raise TooManyInvitations(
            _(
                "You have sent %(limit)s invitations in the last 24 hours, the most allowed. "
                "Try again tomorrow."
            )
            % {"limit": per_user}
        )
    per_organization = settings.INVITATIONS_PER_ORGANIZATION_PER_DAY
    if recent.filter(organization=organization).count() >= per_organization:
        raise TooManyInvitations(
            _(
                "%(organization)s has sent %(limit)s invitations in the last 24 hours, the "
                "most allowed. Try again tomorrow."
            )
            % {"organization": organization.name, "limit": per_organization}
        )
    per_recipient = settings.INVITATIONS_PER_RECIPIENT_PER_DAY
    if recent.filter(email=email).count() >= per_recipient:
        raise TooManyInvitations(
            _(
                "%(email)s has already received %(limit)s invitations in the last 24 hours. "
                "Wait until tomorrow before inviting this address again."
            )
            % {"email": email, "limit": per_recipient},
            field="email",
        )


def check_invitation(invitation: Invitation | None, user=None) -> None:
    """Raise the reason why ``user`` (or anyone, without a user) cannot accept the
    invitation now."""
    if invitation is None:
        raise AccountError(_("This invitation link is not valid. Check that it was copied whole."))
    if invitation.accepted_at is not None:
        raise InvitationUsed()
    if is_expired(invitation):
        raise InvitationExpired()
    if user is not None and invitation.email.lower() not in verified_emails(user):
        raise WrongEmail(
            _(
                "This invitation was sent to %(invited)s, but you are logged in as "
                "%(current)s. Log out, then log in (or create an account) with %(invited)s "
                "to join the organisation."
            )
            % {"invited": invitation.email, "current": user.email}
        )


def accept_invitation(user, token: str) -> Membership:
    """Make ``user`` a member of the organisation the invitation is for. The user must
    own the invited address (a verified address of their account)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(token=token)
            .first()
        )
        check_invitation(invitation, user)
        organization = invitation.organization
        claimed = not Membership.objects.filter(organization=organization).exists()
        membership, _created = Membership.objects.get_or_create(
            user=user, organization=organization
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if not organization.contact_email:
            organization.contact_email = invitation.email
            organization.save(update_fields=["contact_email"])
        if claimed:
            access_changed.send(
                sender=Organization,
                event="organisation.claimed",
                actor=user,
                subject_user=user,
                data={"organisation": organization.pk, "email": invitation.email},
            )
    roles.forget(user)
    return membership


def invitation_verifies(token: str | None, email: str) -> bool:
    """An open invitation sent to ``email`` proves its holder reads that mailbox: a
    person who signs up through the link needs no second verification email."""
    if not token or not email:
        return False
    invitation = Invitation.objects.filter(token=token).first()
    try:
        check_invitation(invitation)
    except AccountError:
        return False
    return invitation.email.lower() == email.strip().lower()


# Leaving ----------------------------------------------------------------------------


def leave(user, organization: Organization) -> None:
    """Leave an organisation. The last member cannot: an organisation always has someone
    to look after its dossiers."""
    with transaction.atomic():
        # Lock the organisation: two last-but-one members leaving at once cannot both go.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        membership = Membership.objects.filter(user=user, organization=organization).first()
        if membership is None:
            raise NotAMember()
        if (
            not Membership.objects.filter(organization=organization)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise LastMember()
        membership.delete()
    roles.forget(user)
