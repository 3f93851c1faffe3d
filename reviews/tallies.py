"""The per-juror counters of a call's jury (``JurorTally``), kept by the services that
change what they count, so that the jury's progress page reads ten rows whatever the
number of dossiers.

One row per (call, juror), created at the first change. Every change is a relative
``UPDATE ... SET n = n + 1`` (``F()``) in the transaction of the service that makes it,
so two services running at once on the same juror never lose an increment:

* ``assigned``: the juror's assignments on the call's dossiers (``assign_juror``,
  ``assign_in_bulk``; ``declare_conflict`` removes one);
* ``submitted`` / ``drafts``: their scorecards not excluded, submitted or not
  (``save_scorecard``; ``declare_conflict`` excludes them);
* ``conflicts``: their conflicts of interest declared on the call's dossiers
  (``withdraw_interest`` lifting one removes it, assigning the juror back);
* ``late``: their assignments on dossiers with the jury without a submitted scorecard
  (a scorecard excluded by a conflict never counts as submitted)
  (the three services above, and ``workflows.services.perform`` when a dossier enters
  or leaves the jury);
* ``pending``: their assignments on dossiers under review without a submitted
  scorecard (the count of their "to score" list), with the assignment's own
  ``pending`` flag, which the list reads first.

``counts`` recounts the same figures from the rows themselves (what the page read
before), ``recount`` writes them: after a bulk load that bypasses the services, and in
the tests, which compare both after every operation."""

from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q

from workflows import rules
from workflows.states import DossierState as S

FIELDS = ("assigned", "submitted", "drafts", "conflicts", "late", "pending")


def _model(apps=django_apps, name="JurorTally"):
    return apps.get_model("reviews", name)


def bump(call_id, juror_id, **deltas) -> None:
    """Add ``deltas`` (field → signed number) to the counters of the juror on the call."""
    deltas = {field: n for field, n in deltas.items() if n}
    if not deltas:
        return
    tally = _model()
    changes = {field: F(field) + n for field, n in deltas.items()}
    if tally.objects.filter(call_id=call_id, juror_id=juror_id).update(**changes):
        return
    try:
        with transaction.atomic():
            tally.objects.create(call_id=call_id, juror_id=juror_id, **deltas)
    except IntegrityError:  # created meanwhile by another transaction: add to it
        tally.objects.filter(call_id=call_id, juror_id=juror_id).update(**changes)


def _submitted_pairs(application_ids, apps=django_apps):
    scorecard = _model(apps, "Scorecard")
    return set(
        scorecard.objects.filter(
            application_id__in=application_ids, submitted_at__isnull=False, excluded_at__isnull=True
        )
        .values_list("application_id", "juror_id")
        .order_by()
    )


def _to_score(state) -> bool:
    return state in rules.JUROR_ASSIGNMENT_STATES


def assigned(dossier, juror_id) -> None:
    """A new assignment of ``juror_id`` to ``dossier`` (its ``pending`` flag set)."""
    open_ = (dossier.pk, juror_id) not in _submitted_pairs([dossier.pk])
    pending = open_ and _to_score(dossier.state)
    if not pending:
        _model(name="JurorAssignment").objects.filter(
            application=dossier, juror_id=juror_id
        ).update(pending=False)
    late = open_ and dossier.state == S.IN_JURY
    bump(dossier.call_id, juror_id, assigned=1, late=int(late), pending=int(pending))


def assigned_in_bulk(call_id, assignments, dossiers) -> None:
    """New assignments (``application_id``, ``juror_id``) of the call; ``dossiers``: id →
    dossier (its state as locked)."""
    if not assignments:
        return
    done = _submitted_pairs({a.application_id for a in assignments})
    per_juror, scored = {}, []
    for a in assignments:
        counts = per_juror.setdefault(a.juror_id, {"assigned": 0, "late": 0, "pending": 0})
        counts["assigned"] += 1
        state = dossiers[a.application_id].state
        if (a.application_id, a.juror_id) in done or not _to_score(state):
            scored.append(a.pk)
            continue
        counts["pending"] += 1
        counts["late"] += int(state == S.IN_JURY)
    if scored:
        _model(name="JurorAssignment").objects.filter(pk__in=scored).update(pending=False)
    for juror_id, counts in per_juror.items():
        bump(call_id, juror_id, **counts)


def conflict_declared(dossier, juror_id, *, assignment, scorecards) -> None:
    """A conflict of interest declared, before its effects: ``assignment`` (or None)
    about to be deleted and ``scorecards`` (those not excluded yet) to be excluded."""
    submitted = sum(1 for s in scorecards if s.submitted_at is not None)
    had = assignment is not None
    late = (
        had
        and dossier.state == S.IN_JURY
        and (dossier.pk, juror_id) not in (_submitted_pairs([dossier.pk]))
    )
    bump(
        dossier.call_id,
        juror_id,
        conflicts=1,
        assigned=-int(had),
        late=-int(late),
        pending=-int(had and assignment.pending),
        submitted=-submitted,
        drafts=-(len(scorecards) - submitted),
    )


def conflict_lifted(dossier, juror_id) -> None:
    """A conflict of interest lifted (its interest withdrawn), before the juror is
    assigned back (``assigned``)."""
    bump(dossier.call_id, juror_id, conflicts=-1)


def scorecards_reincluded(dossier, juror_id, count) -> None:
    """``count`` excluded scorecards of the juror back as drafts (``confirm_no_conflict``
    after a lifted conflict)."""
    bump(dossier.call_id, juror_id, drafts=count)


def scorecard_saved(dossier, scorecard, *, created, submitted_now) -> None:
    """``scorecard`` saved by its juror: ``created`` (a new draft) and/or submitted."""
    if scorecard.excluded_at is not None:
        return
    deltas = {"drafts": int(created)}
    if submitted_now:
        deltas["drafts"] -= 1
        deltas["submitted"] = 1
        assignments = _model(name="JurorAssignment").objects.filter(
            application=dossier, juror_id=scorecard.juror_id
        )
        if dossier.state == S.IN_JURY and assignments.exists():
            deltas["late"] = -1
        deltas["pending"] = -assignments.filter(pending=True).update(pending=False)
    bump(dossier.call_id, scorecard.juror_id, **deltas)


def state_changed(dossier, from_state, to_state) -> None:
    """``perform`` moved ``dossier`` from ``from_state`` to ``to_state``: its jurors
    without a submitted scorecard are to score it while it is under review, late while
    it is with the jury. No query unless it enters or leaves either (nor when it leaves
    the draft: no juror is ever assigned to a draft), one when it has no such juror."""
    if from_state == S.DRAFT:
        return
    deltas = {}
    for field, enters, leaves in (
        ("late", to_state == S.IN_JURY, from_state == S.IN_JURY),
        ("pending", _to_score(to_state), _to_score(from_state)),
    ):
        if enters != leaves:
            deltas[field] = 1 if enters else -1
    if not deltas:
        return
    assignment, scorecard = _model(name="JurorAssignment"), _model(name="Scorecard")
    done = scorecard.objects.filter(
        application=OuterRef("application"),
        juror=OuterRef("juror"),
        submitted_at__isnull=False,
        excluded_at__isnull=True,
    )
    open_ = assignment.objects.filter(application=dossier).exclude(Exists(done))
    jurors = list(open_.values_list("juror_id", flat=True))
    if not jurors:
        return
    if "pending" in deltas:
        assignment.objects.filter(application=dossier, juror_id__in=jurors).update(
            pending=deltas["pending"] > 0
        )
    rows = _model().objects.filter(call_id=dossier.call_id, juror_id__in=jurors)
    changes = {field: F(field) + n for field, n in deltas.items()}
    if rows.update(**changes) < len(jurors):  # a row never made: one by one
        kept = set(rows.values_list("juror_id", flat=True))
        for juror_id in set(jurors) - kept:
            bump(dossier.call_id, juror_id, **deltas)


def pending_assignments(call, apps=django_apps):
    """The call's assignments the juror has to score, from the rows themselves."""
    assignment, scorecard = _model(apps, "JurorAssignment"), _model(apps, "Scorecard")
    done = scorecard.objects.filter(
        application=OuterRef("application"),
        juror=OuterRef("juror"),
        submitted_at__isnull=False,
        excluded_at__isnull=True,
    )
    return assignment.objects.filter(
        application__call_id=getattr(call, "pk", call),
        application__state__in=rules.JUROR_ASSIGNMENT_STATES,
    ).exclude(Exists(done))


def counts(call, apps=django_apps) -> dict:
    """juror id → {field: number} recounted from the assignments, scorecards and
    conflicts of ``call``'s dossiers (jurors with nothing are left out)."""
    assignment = _model(apps, "JurorAssignment")
    scorecard = _model(apps, "Scorecard")
    conflict = _model(apps, "ConflictOfInterest")
    call_id = getattr(call, "pk", call)
    result = {}

    def add(field, rows):
        for juror_id, n in rows:
            if n:
                result.setdefault(juror_id, dict.fromkeys(FIELDS, 0))[field] = n

    def grouped(queryset, **aggregates):
        return queryset.order_by().values("juror_id").annotate(**aggregates)

    add(
        "assigned",
        grouped(assignment.objects.filter(application__call_id=call_id), n=Count("pk")).values_list(
            "juror_id", "n"
        ),
    )
    cards = grouped(
        scorecard.objects.filter(application__call_id=call_id, excluded_at__isnull=True),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        drafts=Count("pk", filter=Q(submitted_at__isnull=True)),
    )
    add("submitted", cards.values_list("juror_id", "submitted"))
    add("drafts", cards.values_list("juror_id", "drafts"))
    add(
        "conflicts",
        grouped(conflict.objects.filter(application__call_id=call_id), n=Count("pk")).values_list(
            "juror_id", "n"
        ),
    )
    done = scorecard.objects.filter(
        application=OuterRef("application"),
        juror=OuterRef("juror"),
        submitted_at__isnull=False,
        excluded_at__isnull=True,
    )
    add(
        "late",
        grouped(
            assignment.objects.filter(
                application__call_id=call_id, application__state=S.IN_JURY
            ).exclude(Exists(done)),
            n=Count("pk"),
        ).values_list("juror_id", "n"),
    )
    add(
        "pending",
        grouped(pending_assignments(call_id, apps), n=Count("pk")).values_list("juror_id", "n"),
    )
    return result


def stored(call, apps=django_apps) -> dict:
    """juror id → {field: number} as kept (rows at zero everywhere left out)."""
    rows = (
        _model(apps).objects.filter(call_id=getattr(call, "pk", call)).values("juror_id", *FIELDS)
    )
    return {row.pop("juror_id"): row for row in rows if any(row[field] for field in FIELDS)}


@transaction.atomic
def recount(call, apps=django_apps) -> None:
    """Write the counters of ``call`` from a recount (after a bulk load)."""
    tally = _model(apps)
    call_id = getattr(call, "pk", call)
    assignment = _model(apps, "JurorAssignment")
    assignment.objects.filter(application__call_id=call_id).update(pending=False)
    assignment.objects.filter(pk__in=pending_assignments(call_id, apps).values("pk")).update(
        pending=True
    )
    tally.objects.filter(call_id=call_id).delete()
    tally.objects.bulk_create(
        tally(call_id=call_id, juror_id=juror_id, **figures)
        for juror_id, figures in counts(call_id, apps).items()
    )
