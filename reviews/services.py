"""Writes of the reviews that are not state changes: juror assignments, conflicts of
interest, opinions of the governance bodies and jurors' scorecards.

Each function is one database transaction that locks the dossier's row, so that it is
serialised with the transitions of ``workflows.services.perform`` and with itself (a
conflict declared while an assignment is being made, two opinions at once...). Each
refusal raises a ``workflows.exceptions.TransitionError`` subclass whose ``message``
is meant for the user; nothing is changed then.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import User
from calls import uploads
from calls.models import Application
from notifications.services import queue_email
from workflows import rules
from workflows.audit import record_event
from workflows.exceptions import (
    InvalidSourceState,
    InvalidTransitionData,
    TransitionError,
    TransitionNotPermitted,
)
from workflows.flows import parse_due_date
from workflows.services import perform
from workflows.states import DossierState as S

from . import tallies
from .dossier_selectors import unanswered_bodies
from .jury_notifications import notify_assigned
from .models import (
    ConflictOfInterest,
    DeclaredInterest,
    GovernanceBody,
    JurorAssignment,
    Jury,
    Opinion,
    Score,
    Scorecard,
)

SCORE_PERMISSION = f"calls.{rules.SCORE_PERMISSION}"


def _lock(dossier) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "organization")
        .get(pk=dossier.pk)
    )


def _name(user) -> str:
    return user.get_full_name() or user.email


def _conflict_message(juror, dossier) -> str:
    """Why ``juror``, in conflict of interest on ``dossier``, cannot be assigned to it."""
    if dossier.organization_id in rules.organization_ids(juror):
        message = _(
            "%(name)s is a member of the organisation of this dossier (conflict of "
            "interest) and cannot be assigned to it."
        )
    elif DeclaredInterest.objects.filter(user=juror, organization=dossier.organization_id).exists():
        message = _(
            "%(name)s declared an interest in the organisation of this dossier (conflict "
            "of interest) and cannot be assigned to it."
        )
    else:
        message = _(
            "%(name)s declared a conflict of interest on this dossier and cannot be assigned to it."
        )
    return message % {"name": _name(juror)}


@transaction.atomic
def assign_juror(dossier, juror, by) -> JurorAssignment:
    """Assign ``juror`` to score ``dossier``, on behalf of the administrator ``by``.

    The juror must belong to the jurors group and to the jury of the dossier's call,
    and must not be in conflict of interest on the dossier (``rules.conflicted_pairs``:
    member of its organisation, declared interest in it, declared conflict). Grants the
    object permission ``calls.score_application`` (direct-FK guardian table); the juror
    sees and scores the dossier once they confirmed having no conflict of interest on it
    (``confirm_no_conflict``). Assigning twice changes nothing."""
    if not rules.is_administrator(by):
        raise TransitionNotPermitted(_("Only administrators assign jurors to dossiers."))
    locked = _lock(dossier)
    if locked.state not in rules.JUROR_ASSIGNMENT_STATES:
        raise InvalidSourceState(
            _("Jurors can only be assigned to a dossier under review, before its jury closes.")
        )
    if not rules.is_juror_of_call(juror, locked.call):
        raise InvalidTransitionData(
            _("%(name)s is not a member of the jury of this call.") % {"name": _name(juror)},
            field="juror",
        )
    if rules.is_conflicted(juror, locked):
        raise InvalidTransitionData(_conflict_message(juror, locked), field="juror")
    assignment, created = JurorAssignment.objects.get_or_create(application=locked, juror=juror)
    assign_perm(SCORE_PERMISSION, juror, locked)
    if created:
        tallies.assigned(locked, juror.pk)
        record_event("jury.assigned", actor=by, application=locked, subject_user=juror)
        assignment.application = locked
        notify_assigned(locked.call, [assignment])
    return assignment


@transaction.atomic
def update_jury_settings(jury, by, *, scoring_deadline, score_visibility, show_juror_identities):
    """Change the scoring deadline of the call's jury and what a juror sees of the
    others' scores (administrators)."""
    if not rules.is_administrator(by):
        raise TransitionNotPermitted(_("Only administrators change the jury's settings."))
    if score_visibility not in Jury.ScoreVisibility.values:
        raise InvalidTransitionData(_("Choose when a juror sees the other scores."))
    jury.scoring_deadline = scoring_deadline
    jury.score_visibility = score_visibility
    jury.show_juror_identities = bool(show_juror_identities)
    jury.save(update_fields=["scoring_deadline", "score_visibility", "show_juror_identities"])
    return jury


# A conflict of interest can be declared by the juror until the jury closes.
CONFLICT_STATES = rules.JUROR_ASSIGNMENT_STATES


@transaction.atomic
def declare_conflict(dossier, juror, reason="", *, by=None, interest=None) -> ConflictOfInterest:
    """Record that ``juror`` takes no part in ``dossier``.

    The juror declares it themself while the dossier is under review, up to the close of
    its jury; afterwards only an administrator (``by``) may record it, with a reason
    (logged). Removes the juror's assignment and permission on the dossier (they no
    longer see nor score it). Nothing is deleted: their scorecard, if any, is kept and
    marked excluded (who, when, why), so that it counts in no average, ranking or
    export. Declaring twice is refused. ``interest``: the declared interest that causes
    the conflict (``declare_interest``); withdrawing it may lift the conflict."""
    locked = _lock(dossier)
    reason = (reason or "").strip()
    actor = by or juror
    if by is not None and by != juror:
        if not rules.is_administrator(by):
            raise TransitionNotPermitted(
                _("Only administrators record a conflict of interest for a juror.")
            )
        if not reason:
            raise InvalidTransitionData(
                _("Give the reason for recording this conflict of interest."), field="reason"
            )
    elif locked.state not in CONFLICT_STATES:
        raise InvalidSourceState(
            _(
                "The jury on this dossier is closed: a conflict of interest can no longer "
                "be declared. Ask an administrator to record it."
            ),
            field="reason",
        )
    if not rules.is_juror_of_call(juror, locked.call):
        raise TransitionNotPermitted(
            _("Only a member of the jury of this call can declare a conflict of interest.")
        )
    if ConflictOfInterest.objects.filter(application=locked, juror=juror).exists():
        raise InvalidTransitionData(
            _("A conflict of interest of %(name)s on this dossier is already recorded.")
            % {"name": _name(juror)},
            field="reason",
        )
    conflict = ConflictOfInterest.objects.create(
        application=locked, juror=juror, reason=reason, declared_interest=interest
    )
    record_event(
        "jury.conflict_declared",
        actor=actor,
        application=locked,
        subject_user=juror,
        reason=reason,
        data={
            "recorded_by_administrator": actor != juror,
            **({"declared_interest": interest.pk} if interest is not None else {}),
        },
    )
    remove_perm(SCORE_PERMISSION, juror, locked)
    scorecards = list(
        Scorecard.objects.filter(application=locked, juror=juror, excluded_at__isnull=True)
    )
    assignment = JurorAssignment.objects.filter(application=locked, juror=juror).first()
    tallies.conflict_declared(locked, juror.pk, assignment=assignment, scorecards=scorecards)
    if assignment is not None:
        assignment.delete()
    now = timezone.now()
    exclusion = _("Conflict of interest declared on %(date)s") % {
        "date": timezone.localtime(now).strftime("%d/%m/%Y")
    }
    if reason:
        exclusion = f"{exclusion}: {reason}"
    for scorecard in scorecards:
        scorecard.excluded_at = now
        scorecard.excluded_by = actor
        scorecard.excluded_reason = exclusion
        scorecard.save(update_fields=["excluded_at", "excluded_by", "excluded_reason"])
        record_event(
            "jury.scorecard_excluded",
            actor=actor,
            application=locked,
            subject_user=juror,
            reason=exclusion,
            data={"scorecard": scorecard.pk, "submitted": scorecard.submitted_at is not None},
        )
    return conflict


@transaction.atomic
def confirm_no_conflict(dossier, juror) -> JurorAssignment:
    """``juror`` confirms they have no conflict of interest on ``dossier``, assigned to
    them: they may then read its content and score it. Logged in the audit trail.
    Refused when they are not (or no longer) its juror, and after its jury closed;
    confirming twice changes nothing."""
    locked = _lock(dossier)
    if not rules.is_juror_of(juror, locked):
        raise TransitionNotPermitted(_("You are not a juror of this dossier."))
    assignment = (
        JurorAssignment.objects.select_for_update().filter(application=locked, juror=juror).first()
    )
    if assignment is None:
        raise TransitionNotPermitted(_("You are not a juror of this dossier."))
    if assignment.confirmed_at is not None:
        return assignment
    if locked.state not in CONFLICT_STATES:
        raise InvalidSourceState(
            _("The jury on this dossier is closed: there is nothing left to confirm.")
        )
    assignment.confirmed_at = timezone.now()
    assignment.save(update_fields=["confirmed_at"])
    record_event("jury.no_conflict_confirmed", actor=juror, application=locked, subject_user=juror)
    assignment.reincluded = _reinclude_scorecards(locked, juror)
    return assignment


def _reinclude_scorecards(dossier, juror) -> int:
    """The scorecards of ``juror`` on ``dossier`` excluded by a conflict of interest since
    lifted (``withdraw_interest``): once the juror confirmed having no conflict again,
    each is back as a draft, its scores kept, for them to check and submit again (only
    a scorecard submitted after a valid no-conflict confirmation counts). Logged."""
    count = 0
    for scorecard in Scorecard.objects.filter(
        application=dossier, juror=juror, excluded_at__isnull=False
    ):
        reason = scorecard.excluded_reason
        was_submitted = scorecard.submitted_at is not None
        scorecard.excluded_at = None
        scorecard.excluded_by = None
        scorecard.excluded_reason = ""
        scorecard.submitted_at = None
        scorecard.save(
            update_fields=["excluded_at", "excluded_by", "excluded_reason", "submitted_at"]
        )
        record_event(
            "jury.scorecard_reincluded",
            actor=juror,
            application=dossier,
            subject_user=juror,
            reason=reason,
            data={"scorecard": scorecard.pk, "was_submitted": was_submitted},
        )
        count += 1
    tallies.scorecards_reincluded(dossier, juror.pk, count)
    return count


@transaction.atomic
def declare_interest(user, organization, nature, details="") -> DeclaredInterest:
    """``user`` (a staff member) declares a link with ``organization``: they will never
    be offered nor assigned as a juror on its dossiers (``rules.conflicted_pairs``).
    On the dossiers of that organisation they are already assigned to and whose jury
    is still open, a conflict of interest is declared for them at once (their
    assignment ends, a scorecard is kept but excluded). Logged in the audit trail."""
    if not rules.is_staff_member(user):
        raise TransitionNotPermitted(_("Only the City's staff and jurors declare interests."))
    if organization is None:
        raise InvalidTransitionData(_("Choose an organisation."), field="organization")
    if nature not in DeclaredInterest.Nature.values:
        raise InvalidTransitionData(_("Choose the nature of the link."), field="nature")
    details = (details or "").strip()
    if nature == DeclaredInterest.Nature.OTHER and not details:
        raise InvalidTransitionData(
            _("Describe the link in a few words (nature “other”)."), field="details"
        )
    if DeclaredInterest.objects.filter(user=user, organization=organization).exists():
        raise InvalidTransitionData(
            _("You already declared an interest in “%(name)s”.") % {"name": organization.name},
            field="organization",
        )
    interest = DeclaredInterest.objects.create(
        user=user, organization=organization, nature=nature, details=details
    )
    record_event(
        "interest.declared",
        actor=user,
        subject_user=user,
        reason=details,
        data={
            "organization": organization.pk,
            "organization_name": organization.name,
            "nature": nature,
        },
    )
    reason = _("Declared interest in “%(name)s” (%(nature)s)") % {
        "name": organization.name,
        "nature": interest.get_nature_display(),
    }
    assigned = Application.objects.filter(
        organization=organization,
        state__in=CONFLICT_STATES,
        juror_assignments__juror=user,
    ).order_by("pk")
    for dossier in assigned:
        if ConflictOfInterest.objects.filter(application=dossier, juror=user).exists():
            continue
        try:
            declare_conflict(dossier, user, reason, interest=interest)
        except TransitionError:
            continue  # no longer of the call's jury: the rules keep them out all the same
    return interest


INTEREST_GONE = gettext_lazy(
    "This declared interest does not exist or was already withdrawn: your current "
    "declarations are listed below."
)


@dataclass
class Withdrawal:
    """What withdrawing a declared interest did: the interest (deleted) and the
    dossiers whose conflict of interest was lifted, with whether the juror is back on
    each one, to confirm having no conflict."""

    interest: DeclaredInterest
    lifted: list  # of (Application, assignment restored: bool)


@transaction.atomic
def withdraw_interest(user, interest_id) -> Withdrawal:
    """``user`` withdraws one of their declared interests (logged).

    The conflicts of interest this interest declared for them (``declare_interest``) are
    lifted where ``rules.may_lift_conflict`` allows it: the dossier's jury is still open,
    and they are not a member of its organisation. Each lift is logged in the dossier's
    audit trail (who, when, the conflict lifted); the juror, still of the call's jury, is
    assigned back to the dossier *to confirm*: they read nothing of it until they
    confirm having no conflict again, and their scorecard stays excluded until then
    (``confirm_no_conflict`` brings it back as a draft). The conflicts of closed juries
    and decided dossiers, and those declared by hand, stay. An interest that is not
    theirs, or no longer exists, is refused (``INTEREST_GONE``)."""
    interest = (
        DeclaredInterest.objects.select_for_update()
        .select_related("organization")
        .filter(pk=interest_id, user=user)
        .first()
        if str(interest_id).isdigit()
        else None
    )
    if interest is None:
        raise InvalidTransitionData(str(INTEREST_GONE))
    lifted = []
    conflicts = ConflictOfInterest.objects.filter(declared_interest=interest, juror=user)
    for conflict_id, application_id in conflicts.order_by("application_id").values_list(
        "pk", "application_id"
    ):
        dossier = _lock(Application(pk=application_id))
        conflict = ConflictOfInterest.objects.filter(pk=conflict_id).first()
        if conflict is None or not rules.may_lift_conflict(user, conflict, dossier):
            continue
        restored = _lift_conflict(conflict, dossier, user, interest)
        lifted.append((dossier, restored))
    record_event(
        "interest.withdrawn",
        actor=user,
        subject_user=user,
        reason=interest.details,
        data={
            "interest": interest.pk,
            "organization": interest.organization_id,
            "organization_name": interest.organization.name,
            "nature": interest.nature,
            "conflicts_lifted": [dossier.reference for dossier, _restored in lifted],
        },
    )
    interest.delete()  # the conflicts kept lose the link (closed juries: never lifted)
    interest.pk = int(interest_id)
    return Withdrawal(interest=interest, lifted=lifted)


def _lift_conflict(conflict, dossier, juror, interest) -> bool:
    """Delete ``conflict`` (the audit trail keeps it) and assign ``juror`` back to the
    dossier, not confirmed, when they are still of the call's jury. Returns whether
    they are assigned back."""
    reason = _(
        "Conflict of interest declared on %(date)s because of the interest in "
        "“%(name)s”, lifted: the interest was withdrawn"
    ) % {
        "date": timezone.localtime(conflict.declared_at).strftime("%d/%m/%Y"),
        "name": interest.organization.name,
    }
    conflict.delete()
    tallies.conflict_lifted(dossier, juror.pk)
    restored = rules.is_juror_of_call(juror, dossier.call)
    if restored:
        assignment, created = JurorAssignment.objects.get_or_create(
            application=dossier, juror=juror
        )
        if created:
            tallies.assigned(dossier, juror.pk)
        if assignment.confirmed_at is not None:
            assignment.confirmed_at = None
            assignment.save(update_fields=["confirmed_at"])
        assign_perm(SCORE_PERMISSION, juror, dossier)
    record_event(
        "jury.conflict_lifted",
        actor=juror,
        application=dossier,
        subject_user=juror,
        reason=reason,
        data={
            "interest": interest.pk,
            "organization": interest.organization_id,
            "conflict_declared_at": conflict.declared_at.isoformat(),
            "conflict_reason": conflict.reason,
            "assigned_back_to_confirm": restored,
        },
    )
    return restored


@transaction.atomic
def record_opinion(dossier, body, author, verdict, motivation, document=None) -> Opinion:
    """Record the opinion of the governance ``body`` on ``dossier``, given by ``author``.

    Only while the bodies are consulted, by a member of a body consulted on the call,
    once per body. When every body consulted has answered, the consultation closes by
    itself (transition ``close_consultation`` on behalf of ``author``).

    ``document``: an optional file, preferably as ``(file, inspected)`` once checked
    by ``calls.uploads.inspect`` (it is then stored under a random name)."""
    locked = _lock(dossier)
    rules.check_separation_of_duties(author, locked)
    if locked.state != S.IN_CONSULTATION:
        raise InvalidSourceState(
            _("Opinions can only be given while the governance bodies are consulted.")
        )
    if not locked.call.governance_bodies.filter(pk=body.pk).exists():
        raise TransitionNotPermitted(
            _("“%(body)s” is not consulted on this call.") % {"body": body.name}
        )
    if body.pk not in rules.consulted_body_ids(author, locked):
        raise TransitionNotPermitted(
            _("Only a member of “%(body)s” can give its opinion.") % {"body": body.name}
        )
    if verdict not in Opinion.Verdict.values:
        raise InvalidTransitionData(_("Choose an opinion."), field="verdict")
    motivation = (motivation or "").strip()
    if not motivation:
        raise InvalidTransitionData(_("Give the motivation of the opinion."), field="motivation")
    if Opinion.objects.filter(application=locked, body=body).exists():
        raise TransitionNotPermitted(
            _("“%(body)s” has already given its opinion on this dossier.") % {"body": body.name}
        )
    opinion = Opinion(
        application=locked, body=body, author=author, verdict=verdict, motivation=motivation
    )
    if isinstance(document, tuple):
        # Checked by ``calls.uploads.inspect``: stored under a random name.
        upload, inspected = document
        opinion.document.save(uploads.storage_name(inspected), upload, save=False)
    elif document:
        opinion.document = document
    opinion.save()
    record_event(
        "opinion.given",
        actor=author,
        application=locked,
        reason=motivation,
        data={"body": body.name, "verdict": verdict},
    )
    unanswered = (
        GovernanceBody.objects.filter(calls=locked.call_id)
        .exclude(opinions__application=locked)
        .exists()
    )
    if not unanswered:
        perform(locked, "close_consultation", author)
    dossier._set_state(locked.state)
    return opinion


def _score_value(raw, criterion):
    """The integer score sent for ``criterion``, or None when left empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    field = f"criterion_{criterion.pk}"
    message = _("“%(criterion)s”: give a whole number between 0 and %(max)s.") % {
        "criterion": criterion.label,
        "max": criterion.max_score,
    }
    if isinstance(raw, bool):
        raise InvalidTransitionData(message, field=field)
    try:
        value = int(str(raw).strip())
    except ValueError as error:
        raise InvalidTransitionData(message, field=field) from error
    if not 0 <= value <= criterion.max_score:
        raise InvalidTransitionData(message, field=field)
    return value


@transaction.atomic
def save_scorecard(dossier, juror, scores, comment="", submit=False) -> Scorecard:
    """Save ``juror``'s scores on ``dossier`` (``scores``: criterion id → score).

    Only a juror assigned to the dossier without a conflict of interest, while the
    dossier is with the jury. Each score is a whole number between 0 and the
    criterion's maximum; an empty score is removed. ``submit=True`` requires a score
    for every criterion of the call and makes the scorecard final: only submitted
    scorecards count in the averages, and they can no longer be changed.

    Errors on one score carry ``field="criterion_<id>"``."""
    locked = _lock(dossier)
    rules.check_separation_of_duties(juror, locked)
    if not rules.can_score(juror, locked):
        raise TransitionNotPermitted(_("You cannot score this dossier."))
    criteria = {criterion.pk: criterion for criterion in locked.call.scoring_criteria.all()}
    values = {}
    for key, raw in (scores or {}).items():
        try:
            criterion = criteria[int(key)]
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidTransitionData(
                _("This criterion is not part of the call's scoring grid.")
            ) from error
        values[criterion.pk] = _score_value(raw, criterion)

    scorecard, created = Scorecard.objects.get_or_create(application=locked, juror=juror)
    if scorecard.submitted_at is not None:
        raise TransitionNotPermitted(
            _("Your scores on this dossier were submitted; they can no longer be changed.")
        )
    existing = {score.criterion_id: score for score in scorecard.scores.all()}
    final = {pk: score.value for pk, score in existing.items()}
    final.update(values)
    if submit:
        if not criteria:
            raise InvalidTransitionData(_("This call has no scoring criteria yet."))
        missing = [c.label for pk, c in criteria.items() if final.get(pk) is None]
        if missing:
            raise InvalidTransitionData(
                _("Score every criterion before submitting: %(criteria)s.")
                % {"criteria": ", ".join(f"« {label} »" for label in missing)},
                field=f"criterion_{next(pk for pk in criteria if final.get(pk) is None)}",
            )

    for pk, value in values.items():
        score = existing.get(pk)
        if value is None:
            if score is not None:
                score.delete()
        elif score is None:
            Score.objects.create(scorecard=scorecard, criterion_id=pk, value=value)
        elif score.value != value:
            score.value = value
            score.save(update_fields=["value"])
    scorecard.comment = (comment or "").strip()
    if submit:
        scorecard.submitted_at = timezone.now()
    scorecard.save()
    tallies.scorecard_saved(locked, scorecard, created=created, submitted_now=submit)
    if submit:
        record_event("jury.scorecard_submitted", actor=juror, application=locked)
    return scorecard


# Opening the consultation of the governance bodies, with a due date for their opinions.


def check_due_date(due_at, today=None):
    """A due date for the opinions: a day after today (the flow checks it again)."""
    return parse_due_date(due_at, today)


def open_consultation(dossier, actor, due_at, expected_version=None):
    """Consult the governance bodies of the call on ``dossier`` (transition
    ``open_consultation``, for administrators), their opinions due by ``due_at``.

    The flow checks and writes the due date with the transition, so that the email to
    the bodies' members can tell it; a refused transition leaves the dossier unchanged.
    Returns the transition's log row."""
    log = perform(
        dossier,
        "open_consultation",
        actor,
        expected_version=expected_version,
        due_at=check_due_date(due_at),
    )
    dossier.consultation_due_at = due_at
    return log


@dataclass
class Outcome:
    """What happened to one dossier of an action on several dossiers."""

    pk: int
    reference: str
    done: bool
    message: str = ""
    code: str = ""  # the error's code (workflows.exceptions): "stale", "invalid_state"...
    dossier: Application | None = None


def open_consultations(requests, actor, due_at) -> list[Outcome]:
    """Open the consultation on each requested dossier, given as ``(id, state the page
    showed)``, each in its own transaction: a refusal (wrong state, no body consulted,
    changed meanwhile) is reported by reference and the others go through. Returns
    one ``Outcome`` per request, in the order given."""
    check_due_date(due_at)
    requests = list(requests)
    dossiers = Application.objects.select_related("call", "organization").in_bulk(
        [pk for pk, _state in requests]
    )
    outcomes = []
    for pk, expected_state in requests:
        dossier = dossiers.get(pk)
        if dossier is None or not rules.can_view(actor, dossier):
            outcomes.append(Outcome(pk, "", False, _("This dossier does not exist."), "not_found"))
            continue
        if expected_state not in S.values:
            message = _("The form is out of date; reload the page.")
            outcomes.append(Outcome(pk, dossier.reference, False, message, "stale", dossier))
            continue
        # open_consultation() refuses if the dossier is no longer in the state the
        # page showed (someone acted on it meanwhile).
        dossier._set_state(expected_state)
        try:
            open_consultation(dossier, actor, due_at)
        except TransitionError as error:
            dossier.refresh_from_db(fields=["state"])
            outcomes.append(
                Outcome(pk, dossier.reference, False, str(error.message), error.code, dossier)
            )
        else:
            outcomes.append(Outcome(pk, dossier.reference, True, dossier=dossier))
    return outcomes


# Reminders to the members of the bodies that have not given their opinion.

# Days before the due date; each body gets one reminder per threshold, the one whose
# window (down to the next smaller threshold) the due date is in.
OPINION_REMINDER_DAYS = (3, 1)


def consultations_due(days, today=None):
    """Dossiers in consultation whose opinions are due in at most ``days`` days but
    more than the next smaller threshold (the due day itself counts for the last)."""
    today = today or timezone.localdate()
    smaller = [d for d in OPINION_REMINDER_DAYS if d < days]
    lower = max(smaller) + 1 if smaller else 0
    return (
        Application.objects.filter(
            state=S.IN_CONSULTATION,
            consultation_due_at__gte=today + timedelta(days=lower),
            consultation_due_at__lte=today + timedelta(days=days),
        )
        .select_related("call", "organization")
        .order_by("consultation_due_at", "pk")
    )


def send_opinion_reminders(today=None) -> int:
    """Write to the outbox the reminders due today: to the members of each consulted
    body that has not answered, 3 days and 1 day before the due date. Each reminder
    is written once (the outbox key): a second run writes nothing. Returns the number
    of emails written."""
    today = today or timezone.localdate()
    written = 0
    for days in OPINION_REMINDER_DAYS:
        for dossier in consultations_due(days, today):
            due = dossier.consultation_due_at
            for body in unanswered_bodies(dossier).order_by("name"):
                recipients = list(
                    User.objects.filter(
                        governance_bodies=body,
                        groups__name=rules.GOVERNANCE_MEMBERS,
                        is_active=True,
                    ).values_list("email", flat=True)
                )
                if not recipients:
                    continue
                # Not attached to the dossier: the applicant's history shows the
                # emails of its dossier, and this one is internal to the City.
                written += len(
                    queue_email(
                        template="opinion_reminder",
                        recipients=recipients,
                        context={
                            "dossier": dossier,
                            "call": dossier.call,
                            "body": body,
                            "due": due,
                            "days_left": (due - today).days,
                        },
                        key=f"opinion-reminder-{dossier.pk}-{body.pk}-{due.isoformat()}-{days}d",
                        event="opinion_reminder",
                    )
                )
    return written
