"""Reads of the API, built on the selectors of the pages (``calls.selectors``,
``calls.backoffice.selectors``): the same permission filters, the same 404s."""

from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404

from calls import selectors as call_selectors
from calls.backoffice import selectors as backoffice_selectors
from calls.models import Application, Call, Objective
from reviews import staff_selectors
from workflows.models import TransitionLog

PUBLIC_PREFETCH = ("objectives", "required_documents", "eligibility_criteria")
STAFF_PREFETCH = (*PUBLIC_PREFETCH, "instructors", "governance_bodies", "scoring_criteria")


def objectives():
    """The 28 objectives with their orientation and axis (one query)."""
    return Objective.objects.select_related("orientation__axis").order_by("number")


def objective(number) -> Objective:
    found = objectives().filter(number=number).first()
    if found is None:
        raise Http404
    return found


def managed_call_ids(user) -> frozenset:
    """The calls the user manages or instructs: the API shows them whole (one query,
    cached on the user object)."""
    ids = getattr(user, "_api_managed_call_ids", None)
    if ids is None:
        ids = frozenset(backoffice_selectors.calls_for(user).values_list("pk", flat=True))
        if user is not None and user.is_authenticated:
            user._api_managed_call_ids = ids
    return ids


def calls(user):
    """The published calls, and for staff also the calls they manage or instruct
    (unpublished ones included), newest first."""
    managed = managed_call_ids(user)
    queryset = Call.objects.filter(Q(is_published=True) | Q(pk__in=managed))
    prefetch = STAFF_PREFETCH if managed else PUBLIC_PREFETCH
    return queryset.prefetch_related(*prefetch).order_by("-opens_at", "-pk")


def call(user, pk) -> Call:
    """A call the user manages or instructs (whole), or a published call (its public
    page); 404 otherwise."""
    if int(pk) in managed_call_ids(user):
        return backoffice_selectors.call_for(user, pk)
    return call_selectors.public_call(pk)


# Dossiers: the selectors of the dashboard and of the dossier pages
# (``calls.selectors``, filtered by ``workflows.rules``).


def with_changed_at(user, queryset):
    """Annotate ``changed_at``: when the dossier last changed as this user may know it.
    For who does not see decisions before they are notified (applicants), the time of
    an undisclosed decision does not show (``calls.selectors.with_disclosed_change``,
    as on the dashboard); for staff, ``updated_at``."""
    if call_selectors.sees_decisions(user):
        return queryset.annotate(changed_at=F("updated_at"))
    return call_selectors.with_disclosed_change(user, queryset).annotate(
        changed_at=Coalesce("disclosed_change_at", "updated_at")
    )


def dossiers(user, *, call=None, state=None, objective=None, district=None, updated_since=None):
    """The dossiers the user may see (the dashboard's list), filtered: by call id, by
    state as the user sees it (an undisclosed decision shows as awaiting decision), by
    objective number, by district code, changed since a moment. Each dossier has
    ``changed_at``, its call, organisation and objective numbers (no query per row)."""
    queryset = call_selectors.dossier_list(user, call=call)
    if state:
        queryset = queryset.filter(state__in=call_selectors.states_shown_as(user, state))
    if objective:
        queryset = queryset.filter(objectives__number=objective)
    if district:
        queryset = staff_selectors.filter_dossiers(
            queryset, staff_selectors.DossierFilters(district=district)
        )
    queryset = with_changed_at(user, queryset)
    if updated_since:
        queryset = queryset.filter(changed_at__gte=updated_since)
    return queryset.prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.only("number").order_by("number"))
    )


def dossier(user, pk) -> Application:
    """A dossier the user may see (``calls.selectors.dossier_for``: 404 otherwise),
    with ``changed_at`` as the user may know it."""
    found = call_selectors.dossier_for(user, pk)
    found.changed_at = found.updated_at
    if found.state in call_selectors.UNDISCLOSED_STATES and not call_selectors.sees_decisions(
        user, found
    ):
        disclosed = (
            TransitionLog.objects.filter(application=found)
            .exclude(transition__in=call_selectors.UNDISCLOSED_TRANSITIONS)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)
            .first()
        )
        found.changed_at = disclosed or found.updated_at
    return found


def current_decision(user, found):
    """The dossier's current decision as its page shows it (staff; the applicant once
    notified), or ``None``."""
    return call_selectors.current_decision(found, user)
