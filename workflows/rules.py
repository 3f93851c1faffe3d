"""The one answer to "may this user do this to this dossier?".

Transitions, views and querysets all use this module, so that no list ever shows a
dossier its detail page would refuse, and no button is offered for a refused action.

Global roles are groups; per-call and per-dossier rights come from the call
(instructors, consulted governance bodies) and from guardian object permissions
(a juror's right to score the dossiers assigned to them). A declared conflict of
interest removes the juror from the dossier.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from accounts.roles import (  # noqa: F401 (re-exported: the one module of the rules)
    ADMINISTRATORS,
    GOVERNANCE_MEMBERS,
    INSTRUCTORS,
    JURORS,
    ROLE_GROUPS,
    forget,
    has_reception,
    is_administrator,
    is_staff_member,
    organization_ids,
    roles,
)
from calls.models import Application, ApplicationUserObjectPermission
from reviews.models import ConflictOfInterest, DeclaredInterest, JurorAssignment, Jury, Scorecard

from .exceptions import TransitionNotPermitted
from .models import TransitionLog
from .states import DossierState

SCORE_PERMISSION = "score_application"

# States in which a dossier is visible to staff (drafts belong to the applicant alone).
STAFF_VISIBLE_STATES = [s for s in DossierState.values if s not in {"draft", "discarded"}]
# States in which governance members of the consulted bodies see a dossier.
CONSULTATION_STATES = [
    DossierState.IN_CONSULTATION,
    DossierState.IN_JURY,
    DossierState.AWAITING_DECISION,
    DossierState.SELECTED,
    DossierState.NOT_SELECTED,
    DossierState.NOTIFIED,
]
# States in which jurors are assigned to a dossier and declare their conflicts.
JUROR_ASSIGNMENT_STATES = {
    DossierState.SUBMITTED,
    DossierState.INCOMPLETE,
    DossierState.ELIGIBLE,
    DossierState.IN_CONSULTATION,
    DossierState.IN_JURY,
}


def is_back_office_user(user) -> bool:
    """Administrators and instructors: the people of the back-office's lists."""
    return is_administrator(user) or (
        bool(user and user.is_authenticated and user.is_active) and INSTRUCTORS in roles(user)
    )


def is_applicant_of(user, dossier) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active
    ) and dossier.organization_id in organization_ids(user)


NOT_RECEPTION_OF_CALL = _(
    "Only the instructors of this call and the administrators enter and complete "
    "dossiers on behalf of an organisation for it."
)


def may_receive_for(user, call) -> bool:
    """May enter, complete, attach documents to and submit dossiers on behalf of an
    organisation on ``call``: staff with the reception permission who are allowed on
    that call (its instructors, or administrators). The one rule of acting on behalf:
    the reception pages and services, the applicant's pages and the transitions use it."""
    return has_reception(user) and is_call_staff(user, call)


def on_behalf_filter(user) -> Q:
    """A Q over Application selecting the assisted dossiers (not online) ``user`` acts on
    on behalf of their organisation: ``acts_on_behalf`` for a queryset."""
    if not has_reception(user):
        return Q(pk__in=[])
    assisted = ~Q(channel=Application.Channel.ONLINE)
    if is_administrator(user):
        return assisted
    return assisted & Q(call__instructors=user)


def filter_calls_received_by(queryset, user):
    """Restrict a Call queryset to the calls ``user`` may enter dossiers on, on behalf of
    an organisation (``may_receive_for`` for a queryset)."""
    if is_administrator(user):
        return queryset
    if not has_reception(user):
        return queryset.none()
    return queryset.filter(instructors=user).distinct()


def acts_on_behalf(user, dossier) -> bool:
    """A member of staff acting for the organisation on a dossier received on paper, at
    the counter or by phone (an assisted dossier), on a call they are allowed on
    (``may_receive_for``): they enter, complete and submit it through the applicant's
    pages and services."""
    return dossier.channel != Application.Channel.ONLINE and may_receive_for(user, dossier.call)


def acts_for_applicant(user, dossier) -> bool:
    """May do what the applicant does on the dossier (edit the draft, submit, withdraw):
    a member of its organisation, or reception staff on an assisted dossier."""
    return is_applicant_of(user, dossier) or acts_on_behalf(user, dossier)


SEPARATION_OF_DUTIES = _(
    "You entered this dossier on behalf of its organisation: another member of staff must "
    "instruct it, give an opinion on it, score it and decide it (separation of duties)."
)


def entered_dossier(user, dossier) -> bool:
    """The user entered the dossier on behalf of its organisation: they created it or
    submitted it for the organisation (an assisted dossier). Such a person never
    instructs, gives an opinion on, scores or decides that dossier."""
    if not (user and user.is_authenticated) or dossier.channel == Application.Channel.ONLINE:
        return False
    if dossier.entered_by_id == user.pk:
        return True
    cache = getattr(dossier, "_tds_submitted_by", None)
    if cache is None:
        cache = frozenset(
            TransitionLog.objects.filter(
                application_id=dossier.pk, transition__in=("submit", "resubmit")
            ).values_list("actor_id", flat=True)
        )
        dossier._tds_submitted_by = cache
    return user.pk in cache and not is_applicant_of(user, dossier)


def check_separation_of_duties(user, dossier) -> None:
    """Refuse a staff duty (instruction, opinion, score, decision) to the person who
    entered the dossier, with the reason. The one place this rule is enforced: the
    transitions (``perform``), the opinion and the scorecard services call it."""
    if entered_dossier(user, dossier):
        raise TransitionNotPermitted(SEPARATION_OF_DUTIES)


def may_perform_staff_duty(user, dossier) -> bool:
    return not entered_dossier(user, dossier)


def instructor_ids(call) -> frozenset:
    """The instructors of a call (one query, cached on the call object)."""
    ids = getattr(call, "_tds_instructor_ids", None)
    if ids is None:
        ids = frozenset(call.instructors.values_list("pk", flat=True))
        call._tds_instructor_ids = ids
    return ids


def is_instructor_of(user, dossier) -> bool:
    return (
        bool(user and user.is_authenticated and user.is_active)
        and INSTRUCTORS in roles(user)
        and user.pk in instructor_ids(dossier.call)
    )


def consulted_body_ids(user, dossier) -> set:
    """The governance bodies consulted on the dossier's call that the user belongs to."""
    if not (
        user and user.is_authenticated and user.is_active and GOVERNANCE_MEMBERS in roles(user)
    ):
        return set()
    return set(dossier.call.governance_bodies.filter(members=user).values_list("pk", flat=True))


def is_own_organisation(user, dossier) -> bool:
    """The user is a member of the dossier's organisation. Whatever their staff roles
    (juror, instructor, governance member, administrator), such a person is in conflict
    of interest: they never read the internal notes, scores or opinions of that dossier,
    nor score it (CGCT L2131-11). They keep the applicant's view of it."""
    return is_applicant_of(user, dossier)


def jury_members(call):
    """The people who may act as jurors of the call: members of its jury, active, in
    the jurors group (a queryset of users)."""
    return User.objects.filter(juries__call=call, is_active=True, groups__name=JURORS).distinct()


def is_juror_of_call(user, call) -> bool:
    """``user`` is one of ``jury_members(call)``."""
    return bool(user and user.is_authenticated and user.is_active) and (
        jury_members(call).filter(pk=user.pk).exists()
    )


def conflicted_pairs(dossiers, jurors) -> set[tuple[int, int]]:
    """The (dossier id, juror id) pairs in conflict of interest, among ``dossiers``
    (Application objects: ``pk`` and ``organization_id`` are read) and ``jurors``
    (users or user ids). A juror is in conflict on a dossier when they are a member of
    its organisation, declared an interest in that organisation (``DeclaredInterest``)
    or declared a conflict of interest on the dossier. Such a juror is never offered,
    never assigned, and neither sees nor scores the dossier (CGCT L2131-11).

    The one answer to "is this juror in conflict?": the assignment screens, the bulk
    plan, the services and the juror's rights all use it. Two queries whatever the
    numbers of dossiers and jurors."""
    dossiers = list(dossiers)
    juror_ids = {getattr(juror, "pk", juror) for juror in jurors}
    if not dossiers or not juror_ids:
        return set()
    linked = {}  # organization id -> juror ids linked to it
    links = (
        Membership.objects.filter(user__in=juror_ids)
        .order_by()
        .values_list("user_id", "organization_id")
        .union(
            DeclaredInterest.objects.filter(user__in=juror_ids)
            .order_by()
            .values_list("user_id", "organization_id")
        )
    )
    for user_id, organization_id in links:
        linked.setdefault(organization_id, set()).add(user_id)
    pairs = {
        (dossier.pk, juror_id)
        for dossier in dossiers
        for juror_id in linked.get(dossier.organization_id, ())
    }
    pairs.update(
        ConflictOfInterest.objects.filter(
            application__in=[dossier.pk for dossier in dossiers], juror__in=juror_ids
        ).values_list("application_id", "juror_id")
    )
    return pairs


def is_conflicted(user, dossier) -> bool:
    """``user`` is in conflict of interest on ``dossier`` (see ``conflicted_pairs``)."""
    return (dossier.pk, user.pk) in conflicted_pairs([dossier], [user])


def may_lift_conflict(juror, conflict, dossier) -> bool:
    """Withdrawing a declared interest lifts the conflict of interest it caused on
    ``dossier`` only while the dossier's jury is open (never after it closed, never on
    a decided or notified dossier), only a conflict declared because of that interest
    (never one declared by hand, by the juror or an administrator), and never for a
    member of the dossier's organisation (they stay in conflict whatever they declare).
    The juror then has to confirm having no conflict again before reading the dossier
    (CGCT L2131-11)."""
    return (
        conflict.declared_interest_id is not None
        and dossier.state in JUROR_ASSIGNMENT_STATES
        and not is_own_organisation(juror, dossier)
    )


def is_juror_of(user, dossier) -> bool:
    """Assigned to the dossier (guardian permission) and not in conflict of interest on
    it (``conflicted_pairs``). Until they confirm they have no conflict
    (``has_confirmed_no_conflict``), such a juror sees only the dossier's title and
    organisation on their scorecard page."""
    if not (user and user.is_authenticated and user.is_active and JURORS in roles(user)):
        return False
    if is_own_organisation(user, dossier):
        return False

    return ApplicationUserObjectPermission.objects.filter(
        user=user, content_object=dossier, permission__codename=SCORE_PERMISSION
    ).exists() and not is_conflicted(user, dossier)


def has_confirmed_no_conflict(user, dossier) -> bool:
    """The juror confirmed they have no conflict of interest on the dossier."""
    return JurorAssignment.objects.filter(
        application=dossier, juror=user, confirmed_at__isnull=False
    ).exists()


def awaits_no_conflict_confirmation(user, dossier) -> bool:
    """``user`` is assigned to the dossier and has not confirmed having no conflict of
    interest on it yet: whatever else they are (the jury's president included), they
    read nothing of it but its title, organisation and call."""
    return JurorAssignment.objects.filter(
        application=dossier, juror=user, confirmed_at__isnull=True
    ).exists()


def is_confirmed_juror_of(user, dossier) -> bool:
    """An assigned juror who confirmed having no conflict: they read the dossier's
    content (summary, objectives, documents) and score it."""
    return is_juror_of(user, dossier) and has_confirmed_no_conflict(user, dossier)


def visibility_filter(user) -> Q:
    """A Q over Application that selects exactly the dossiers the user may see.

    An empty ``pk__in`` match means nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if is_administrator(user):
        # Everything but the drafts, which belong to the applicant alone.
        clause = Q(state__in=STAFF_VISIBLE_STATES)
        if organization_ids(user):
            clause |= Q(organization_id__in=organization_ids(user))
        # Assisted dossiers, drafts included: reception staff act on their behalf.
        return clause | on_behalf_filter(user)

    user_roles = roles(user)
    clauses = Q(organization__memberships__user=user)
    if INSTRUCTORS in user_roles:
        clauses |= Q(call__instructors=user, state__in=STAFF_VISIBLE_STATES)
    if has_reception(user):
        clauses |= on_behalf_filter(user)
    if GOVERNANCE_MEMBERS in user_roles:
        clauses |= Q(
            call__governance_bodies__members=user,
            consulted_at__isnull=False,
            state__in=CONSULTATION_STATES,
        )
    if JURORS in user_roles:
        assigned = ApplicationUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), user=user, permission__codename=SCORE_PERMISSION
        )
        confirmed = JurorAssignment.objects.filter(
            application=OuterRef("pk"), juror=user, confirmed_at__isnull=False
        )
        conflict = ConflictOfInterest.objects.filter(application=OuterRef("pk"), juror=user)
        interest = DeclaredInterest.objects.filter(
            user=user, organization=OuterRef("organization_id")
        )
        # The same rule as ``is_confirmed_juror_of``: assigned, confirmed, no conflict.
        clauses |= Q(
            Exists(assigned),
            Exists(confirmed),
            ~Exists(conflict),
            ~Exists(interest),
            state__in=STAFF_VISIBLE_STATES,
        )
    return clauses


def filter_visible(queryset, user):
    """Restrict an Application queryset to what the user may see (no duplicates)."""
    clause = visibility_filter(user)
    if is_administrator(user):
        return queryset.filter(clause)  # no multi-valued relation in this clause

    # Filtering on multi-valued relations may duplicate rows: select the ids in a
    # subquery so that the outer query stays one row per dossier and orderable.
    return queryset.filter(pk__in=Application.objects.filter(clause).values("pk"))


def exclude_own_organisations(queryset, user):
    """An Application queryset without the dossiers of the user's organisations: the
    staff lists, queues and exports, which show internal information, leave them out
    (see ``is_own_organisation``)."""
    own = organization_ids(user)
    return queryset.exclude(organization_id__in=own) if own else queryset


def can_view(user, dossier) -> bool:
    if acts_for_applicant(user, dossier):
        return True
    return _staff_can_view(user, dossier)


def _staff_can_view(user, dossier) -> bool:
    """Staff who see the dossier through their role on its call (not on behalf)."""
    if dossier.state in STAFF_VISIBLE_STATES:
        if is_administrator(user):
            return True
        if is_instructor_of(user, dossier) or is_confirmed_juror_of(user, dossier):
            return True
        if (
            dossier.consulted_at is not None
            and dossier.state in CONSULTATION_STATES
            and consulted_body_ids(user, dossier)
        ):
            return True
    return False


def can_write_message(user, dossier) -> bool:
    return (
        acts_for_applicant(user, dossier)
        or is_administrator(user)
        or is_instructor_of(user, dossier)
    )


def can_see_internal(user, dossier) -> bool:
    """Internal notes and staff-only information (scores, opinions, decisions before
    they are notified): staff who may see the dossier, never on a dossier of their own
    organisation (conflict of interest)."""
    return (
        is_staff_member(user)
        and not is_own_organisation(user, dossier)
        and _staff_can_view(user, dossier)
    )


def can_instruct(user, dossier) -> bool:
    """Examine the dossier's eligibility: an instructor of its call who did not enter it."""
    return is_instructor_of(user, dossier) and may_perform_staff_duty(user, dossier)


def can_decide(user, dossier) -> bool:
    """The administrators' transitions (consultation, jury, decision, notification):
    an administrator who did not enter the dossier."""
    return is_administrator(user) and may_perform_staff_duty(user, dossier)


def can_score(user, dossier) -> bool:
    return (
        dossier.state == DossierState.IN_JURY
        and is_confirmed_juror_of(user, dossier)
        and may_perform_staff_duty(user, dossier)
    )


def can_give_opinion(user, dossier) -> bool:
    return (
        dossier.state == DossierState.IN_CONSULTATION
        and bool(consulted_body_ids(user, dossier))
        and may_perform_staff_duty(user, dossier)
    )


def is_jury_president(user, call) -> bool:
    """The president of the call's jury (a member of the jurors group)."""
    if not (user and user.is_authenticated and user.is_active and JURORS in roles(user)):
        return False

    return Jury.objects.filter(call=call, president=user, members=user).exists()


def can_read_ranking(user, call) -> bool:
    """The ranking of a call (scores, dispersion, jurors' comments): administrators and
    the president of the call's jury."""
    return is_administrator(user) or is_jury_president(user, call)


def can_read_scores_of(user, dossier) -> bool:
    """The detail of a dossier's scorecards in the ranking: who reads the ranking, except
    a president in conflict of interest on the dossier, or assigned to it and not having
    confirmed having no conflict (the gate of every assigned juror)."""
    if is_own_organisation(user, dossier):
        return False
    if is_administrator(user):
        return True
    if not is_jury_president(user, dossier.call):
        return False
    if awaits_no_conflict_confirmation(user, dossier):
        return False  # the president assigned to it, no conflict not confirmed yet

    return not is_conflicted(user, dossier)


def can_follow_jury(user, call) -> bool:
    """The jury's progress on a call (who scored what) and the reminders to late jurors:
    administrators and the president of the call's jury."""
    return is_administrator(user) or is_jury_president(user, call)


def score_visibility(call) -> str:
    """The call's setting of when a juror sees the others' scores and the average
    (``Jury.ScoreVisibility``; one query, cached on the call object)."""
    value = getattr(call, "_tds_score_visibility", None)
    if value is None:
        value = (
            Jury.objects.filter(call=call).values_list("score_visibility", flat=True).first()
            or Jury.ScoreVisibility.AFTER_SUBMISSION
        )
        call._tds_score_visibility = value
    return value


def can_see_average(user, dossier) -> bool:
    """The jury's average and the others' scores on a dossier: staff who read its
    internal information, except that a juror assigned to it sees them as the call
    says: never, once their own scorecard is submitted (the default, so that they
    cannot sway them) or always. Administrators and the jury president see them at
    any time."""
    if not can_see_internal(user, dossier):
        return False
    if is_administrator(user) or is_jury_president(user, dossier.call):
        return True
    if not is_juror_of(user, dossier):
        return True
    visibility = score_visibility(dossier.call)
    if visibility == Jury.ScoreVisibility.ALWAYS:
        return True
    if visibility == Jury.ScoreVisibility.NEVER:
        return False

    return Scorecard.objects.filter(
        application=dossier, juror=user, submitted_at__isnull=False
    ).exists()


# Nominations by a third party (calls.models.Nomination): the nominator, the carrying
# organisation and the staff of the call.


def is_call_staff(user, call) -> bool:
    """Administrators and the instructors of the call."""
    return is_administrator(user) or (
        bool(user and user.is_authenticated and user.is_active)
        and INSTRUCTORS in roles(user)
        and user.pk in instructor_ids(call)
    )


def can_answer_nomination(user, nomination) -> bool:
    """Members of the carrying organisation accept or decline a nomination."""
    return bool(
        user and user.is_authenticated and user.is_active
    ) and nomination.organization_id in organization_ids(user)


def can_record_nomination_answer(user, nomination) -> bool:
    """Reception staff of the edition (its instructors, the administrators) record the
    answer a carrying organisation gave by post, by phone or at the counter."""
    return has_reception(user) and is_call_staff(user, nomination.call)


def can_view_nomination(user, nomination) -> bool:
    """The carrying organisation, the nominator (person or organisation) and the staff
    of the call."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return (
        can_answer_nomination(user, nomination)
        or nomination.nominated_by_id == user.pk
        or nomination.nominated_by_organization_id in organization_ids(user)
        or is_call_staff(user, nomination.call)
    )
