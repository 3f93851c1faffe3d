"""Reads of dossiers, already filtered by the permission rules and prefetched."""

from itertools import chain

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from notifications.models import Letter, OutboundEmail
from reviews.models import Decision
from workflows import rules
from workflows.models import TransitionLog
from workflows.states import DossierState

from .models import Application, Axis, Call, Message

# Decisions are not disclosed to who is not staff of the dossier before they are
# notified: until then these states are shown as the state before the decision.
UNDISCLOSED_STATES = {
    DossierState.SELECTED: DossierState.AWAITING_DECISION,
    DossierState.NOT_SELECTED: DossierState.AWAITING_DECISION,
    DossierState.INELIGIBLE: DossierState.SUBMITTED,
}
DECISION_TRANSITIONS = {"select", "decline", "declare_ineligible"}
# Their timeline entries (and reasons) are left out for them; ``notify`` tells.
UNDISCLOSED_TRANSITIONS = DECISION_TRANSITIONS | {"reopen"}


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
    if dossier.state != DossierState.NOTIFIED and not rules.can_see_internal(user, dossier):
        return None
    return (
        Decision.objects.filter(application=dossier, is_current=True)
        .select_related("decided_by")
        .first()
    )


def timeline(dossier, user) -> list[dict]:
    """State changes, emails and messages of a dossier, oldest first. Internal notes
    only for staff; emails to the applicant for everybody who may see the dossier.

    Who is not staff of the dossier does not see a decision before it is notified:
    the entries of the decision transitions (and their reasons) are left out, and
    the ``notify`` entry carries the decision it notified (``decision_log``)."""
    internal = rules.can_see_internal(user, dossier)
    logs = list(TransitionLog.objects.filter(application=dossier).select_related("actor"))
    messages = Message.objects.filter(application=dossier).select_related("author")
    if not internal:
        messages = messages.filter(internal=False)
    emails = (
        OutboundEmail.objects.filter(application=dossier)
        .exclude(status=OutboundEmail.Status.CANCELLED)
        .defer("body_text", "body_html", "last_error")
    )
    if not internal:
        # The applicant sees what was sent to the organisation's members, not the
        # emails of the City's reviewers (consultation, reminders).

        members = Membership.objects.filter(organization_id=dossier.organization_id)
        emails = emails.filter(
            status=OutboundEmail.Status.SENT, recipient__in=members.values("user__email")
        )
    # The letters of an assisted dossier's organisation without an email address: staff
    # see them from when they are written, the applicant once posted. (Online dossiers
    # always have members to email: no query for them.)
    letters = []
    if dossier.channel != Application.Channel.ONLINE:
        letters = Letter.objects.filter(application=dossier).exclude(
            status__in=[Letter.Status.CANCELLED, Letter.Status.HELD]
        )
        if not internal:
            letters = letters.filter(status=Letter.Status.POSTED)
        letters = letters.defer("body_text")
    transitions = []
    decision_log = None
    for log in logs:
        event = {"kind": "transition", "at": log.at, "item": log}
        if log.transition in DECISION_TRANSITIONS:
            decision_log = log
        elif log.transition == "reopen":
            decision_log = None
        elif log.transition == "notify":
            event["decision_log"] = decision_log
        if internal or log.transition not in UNDISCLOSED_TRANSITIONS:
            transitions.append(event)
    events = chain(
        transitions,
        ({"kind": "message", "at": m.created_at, "item": m} for m in messages),
        ({"kind": "email", "at": e.sent_at or e.created_at, "item": e} for e in emails),
        ({"kind": "letter", "at": lt.posted_at or lt.created_at, "item": lt} for lt in letters),
    )
    return sorted(events, key=lambda event: event["at"])


def sees_decisions(user, dossier=None) -> bool:
    """Whether the user sees decisions before they are notified: staff of the
    dossier. Without a dossier, for lists of dossiers the user may see (for those
    ``can_see_internal`` is the same as being a staff member)."""
    if dossier is None:
        return rules.is_staff_member(user)
    return rules.can_see_internal(user, dossier)


def shown_state(user, dossier_or_state) -> DossierState:
    """The state of a dossier as this user may see it: a decision not yet notified
    shows as "awaiting decision" (or "submitted" for ineligibility) to who is not
    staff of the dossier. A bare state is for dossiers of a list the user may see."""
    if isinstance(dossier_or_state, str):
        state, dossier = dossier_or_state, None
    else:
        state, dossier = dossier_or_state.state, dossier_or_state
    state = DossierState(state)
    if state in UNDISCLOSED_STATES and not sees_decisions(user, dossier):
        return UNDISCLOSED_STATES[state]
    return state


def shown_states(user) -> list[DossierState]:
    """The states the user may see dossiers in (the choices of a state filter)."""
    if sees_decisions(user):
        return list(DossierState)
    return [state for state in DossierState if state not in UNDISCLOSED_STATES]


def states_shown_as(user, shown) -> list[str]:
    """The real states of the dossiers that this user sees in state ``shown``."""
    return [state for state in DossierState.values if shown_state(user, state) == shown]


def shown_state_counts(user, queryset) -> dict:
    """``state_counts`` of a list of dossiers the user may see, by shown state."""
    counts = {}
    for state, count in state_counts(queryset).items():
        shown = shown_state(user, state)
        counts[shown] = counts.get(shown, 0) + count
    return counts


def completion_request(dossier, events=None):
    """The log of the completion request an incomplete dossier answers (its reason
    says what is asked); ``None`` when the dossier is not incomplete. ``events``: the
    dossier's timeline, when already read (no query then)."""
    if dossier.state != DossierState.INCOMPLETE:
        return None
    if events is None:
        return (
            TransitionLog.objects.filter(application=dossier, transition="request_completion")
            .order_by("-at", "-pk")
            .first()
        )
    logs = [
        event["item"]
        for event in events
        if event["kind"] == "transition" and event["item"].transition == "request_completion"
    ]
    return logs[-1] if logs else None


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
    return list(Axis.objects.prefetch_related("orientations__objectives"))


def published_laureates() -> list[dict]:
    """The laureates of the prize editions whose laureates are published: dossiers
    notified with a current decision that highlights them, special prizes first.

    ``[{"call": edition, "laureates": [dossier, ...]}]``, latest edition first; each
    dossier has ``special_prize`` and its ``objectives`` prefetched. Two queries."""
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


def with_disclosed_change(user, queryset):
    """For who does not see decisions before they are notified: annotate each dossier
    with ``disclosed_change_at``, the time of its last state change they may see (so
    that the date of an undisclosed decision does not show either). One subquery."""
    if sees_decisions(user):
        return queryset
    disclosed = (
        TransitionLog.objects.filter(application=OuterRef("pk"))
        .exclude(transition__in=UNDISCLOSED_TRANSITIONS)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return queryset.annotate(
        disclosed_change_at=Case(
            When(state__in=list(UNDISCLOSED_STATES), then=Subquery(disclosed)),
            default=None,
        )
    )


def message_for(user, dossier, pk) -> Message:
    """A message of the dossier's thread the user may read; 404 otherwise (internal
    notes are for staff only)."""
    messages = Message.objects.filter(application=dossier, pk=pk)
    if not rules.can_see_internal(user, dossier):
        messages = messages.filter(internal=False)
    message = messages.first()
    if message is None:
        raise Http404
    return message


def published_editions():
    """Prize editions whose laureates are published, latest first, each with
    ``laureate_count`` (notified highlighted actions). One query."""
    return (
        Call.objects.filter(kind=Call.Kind.PRIZE, is_published=True, laureates_published=True)
        .annotate(
            laureate_count=Count(
                "applications",
                filter=Q(
                    applications__state=DossierState.NOTIFIED,
                    applications__decisions__is_current=True,
                    applications__decisions__highlighted=True,
                ),
            )
        )
        .order_by(F("year").desc(nulls_last=True), "-opens_at", "pk")
    )


def published_edition(pk) -> Call:
    """A prize edition whose laureates are published; 404 otherwise (nothing of an
    edition shows before its publication)."""
    call = published_editions().filter(pk=pk).first()
    if call is None:
        raise Http404
    return call


def edition_laureates(call, *, objective=None, district=None) -> list:
    """The laureates of a published edition: notified dossiers with a current decision
    that highlights them, special prizes first then by title; each with
    ``special_prize``, its organisation and its objectives. Filtered by objective
    number and district code when given. Two queries."""
    current = Decision.objects.filter(application=OuterRef("pk"), is_current=True)
    dossiers = (
        Application.objects.filter(call=call, state=DossierState.NOTIFIED)
        .filter(Exists(current.filter(highlighted=True)))
        .annotate(special_prize=Exists(current.filter(special_prize=True)))
        .select_related("organization")
        .prefetch_related("objectives")
        .order_by("-special_prize", "title", "pk")
    )
    if objective is not None:
        dossiers = dossiers.filter(objectives__number=objective)
    result = list(dossiers)
    if district:
        result = [dossier for dossier in result if district in (dossier.districts or ())]
    return result


def first_steps(user, dossier_count: int):
    """The three steps of a new applicant (organisation, draft, submission), each
    marked done or not, with the step to take now; ``None`` once the user has a
    dossier to show, or for staff, whose landing page is their queue."""
    if dossier_count or rules.is_staff_member(user):
        return None
    has_organisation = bool(rules.organization_ids(user))
    steps = [
        {"key": "organisation", "done": has_organisation},
        {"key": "draft", "done": False},
        {"key": "submit", "done": False},
    ]
    current = next(step for step in steps if not step["done"])
    current["current"] = True
    return {"steps": steps, "open_calls": open_calls().count()}


def decision_emails(dossier) -> list[dict]:
    """Where the decision email of a dossier stands, one line per recipient, in the
    words the applicant reads: ``sent`` (with its date), ``sending`` (still in the
    outbox, or being retried), ``failed`` (the attempts are spent, the City is told)
    or ``undelivered`` (the receiving server refused it)."""
    emails = OutboundEmail.objects.filter(
        application=dossier, category=OutboundEmail.Category.DECISION
    ).exclude(status=OutboundEmail.Status.CANCELLED)
    lines = []
    for email in emails.order_by("created_at", "pk"):
        if email.status == OutboundEmail.Status.SENT:
            kind = "undelivered" if email.delivery_problem else "sent"
        elif email.status == OutboundEmail.Status.FAILED:
            kind = "failed"
        else:
            kind = "sending"
        lines.append({"recipient": email.recipient, "kind": kind, "at": email.sent_at})
    return lines
