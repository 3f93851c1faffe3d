"""Reads of the API, built on the selectors of the pages (``calls.selectors``,
``calls.backoffice.selectors``): the same permission filters, the same 404s."""

from django.db.models import Q
from django.http import Http404

from calls import selectors as call_selectors
from calls.backoffice import selectors as backoffice_selectors
from calls.models import Call, Objective

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
