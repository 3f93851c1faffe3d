"""Reads of dossiers, already filtered by the permission rules and prefetched."""

from itertools import chain

from django.db.models import Count, Exists, F, OuterRef
from django.http import Http404
from django.utils import timezone

from notifications.models import OutboundEmail
from workflows import rules
from workflows.models import TransitionLog
from workflows.states import DossierState

from .models import Application, Call, Message


def open_calls(at=None):
    """Published calls that accept dossiers now, closing soonest first."""
    at = at or timezone.now()
    return Call.objects.filter(is_published=True, opens_at__lte=at, closes_at__gt=at).order_by(
        "closes_at", "pk"
    )


def visible_dossiers(user):
    """Every dossier the user may see, and only those."""
    queryset = Application.objects.select_related("call", "organization")
    return rules.filter_visible(queryset, user)


def dossier_list(user, *, state=None, call=None):
    queryset = visible_dossiers(user).order_by("-updated_at", "-pk")
    if state:
        queryset = queryset.filter(state=state)
    if call:
        queryset = queryset.filter(call=call)
    return queryset


def state_counts(queryset) -> dict:
    return dict(
        queryset.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )


def dossier_for(user, pk) -> Application:
    """The dossier if the user may see it; 404 otherwise (ids leak nothing)."""
    dossier = (
        Application.objects.select_related("call", "organization")
        .prefetch_related("objectives", "attachments")
        .filter(pk=pk)
        .first()
    )
    if dossier is None or not rules.can_view(user, dossier):
        raise Http404
    return dossier


def current_decision(dossier, user):
    """The dossier's current decision, for staff; for the applicant once notified."""
    from reviews.models import Decision

    if dossier.state != DossierState.NOTIFIED and not rules.can_see_internal(user, dossier):
        return None
    return (
        Decision.objects.filter(application=dossier, is_current=True)
        .select_related("decided_by")
        .first()
    )


def timeline(dossier, user) -> list[dict]:
    """State changes, emails and messages of a dossier, oldest first. Internal notes
    only for staff; emails to the applicant for everybody who may see the dossier."""
    logs = TransitionLog.objects.filter(application=dossier).select_related("actor")
    messages = Message.objects.filter(application=dossier).select_related("author")
    if not rules.can_see_internal(user, dossier):
        messages = messages.filter(internal=False)
    emails = OutboundEmail.objects.filter(application=dossier).exclude(
        status=OutboundEmail.Status.CANCELLED
    )
    if not rules.can_see_internal(user, dossier):
        emails = emails.filter(status=OutboundEmail.Status.SENT)
    events = chain(
        ({"kind": "transition", "at": log.at, "item": log} for log in logs),
        ({"kind": "message", "at": m.created_at, "item": m} for m in messages),
        ({"kind": "email", "at": e.sent_at or e.created_at, "item": e} for e in emails),
    )
    return sorted(events, key=lambda event: event["at"])


# Public pages: published calls, the scheme's objectives, the prize laureates.


def calls_by_period(at=None, *, closed=True) -> dict:
    """Published calls, split into ``open`` (closing soonest first), ``coming``
    (opening soonest first) and ``closed`` (most recently closed first; left empty
    when ``closed`` is false). One query."""
    at = at or timezone.now()
    queryset = Call.objects.filter(is_published=True)
    if not closed:
        queryset = queryset.filter(closes_at__gt=at)
    periods = {"open": [], "coming": [], "closed": []}
    for call in queryset.order_by("opens_at", "pk"):
        if call.opens_at > at:
            periods["coming"].append(call)
        elif call.closes_at > at:
            periods["open"].append(call)
        else:
            periods["closed"].append(call)
    periods["open"].sort(key=lambda call: (call.closes_at, call.pk))
    periods["closed"].sort(key=lambda call: (call.closes_at, call.pk), reverse=True)
    return periods


def public_call(pk) -> Call:
    """A published call with what its public page shows; 404 otherwise."""
    call = (
        Call.objects.filter(pk=pk, is_published=True)
        .prefetch_related("objectives", "required_documents", "eligibility_criteria")
        .first()
    )
    if call is None:
        raise Http404
    return call


def scheme_axes():
    """The two axes, each with its orientations and their objectives (3 queries)."""
    from .models import Axis

    return list(Axis.objects.prefetch_related("orientations__objectives"))


def published_laureates() -> list[dict]:
    """The laureates of the prize editions whose laureates are published: dossiers
    notified with a current decision that highlights them, special prizes first.

    ``[{"call": edition, "laureates": [dossier, ...]}]``, latest edition first; each
    dossier has ``special_prize`` and its ``objectives`` prefetched. Two queries."""
    from reviews.models import Decision

    current = Decision.objects.filter(application=OuterRef("pk"), is_current=True)
    dossiers = (
        Application.objects.filter(
            call__kind=Call.Kind.PRIZE,
            call__is_published=True,
            call__laureates_published=True,
            state=DossierState.NOTIFIED,
        )
        .filter(Exists(current.filter(highlighted=True)))
        .annotate(special_prize=Exists(current.filter(special_prize=True)))
        .select_related("call", "organization")
        .prefetch_related("objectives")
        .order_by(
            F("call__year").desc(nulls_last=True),
            "-call__opens_at",
            "call_id",
            "-special_prize",
            "title",
            "pk",
        )
    )
    editions = []
    for dossier in dossiers:
        if not editions or editions[-1]["call"].pk != dossier.call_id:
            editions.append({"call": dossier.call, "laureates": []})
        editions[-1]["laureates"].append(dossier)
    return editions
