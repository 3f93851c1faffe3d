"""Assigning the jurors of a call in bulk: "K jurors on each dossier with the jury".

``plan_assignment`` is a pure function (no database): from the dossiers, the jurors,
the conflicts and the assignments that already exist, it proposes the missing jurors
of each dossier so that the jurors' loads differ by at most one, never proposing a
conflicted juror; the same seed gives the same plan. ``call_plan`` reads a call's
data for it (a fixed number of queries) and ``assign_in_bulk`` saves what the
administrator confirmed, checking each pair again under lock.

After a late conflict of interest a dossier is short of a juror: ``replacements``
lists those dossiers with the juror ``propose_replacements`` (pure) proposes, the
least loaded one free of conflict, and ``assign_replacement`` assigns the one the
administrator confirms through ``services.assign_juror``."""

import random
from copy import copy
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from calls.models import Application, ApplicationUserObjectPermission
from workflows import rules
from workflows.exceptions import InvalidTransitionData, TransitionNotPermitted
from workflows.models import AuditEvent
from workflows.states import DossierState as S

from . import services, tallies
from .jury_notifications import notify_assigned
from .models import ConflictOfInterest, JurorAssignment

BATCH_SIZE = 1000


@dataclass
class AssignmentPlan:
    """What ``plan_assignment`` proposes."""

    k: int
    seed: int
    proposals: dict = field(default_factory=dict)  # dossier id -> [juror ids to add]
    loads: dict = field(default_factory=dict)  # juror id -> assignments after the plan
    short: dict = field(default_factory=dict)  # dossier id -> jurors still missing

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(d, j) for d, jurors in self.proposals.items() for j in jurors]


def plan_assignment(dossier_ids, juror_ids, k, seed, *, conflicts=(), existing=None):
    """Propose jurors so that each dossier has ``k`` non-conflicted jurors.

    ``conflicts``: (dossier id, juror id) pairs that must not be assigned; ``existing``:
    dossier id -> juror ids already assigned (they count towards ``k`` and the loads,
    and are never moved). A dossier without enough non-conflicted jurors gets all it
    can and is reported in ``short``. Dossiers are taken in an order shuffled by the
    seed, each getting the least loaded jurors (ties broken by a seeded ranking); a
    last pass moves proposals from the most to the least loaded jurors until their
    loads differ by at most one, where a conflict-free move exists."""
    rng = random.Random(seed)
    dossiers = sorted(set(dossier_ids))
    rng.shuffle(dossiers)
    jurors = sorted(set(juror_ids))
    rng.shuffle(jurors)
    rank = {juror: index for index, juror in enumerate(jurors)}
    conflicts = set(conflicts)
    existing = {d: set(js) for d, js in (existing or {}).items()}
    loads = dict.fromkeys(jurors, 0)
    for assigned in existing.values():
        for juror in assigned:
            if juror in loads:
                loads[juror] += 1
    plan = AssignmentPlan(k=k, seed=seed, loads=loads)
    for dossier in dossiers:
        have = existing.get(dossier, set())
        need = k - len(have & loads.keys())
        if need <= 0:
            continue
        candidates = [j for j in jurors if j not in have and (dossier, j) not in conflicts]
        candidates.sort(key=lambda j: (loads[j], rank[j]))
        chosen = candidates[:need]
        for juror in chosen:
            loads[juror] += 1
        if chosen:
            plan.proposals[dossier] = chosen
        if len(chosen) < need:
            plan.short[dossier] = need - len(chosen)
    _rebalance(plan, existing, conflicts, rank)
    for dossier in plan.proposals:
        plan.proposals[dossier].sort(key=lambda j: rank[j])
    return plan


def _rebalance(plan, existing, conflicts, rank):
    """Move proposals from the most loaded jurors to the least loaded ones while that
    narrows the gap and breaks no rule (conflicts, a juror twice on a dossier)."""
    loads = plan.loads
    if not loads:
        return
    holders = {}  # juror -> dossiers proposed to them
    for dossier, jurors in plan.proposals.items():
        for juror in jurors:
            holders.setdefault(juror, []).append(dossier)
    while True:
        high, low = max(loads.values()), min(loads.values())
        if high - low <= 1:
            return
        heavy = sorted((j for j in loads if loads[j] == high), key=rank.get)
        light = sorted((j for j in loads if loads[j] == low), key=rank.get)
        if not _move_one(plan, existing, conflicts, holders, heavy, light):
            return


def _move_one(plan, existing, conflicts, holders, heavy, light) -> bool:
    for giver in heavy:
        for dossier in holders.get(giver, ()):
            taken = set(plan.proposals[dossier]) | existing.get(dossier, set())
            for taker in light:
                if taker in taken or (dossier, taker) in conflicts:
                    continue
                jurors = plan.proposals[dossier]
                jurors[jurors.index(giver)] = taker
                holders[giver].remove(dossier)
                holders.setdefault(taker, []).append(dossier)
                plan.loads[giver] -= 1
                plan.loads[taker] += 1
                return True
    return False


@dataclass
class CallData:
    """A call's dossiers with the jury, its jurors, conflicts and existing assignments."""

    dossiers: dict  # id -> Application (reference, title, organisation)
    jurors: dict  # id -> User
    conflicts: set
    existing: dict


def jury_members(call) -> list:
    """The people who may act as jurors of the call (``rules.jury_members``), by name."""
    return list(rules.jury_members(call).order_by("last_name", "first_name", "email"))


def call_data(call, dossier_ids=None) -> CallData:
    """Read what the plan needs, in a fixed number of queries whatever the size.
    ``dossier_ids``: read only these of the call's dossiers with the jury."""
    in_jury = Application.objects.filter(call=call, state=S.IN_JURY)
    if dossier_ids is not None:
        in_jury = in_jury.filter(pk__in=dossier_ids)
    dossiers = {
        d.pk: d
        for d in in_jury.select_related("organization")
        .only("pk", "reference", "title", "organization_id", "organization__name")
        .order_by("reference")
    }
    jurors = {juror.pk: juror for juror in jury_members(call)}
    # Member of the applicant organisation, declared interest, declared conflict.
    conflicts = rules.conflicted_pairs(dossiers.values(), jurors)
    existing = {}
    for dossier_id, juror_id in JurorAssignment.objects.filter(
        application__in=dossiers
    ).values_list("application_id", "juror_id"):
        existing.setdefault(dossier_id, set()).add(juror_id)
    return CallData(dossiers=dossiers, jurors=jurors, conflicts=conflicts, existing=existing)


def check_k(k, jurors) -> None:
    """Refuse a number of jurors per dossier the jury cannot give."""
    if not jurors:
        raise InvalidTransitionData(
            _("This call's jury has no juror: add jurors to the jury first."), field="k"
        )
    if k < 1:
        raise InvalidTransitionData(_("Give at least one juror per dossier."), field="k")
    if k > len(jurors):
        raise InvalidTransitionData(
            _("The jury has %(count)s juror(s): it cannot give %(k)s jurors to each dossier.")
            % {"count": len(jurors), "k": k},
            field="k",
        )


def call_plan(call, k, seed) -> tuple[AssignmentPlan, CallData]:
    data = call_data(call)
    check_k(k, data.jurors)
    plan = plan_assignment(
        data.dossiers, data.jurors, k, seed, conflicts=data.conflicts, existing=data.existing
    )
    return plan, data


@dataclass
class BulkAssignmentReport:
    created: list  # JurorAssignment rows written
    refused: list  # (dossier reference or id, juror name, reason)
    emails: int

    @property
    def dossier_count(self) -> int:
        return len({a.application_id for a in self.created})


@transaction.atomic
def assign_in_bulk(call, pairs, by) -> BulkAssignmentReport:
    """Save the confirmed (dossier id, juror id) pairs of a call's plan.

    Each pair is checked again with the dossiers locked (with the jury, juror of the
    call's jury, no conflict, not already assigned: then it is left as it is); what is
    refused is reported per dossier, the rest is saved. One audit event per assignment
    and one email per juror listing their new dossiers."""
    if not rules.is_administrator(by):
        raise TransitionNotPermitted(_("Only administrators assign jurors to dossiers."))
    pairs = list(dict.fromkeys(pairs))
    wanted = {d for d, _j in pairs}
    locked = {
        d.pk: d
        for d in Application.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=wanted)
        .select_related("call", "organization")
    }
    # Only the locked dossiers are checked: read their conflicts and assignments only.
    data = call_data(call, dossier_ids=list(locked))
    refused, to_create = [], []
    for dossier_id, juror_id in pairs:
        dossier = locked.get(dossier_id)
        juror = data.jurors.get(juror_id)
        label = dossier.reference if dossier else str(dossier_id)
        name = (juror.get_full_name() or juror.email) if juror else str(juror_id)
        if dossier is None:
            refused.append((label, name, _("This dossier is not one of this call's.")))
        elif dossier.state != S.IN_JURY:
            refused.append((label, name, _("The dossier is no longer with the jury.")))
        elif juror is None:
            refused.append((label, name, _("Not a member of the jury of this call.")))
        elif (dossier_id, juror_id) in data.conflicts:
            refused.append((label, name, _("Conflict of interest with this dossier.")))
        elif juror_id in data.existing.get(dossier_id, set()):
            continue  # already assigned (a second click): nothing to do
        else:
            to_create.append(JurorAssignment(application=dossier, juror=juror))
            data.existing.setdefault(dossier_id, set()).add(juror_id)
    JurorAssignment.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    created = to_create  # bulk_create sets their ids (PostgreSQL and SQLite)
    tallies.assigned_in_bulk(call.pk, created, locked)
    for assignment in created:
        assignment.application = locked[assignment.application_id]
        assignment.juror = data.jurors[assignment.juror_id]
    permission = Permission.objects.get(
        codename=rules.SCORE_PERMISSION, content_type__app_label="calls"
    )
    already = set(
        ApplicationUserObjectPermission.objects.filter(
            permission=permission, content_object__in=locked, user__in=data.jurors
        ).values_list("content_object_id", "user_id")
    )
    ApplicationUserObjectPermission.objects.bulk_create(
        [
            ApplicationUserObjectPermission(
                permission=permission, user_id=a.juror_id, content_object_id=a.application_id
            )
            for a in created
            if (a.application_id, a.juror_id) not in already
        ],
        batch_size=BATCH_SIZE,
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                event="jury.assigned",
                actor=by,
                application_id=a.application_id,
                call=call,
                subject_user_id=a.juror_id,
                data={"bulk": True},
            )
            for a in created
        ],
        batch_size=BATCH_SIZE,
    )
    emails = notify_assigned(call, created) if created else 0
    return BulkAssignmentReport(created=created, refused=refused, emails=emails)


# ------------------------------------------------------ replacement after a late conflict


def missing_seats(lost, refills) -> int:
    """How many jurors a dossier still lacks: ``lost`` are the times of the conflicts
    declared by jurors who were assigned to it (each took a juror away), ``refills``
    the times of the assignments made on it since; an assignment refills the oldest
    seat lost before it. Pure."""
    waiting = sorted(lost)
    filled = 0
    for at in sorted(refills):
        if filled < len(waiting) and waiting[filled] <= at:
            filled += 1
    return len(waiting) - filled


@dataclass
class ReplacementProposal:
    """What ``propose_replacements`` proposes for one dossier short of jurors."""

    dossier: int
    missing: int
    proposed: list  # juror ids, as many as missing when possible
    eligible: list  # every juror who may replace, least loaded first


def propose_replacements(short, juror_ids, loads, *, conflicts=(), existing=None):
    """Propose a replacement juror for each dossier short of jurors. Pure.

    ``short``: (dossier id, jurors missing) in the order to serve them; ``juror_ids``:
    the jury's members in a stable order (the tie-break); ``loads``: juror id -> their
    assignments on the call's dossiers; ``conflicts``: (dossier id, juror id) pairs
    that may not be assigned; ``existing``: dossier id -> juror ids already assigned.
    Each dossier gets the eligible jurors (neither conflicted nor already assigned)
    with the lowest load, ties broken by the order of ``juror_ids``; what is proposed
    counts in the loads of the next dossiers, so that two short dossiers do not both
    fall on the same juror."""
    conflicts = set(conflicts)
    existing = existing or {}
    order = {juror: index for index, juror in enumerate(juror_ids)}
    loads = {juror: loads.get(juror, 0) for juror in juror_ids}
    proposals = []
    for dossier, missing in short:
        taken = set(existing.get(dossier, ()))
        eligible = sorted(
            (j for j in juror_ids if j not in taken and (dossier, j) not in conflicts),
            key=lambda j: (loads[j], order[j]),
        )
        proposed = eligible[:missing]
        for juror in proposed:
            loads[juror] += 1
        proposals.append(ReplacementProposal(dossier, missing, proposed, eligible))
    return proposals


@dataclass
class Replacement:
    """A dossier with the jury short of jurors, for the progress page."""

    dossier: object
    missing: int
    proposed: list  # User, with ``load``
    eligible: list  # User, with ``load``, the proposed first


def short_dossiers(call) -> dict:
    """The call's dossiers with the jury that lost a juror to a conflict of interest
    declared after their assignment and were not given another since: dossier id ->
    jurors missing. One query when no conflict took a juror away, two otherwise."""
    assigned_before = AuditEvent.objects.filter(
        event="jury.assigned",
        application=OuterRef("application"),
        subject_user=OuterRef("juror"),
        at__lte=OuterRef("declared_at"),
    )
    lost = {}
    for dossier_id, declared_at in (
        ConflictOfInterest.objects.filter(application__call=call, application__state=S.IN_JURY)
        .filter(Exists(assigned_before))
        .values_list("application_id", "declared_at")
    ):
        lost.setdefault(dossier_id, []).append(declared_at)
    if not lost:
        return {}
    refills = {}
    for dossier_id, assigned_at in JurorAssignment.objects.filter(
        application_id__in=lost
    ).values_list("application_id", "assigned_at"):
        refills.setdefault(dossier_id, []).append(assigned_at)
    short = {d: missing_seats(times, refills.get(d, ())) for d, times in lost.items()}
    return {d: missing for d, missing in short.items() if missing > 0}


def replacements(call) -> list[Replacement]:
    """The dossiers of the call short of jurors after a late conflict of interest, by
    reference, each with the proposed replacement(s) and every eligible juror, with
    their loads on the call's dossiers: a fixed number of queries."""
    short = short_dossiers(call)
    if not short:
        return []
    data = call_data(call, dossier_ids=list(short))
    loads = dict(
        JurorAssignment.objects.filter(application__call=call, juror__in=data.jurors)
        .values("juror")
        .annotate(n=Count("pk"))
        .values_list("juror", "n")
    )
    proposals = propose_replacements(
        [(pk, short[pk]) for pk in data.dossiers],  # by reference
        list(data.jurors),
        loads,
        conflicts=data.conflicts,
        existing=data.existing,
    )
    rows = []
    for proposal in proposals:
        eligible = []
        for juror_id in proposal.eligible:
            juror = copy(data.jurors[juror_id])
            juror.load = loads.get(juror_id, 0)
            eligible.append(juror)
        proposed = [j for j in eligible if j.pk in proposal.proposed]
        rows.append(
            Replacement(
                dossier=data.dossiers[proposal.dossier],
                missing=proposal.missing,
                proposed=proposed,
                eligible=proposed + [j for j in eligible if j not in proposed],
            )
        )
    return rows


def assign_replacement(call, dossier_id, juror_id, by) -> JurorAssignment:
    """Assign a replacement juror to a dossier of the call through
    ``services.assign_juror`` (checks, permission, audit event, email to the juror).
    Refuses a dossier of another call, a juror outside the call's jury and a juror
    already assigned to the dossier, with a message."""
    if not rules.is_administrator(by):
        raise TransitionNotPermitted(_("Only administrators assign jurors to dossiers."))
    dossier = Application.objects.filter(call=call, pk=dossier_id).first()
    if dossier is None:
        raise InvalidTransitionData(_("This dossier is not part of this call."), field="dossier")
    juror = next((j for j in jury_members(call) if j.pk == juror_id), None)
    if juror is None:
        raise InvalidTransitionData(_("Choose a juror of this call's jury."), field="juror")
    if JurorAssignment.objects.filter(application=dossier, juror=juror).exists():
        raise InvalidTransitionData(
            _("%(name)s is already assigned to %(reference)s.")
            % {"name": juror.get_full_name() or juror.email, "reference": dossier.reference},
            field="juror",
        )
    return services.assign_juror(dossier, juror, by=by)
