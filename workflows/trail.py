"""Reading the audit trail: the transitions and the other audited events in one list,
newest first, filtered as the administrators' audit page asks (selectors; the writes are
``workflows.services.perform`` and ``workflows.audit.record_event``)."""

import datetime
from dataclasses import dataclass

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat

from accounts.models import User
from calls.models import Application, Call

from .audit import EVENT_LABELS, event_label
from .flows import FLOWS
from .models import AuditEvent, TransitionLog

# name -> label of every transition of every flow.
TRANSITION_LABELS = {
    transition.slug: transition.label
    for flow_class in FLOWS.values()
    for method in flow_class.state.get_transitions()
    for transition in method.get_transitions()
}

TRAIL_FIELDS = ("at", "actor_id", "event", "application_id", "call_id", "reason", "kind", "pk")


@dataclass(frozen=True)
class TrailFilters:
    """What the audit page filters on; every field optional."""

    dossier: str = ""  # a reference, or a part of it
    call_id: int | None = None
    actor: str = ""  # an email address, or a part of it
    event: str = ""  # an event slug, or "transition:<name>"
    since: datetime.date | None = None
    until: datetime.date | None = None


def _transition_rows():
    return TransitionLog.objects.annotate(
        event_name=Concat(Value("transition:"), F("transition"), output_field=CharField()),
        call_ref=F("application__call_id"),
        kind=Value("transition", output_field=CharField()),
    )


def _event_rows():
    return AuditEvent.objects.annotate(
        event_name=F("event"),
        call_ref=F("call_id"),
        kind=Value("event", output_field=CharField()),
    )


def _filtered(queryset, filters: TrailFilters):
    if filters.dossier:
        queryset = queryset.filter(application__reference__icontains=filters.dossier)
    if filters.call_id:
        queryset = queryset.filter(call_ref=filters.call_id)
    if filters.actor:
        queryset = queryset.filter(actor__email__icontains=filters.actor)
    if filters.event:
        queryset = queryset.filter(event_name=filters.event)
    if filters.since:
        queryset = queryset.filter(at__date__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(at__date__lte=filters.until)
    return queryset


def _older(queryset, kind: str, before):
    """The rows of one table (all of ``kind``) that come after ``before`` = (at, kind,
    pk) in the trail's order (newest first, then transitions before events, then by
    id): a keyset, so that a page read later neither skips nor repeats a row."""
    at, before_kind, pk = before
    clause = Q(at__lt=at)
    if kind < before_kind:
        clause |= Q(at=at)
    elif kind == before_kind:
        clause |= Q(at=at, pk__lt=pk)
    return queryset.filter(clause)


def trail(filters: TrailFilters = TrailFilters(), *, before=None):
    """The transitions and the other audited events matching ``filters``, newest first,
    as dicts (``TRAIL_FIELDS``, ``event`` being ``transition:<name>`` for a state
    change). A union of the two append-only tables: paginate it, then ``hydrate`` the
    page. ``before`` (at, kind, pk of a row) keeps only the rows after that one."""
    columns = ("at", "actor_id", "event_name", "application_id", "call_ref", "reason", "kind")
    transitions = _filtered(_transition_rows(), filters)
    events = _filtered(_event_rows(), filters)
    if before is not None:
        transitions = _older(transitions, "transition", before)
        events = _older(events, "event", before)
    transitions = transitions.order_by().values_list(*columns, "pk")
    events = events.order_by().values_list(*columns, "pk")
    return transitions.union(events, all=True).order_by("-at", "-kind", "-pk")


def hydrate(rows) -> list[dict]:
    """The page's rows as dicts with their actor, dossier and call objects (three
    queries whatever the number of rows) and a readable label."""
    rows = [dict(zip(TRAIL_FIELDS, row, strict=True)) for row in rows]
    users = User.objects.in_bulk({row["actor_id"] for row in rows if row["actor_id"]})
    dossiers = Application.objects.in_bulk(
        {row["application_id"] for row in rows if row["application_id"]}
    )
    calls = Call.objects.in_bulk({row["call_id"] for row in rows if row["call_id"]})
    for row in rows:
        row["actor"] = users.get(row["actor_id"])
        row["dossier"] = dossiers.get(row["application_id"])
        row["call"] = calls.get(row["call_id"])
        row["label"] = trail_label(row["event"])
    return rows


def trail_label(event: str) -> str:
    """The label of a trail entry: the transition's label for a state change."""
    if event.startswith("transition:"):
        return str(TRANSITION_LABELS.get(event.split(":", 1)[1], event))
    return event_label(event)


def event_choices() -> list[tuple[str, str]]:
    """(value, label) of every event the audit page can filter on."""
    transitions = [(f"transition:{name}", label) for name, label in TRANSITION_LABELS.items()]
    events = [(slug, str(label)) for slug, label in EVENT_LABELS.items()]
    return sorted(transitions, key=lambda c: c[1]) + sorted(events, key=lambda c: c[1])
