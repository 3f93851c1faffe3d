"""Reads of the staff side of one dossier: the automatic eligibility pre-checks, the
opinions of the governance bodies consulted, and the queue of a body's members.

Every function here is given a dossier or a user already checked by the views
against ``workflows.rules``; querysets are filtered by the same rules."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.validators import validate_siret
from calls.models import Application
from workflows import rules
from workflows.flows import flow_class_for
from workflows.models import TransitionLog
from workflows.states import DossierState as S

from .models import (
    ConflictOfInterest,
    EligibilityReview,
    GovernanceBody,
    JurorAssignment,
    Jury,
    Opinion,
    Scorecard,
)


@dataclass(frozen=True)
class PreCheck:
    """One automatic check of a dossier, computed from its data."""

    code: str
    label: str
    passed: bool
    detail: str


def first_submission_at(dossier):
    """When the dossier was first submitted (a resubmission after a completion
    request does not make it late); ``submitted_at`` when no log says."""
    at = (
        TransitionLog.objects.filter(application=dossier, transition="submit")
        .order_by("at", "pk")
        .values_list("at", flat=True)
        .first()
    )
    return at or dossier.submitted_at


def pre_checks(dossier) -> list[PreCheck]:
    """Mandatory documents present, SIRET valid, submitted before the call closed."""
    checks = []
    missing = flow_class_for(dossier)(dossier).missing_documents
    checks.append(
        PreCheck(
            "documents",
            _("Mandatory documents present"),
            not missing,
            _("Missing: %(documents)s.") % {"documents": ", ".join(f"« {m} »" for m in missing)}
            if missing
            else _("Every mandatory document of the call is attached."),
        )
    )
    siret = dossier.organization.siret
    if not siret:
        siret_ok, siret_detail = False, _("The organisation has given no SIRET number.")
    else:
        try:
            validate_siret(siret)
        except ValidationError as error:
            siret_ok, siret_detail = False, " ".join(str(m) for m in error.messages)
        else:
            siret_ok, siret_detail = True, _("SIRET %(siret)s is valid.") % {"siret": siret}
    checks.append(PreCheck("siret", _("SIRET valid"), siret_ok, siret_detail))
    submitted = first_submission_at(dossier)
    closes = dossier.call.closes_at

    def shown(moment):
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")

    if submitted is None:
        in_time, detail = False, _("The dossier has no submission date.")
    else:
        in_time = submitted <= closes
        detail = (
            _("Submitted on %(submitted)s (the call closes on %(closes)s)")
            if in_time
            else _("Submitted on %(submitted)s, after the call closed (on %(closes)s)")
        ) % {"submitted": shown(submitted), "closes": shown(closes)}
    checks.append(PreCheck("in_time", _("Submitted in time"), in_time, detail))
    return checks


def latest_eligibility_review(dossier):
    return (
        EligibilityReview.objects.filter(application=dossier)
        .select_related("reviewer")
        .order_by("-created_at", "-pk")
        .first()
    )


def consultation(dossier) -> dict:
    """The bodies consulted on the dossier's call, each with its opinion (or None)."""
    opinions = {
        opinion.body_id: opinion
        for opinion in Opinion.objects.filter(application=dossier).select_related("author")
    }
    bodies = list(GovernanceBody.objects.filter(calls=dossier.call_id).order_by("name"))
    return {
        "rows": [{"body": body, "opinion": opinions.get(body.pk)} for body in bodies],
        "answered": sum(1 for body in bodies if body.pk in opinions),
        "consulted": len(bodies),
    }


def opinion_for(user, dossier, pk) -> Opinion:
    """An opinion on the dossier, for staff who may see the dossier; 404 otherwise."""
    if not rules.can_see_internal(user, dossier):
        raise Http404
    opinion = Opinion.objects.filter(application=dossier, pk=pk).select_related("body").first()
    if opinion is None:
        raise Http404
    return opinion


# The queue of the governance bodies' members.


def member_bodies(user) -> list[GovernanceBody]:
    """The governance bodies the user belongs to (none without the role)."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    if rules.GOVERNANCE_MEMBERS not in rules.roles(user):
        return []
    return list(GovernanceBody.objects.filter(members=user).order_by("name"))


def opinion_queue(user, *, answered=None):
    """Dossiers on which a body of the user is consulted, soonest due first: those in
    consultation, and those whose consultation is over (with the opinion given).

    Each dossier carries ``my_bodies`` (the user's bodies consulted on its call, each
    with ``opinion``: its opinion on the dossier, or None) and ``pending`` (how many
    of them have not answered). ``answered``: True/False to keep only the dossiers
    whose bodies all answered / not all answered yet."""
    bodies = member_bodies(user)
    if not bodies:
        return []
    body_ids = [body.pk for body in bodies]
    dossiers = list(
        rules.exclude_own_organisations(rules.filter_visible(Application.objects.all(), user), user)
        .filter(
            consulted_at__isnull=False,
            state__in=rules.CONSULTATION_STATES,
            call__governance_bodies__in=body_ids,
        )
        .distinct()
        .select_related("call", "organization")
        .prefetch_related(
            Prefetch(
                "call__governance_bodies",
                queryset=GovernanceBody.objects.filter(pk__in=body_ids).order_by("name"),
                to_attr="my_bodies",
            )
        )
        .order_by("consultation_due_at", "reference")
    )
    given = {}
    for opinion in Opinion.objects.filter(
        application__in=[d.pk for d in dossiers], body_id__in=body_ids
    ):
        given[(opinion.application_id, opinion.body_id)] = opinion
    rows = []
    for dossier in dossiers:
        mine = [
            {"body": body, "opinion": given.get((dossier.pk, body.pk))}
            for body in dossier.call.my_bodies
        ]
        dossier.my_bodies = mine
        dossier.pending = sum(1 for row in mine if row["opinion"] is None)
        dossier.open = dossier.state == S.IN_CONSULTATION
        if answered is True and dossier.pending:
            continue
        if answered is False and not (dossier.pending and dossier.open):
            continue
        rows.append(dossier)
    # Dossiers waiting for an opinion first.
    rows.sort(key=lambda d: (not (d.pending and d.open),))
    return rows


def unanswered_bodies(dossier):
    """Bodies consulted on the dossier's call that have not given their opinion."""
    given = Opinion.objects.filter(application=dossier, body=OuterRef("pk"))
    return GovernanceBody.objects.filter(calls=dossier.call_id).exclude(Exists(given))


# The jury on a dossier.


def jury_panel(dossier, user):
    """What the staff page shows of the jury: for administrators, the jurors assigned
    and those who declared a conflict, and the jurors who may still be assigned."""
    if not rules.is_administrator(user):
        return None
    jury = Jury.objects.filter(call=dossier.call_id).first()
    if jury is None:
        return None
    assigned = list(JurorAssignment.objects.filter(application=dossier).select_related("juror"))
    conflicts = list(ConflictOfInterest.objects.filter(application=dossier).select_related("juror"))
    submitted = set(
        Scorecard.objects.filter(application=dossier, submitted_at__isnull=False).values_list(
            "juror_id", flat=True
        )
    )
    taken = {a.juror_id for a in assigned} | {c.juror_id for c in conflicts}
    members = [
        juror
        for juror in rules.jury_members(dossier.call).order_by("last_name", "first_name", "email")
        if juror.pk not in taken
    ]
    # A juror in conflict of interest on the dossier is never offered.
    conflicted = {juror for _dossier, juror in rules.conflicted_pairs([dossier], members)}
    candidates = [juror for juror in members if juror.pk not in conflicted]
    excluded = list(
        Scorecard.objects.filter(application=dossier, excluded_at__isnull=False)
        .select_related("juror")
        .order_by("excluded_at", "pk")
    )
    return {
        "excluded": excluded,
        "assigned": [
            {"juror": a.juror, "submitted": a.juror_id in submitted, "confirmed": a.confirmed_at}
            for a in assigned
        ],
        "conflicts": conflicts,
        "candidates": candidates,
        "open": dossier.state in rules.JUROR_ASSIGNMENT_STATES,
    }
