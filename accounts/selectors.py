"""Reads of the organisation pages, already filtered by membership: an organisation
its user is not a member of answers 404, as every forbidden object does."""

from datetime import timedelta

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Invitation, Membership, Organization
from .services import INVITATION_VALID_DAYS


def _member_of(user):
    return Membership.objects.filter(user=user).values("organization_id")


def organizations_of(user):
    """The organisations ``user`` is a member of, with their number of members."""
    return (
        Organization.objects.filter(pk__in=_member_of(user))
        .annotate(member_count=Count("memberships"))
        .order_by("name", "pk")
    )


def organization_for(user, pk) -> Organization:
    """An organisation of ``user``, or 404."""
    return get_object_or_404(Organization.objects.filter(pk__in=_member_of(user)), pk=pk)


def members(organization):
    return organization.memberships.select_related("user").order_by("joined_at", "pk")


def pending_invitations(organization):
    """Invitations not yet used whose link still works, the latest first."""
    valid_since = timezone.now() - timedelta(days=INVITATION_VALID_DAYS)
    return (
        organization.invitations.filter(accepted_at__isnull=True, created_at__gt=valid_since)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()
    )
