"""Reads of the back-office's call pages: the calls a staff member manages or
instructs, one of them (404 otherwise), its jurors."""

from django.db.models import Count, Q
from django.http import Http404

from calls.models import Call
from workflows import http, rules


def calls_for(user):
    """The calls the user manages (administrators: all) or instructs, with the
    number of their dossiers in the back-office (``dossier_count``), newest first."""
    if rules.is_administrator(user):
        calls = Call.objects.all()
    elif rules.is_back_office_user(user):
        calls = Call.objects.filter(instructors=user)
    else:
        return Call.objects.none()
    return calls.annotate(
        dossier_count=Count(
            "applications", filter=Q(applications__state__in=rules.STAFF_VISIBLE_STATES)
        )
    ).order_by("-opens_at", "-pk")


def call_choices(user) -> list[tuple[int, str]]:
    """(id, title) of the calls of ``calls_for``, for a filter (one light query)."""
    if rules.is_administrator(user):
        calls = Call.objects.all()
    elif rules.is_back_office_user(user):
        calls = Call.objects.filter(instructors=user)
    else:
        return []
    return list(calls.order_by("-opens_at", "-pk").values_list("pk", "title"))


def call_for(user, pk) -> Call:
    """A call the user manages or instructs; 404 otherwise."""
    call = (
        calls_for(user)
        .prefetch_related(
            "objectives",
            "governance_bodies",
            "instructors",
            "required_documents",
            "eligibility_criteria",
            "scoring_criteria",
        )
        .filter(pk=pk)
        .first()
    )
    if call is None:
        raise Http404
    return call


def managed_call(user, pk) -> Call:
    """A call for an administrator to change; 404 for anybody else."""
    http.require_administrator(user)
    return call_for(user, pk)


def jurors_of(call) -> list:
    jury = getattr(call, "jury", None)
    return list(jury.members.order_by("email")) if jury is not None else []
