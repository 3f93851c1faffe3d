"""Reads of the jury's work: a juror's queue and the progress of a call's jury.

Each page reads a constant number of queries whatever the number of dossiers: counts
are aggregated in SQL and the rows are paginated."""

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from calls.models import Application, Call
from workflows import rules
from workflows.states import DossierState as S

from . import tallies
from .models import ConflictOfInterest, JurorAssignment, JurorTally, Jury, Scorecard

PAGE_SIZE = 50

TO_SCORE, SUBMITTED, CONFLICTS = "a-noter", "soumis", "conflits"
QUEUE_TABS = (TO_SCORE, SUBMITTED, CONFLICTS)


def _submitted(juror_ref, application_ref):
    """The juror's submitted scorecard on the dossier, unless excluded (a scorecard
    excluded by a conflict since lifted leaves the dossier to confirm and score again)."""
    return Scorecard.objects.filter(
        application=application_ref,
        juror=juror_ref,
        submitted_at__isnull=False,
        excluded_at__isnull=True,
    )


def _queue_querysets(user):
    """The three lists of the juror's queue, as Application querysets (with
    ``deadline``). Each is read from the juror's own rows first (their assignments
    flagged to score, their scorecards submitted, their conflicts: indexes by juror),
    then checked on those rows alone."""
    own = rules.organization_ids(user)
    base = Application.objects.exclude(organization_id__in=own) if own else Application.objects
    base = base.annotate(deadline=F("call__jury__scoring_deadline"))
    flagged = JurorAssignment.objects.filter(juror=user, pending=True)
    # A scorecard excluded by a conflict since lifted is not submitted: to score again.
    submitted = Scorecard.objects.filter(
        juror=user, submitted_at__isnull=False, excluded_at__isnull=True
    )
    conflicted = ConflictOfInterest.objects.filter(juror=user)
    to_score = base.filter(
        pk__in=flagged.values("application_id"), state__in=rules.JUROR_ASSIGNMENT_STATES
    ).exclude(pk__in=submitted.values("application_id"))
    done = base.filter(pk__in=submitted.values("application_id")).exclude(
        pk__in=conflicted.values("application_id")
    )
    conflicts = base.filter(pk__in=conflicted.values("application_id"))
    return {TO_SCORE: to_score, SUBMITTED: done, CONFLICTS: conflicts}


def _with_progress(queryset, user, ids=None):
    """``has_draft`` and ``confirmed`` (until the juror confirms having no conflict of
    interest, they see only the title and organisation) on the rows of ``queryset``;
    ``ids``: the only dossiers read (the subqueries then read these alone, even when
    the database hashes them)."""
    assigned = JurorAssignment.objects.filter(application=OuterRef("pk"), juror=user)
    draft = Scorecard.objects.filter(
        application=OuterRef("pk"), juror=user, submitted_at__isnull=True
    )
    if ids is not None:
        assigned = assigned.filter(application_id__in=ids)
        draft = draft.filter(application_id__in=ids)
    return queryset.annotate(
        has_draft=Exists(draft), confirmed=Exists(assigned.filter(confirmed_at__isnull=False))
    )


def to_score(user):
    """The dossiers the juror is assigned to and has not scored yet (with ``deadline``,
    ``has_draft`` and ``confirmed``)."""
    return _with_progress(_queue_querysets(user)[TO_SCORE], user)


def juror_queue(user, tab, page_number):
    """The juror's dossiers in the tab (``TO_SCORE``: assigned, not submitted, soonest
    deadline first; ``SUBMITTED``; ``CONFLICTS``), one page of them, and the count of
    each tab: three queries whatever the number of dossiers (the counts, the ids of the
    page in order, the rows of these ids)."""
    querysets = _queue_querysets(user)
    counts = _queue_counts(user, querysets)
    if tab == TO_SCORE:
        order = (F("deadline").asc(nulls_last=True), "reference")
    else:
        order = ("reference",)
    # The page is chosen on the ids alone: the rows sorted are narrow, and only the
    # page's rows are read whole.
    paginator = Paginator(querysets[tab].order_by(*order).values_list("pk", flat=True), PAGE_SIZE)
    paginator.count = counts[tab]  # already counted: no second COUNT query
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    rows = Application.objects.filter(pk__in=ids).annotate(
        deadline=F("call__jury__scoring_deadline")
    )
    if tab == TO_SCORE:
        rows = _with_progress(rows, user, ids)
    rows = rows.select_related("call", "organization").only(
        "reference", "title", "state", "call__title", "organization__name"
    )
    by_id = {row.pk: row for row in rows} if ids else {}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page, counts


def _queue_counts(user, querysets) -> dict:
    """The number of dossiers of each tab: the sums of the juror's counters over their
    calls (one query, ``reviews.tallies``), or, for a juror member of an applicant
    organisation (whose dossiers their queue leaves out), the count of each list."""
    if rules.organization_ids(user):
        return {key: queryset.order_by().count() for key, queryset in querysets.items()}
    sums = JurorTally.objects.filter(juror=user).aggregate(
        pending=Sum("pending"), submitted=Sum("submitted"), conflicts=Sum("conflicts")
    )
    return {
        TO_SCORE: sums["pending"] or 0,
        SUBMITTED: sums["submitted"] or 0,
        CONFLICTS: sums["conflicts"] or 0,
    }


def jury_progress_jurors(call):
    """The jurors of the call's jury with, on the call's dossiers, ``assigned``,
    ``submitted`` (counted scorecards), ``drafts``, ``conflicts`` and ``late``
    (assigned dossiers with the jury without a submitted scorecard): one query of one
    counter row per juror (``reviews.tallies``), whatever the number of dossiers."""
    jury = Jury.objects.filter(call=call).first()
    if jury is None:
        return []
    tally = JurorTally.objects.filter(call=call, juror=OuterRef("pk"))
    jurors = (
        User.objects.filter(juries=jury)
        .annotate(
            **{
                field: Coalesce(Subquery(tally.values(field)[:1]), Value(0))
                for field in tallies.FIELDS
            }
        )
        .order_by("last_name", "first_name", "email")
    )
    return list(jurors)


def jury_progress_dossiers(call, page_number, count=None):
    """One page of the call's dossiers that have jurors or are with the jury, with
    ``expected`` (jurors assigned) and ``submitted`` (counted scorecards); ``count``:
    their number, when already counted (``bulk_transition_counts(call)["followed"]``)."""
    dossiers = (
        Application.objects.filter(call=call)
        .filter(
            Q(state=S.IN_JURY) | Exists(JurorAssignment.objects.filter(application=OuterRef("pk")))
        )
        .annotate(
            expected=_assignments_count(),
            submitted=_scorecards_count(submitted_at__isnull=False),
        )
        .only("reference", "title", "state")
        .order_by("reference")
    )
    paginator = Paginator(dossiers, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # no second COUNT over the call's dossiers
    page = paginator.get_page(page_number)
    page.object_list = list(page.object_list)
    return page


def late_assignments(call):
    """The assignments of the call's dossiers with the jury whose juror (active) has not
    submitted a scorecard: who is reminded."""
    return (
        JurorAssignment.objects.filter(
            application__call=call, application__state=S.IN_JURY, juror__is_active=True
        )
        .exclude(Exists(_submitted(OuterRef("juror"), OuterRef("application"))))
        .select_related("juror", "application")
        .order_by("juror_id", "application__reference")
    )


def calls_with_jury():
    """The calls a jury works on (prize editions, calls scored by a jury or with a jury
    set up), newest first, each with its number of dossiers with the jury and awaiting
    decision: one query."""
    return (
        Call.objects.filter(Q(kind=Call.Kind.PRIZE) | Q(jury_scores=True) | Q(jury__isnull=False))
        .annotate(
            in_jury=Count("applications", filter=Q(applications__state=S.IN_JURY), distinct=True),
            awaiting=Count(
                "applications",
                filter=Q(applications__state=S.AWAITING_DECISION),
                distinct=True,
            ),
        )
        .order_by("-opens_at", "pk")
    )


def call_conflicts(call):
    """The conflicts of interest declared on the dossiers of ``call``, oldest first,
    each with whether a scorecard of the juror was excluded because of it (one query)."""
    excluded = Scorecard.objects.filter(
        application=OuterRef("application"), juror=OuterRef("juror"), excluded_at__isnull=False
    )
    return (
        ConflictOfInterest.objects.filter(application__call=call)
        .select_related("application__organization", "juror")
        .annotate(scorecard_excluded=Exists(excluded))
        .order_by("declared_at", "pk")
    )


def conflict_records(conflicts):
    """The typed rows of the conflicts' exports (CSV, XLSX)."""
    for conflict in conflicts:
        dossier = conflict.application
        yield [
            dossier.reference,
            dossier.organization.name,
            dossier.title,
            conflict.juror.get_full_name() or conflict.juror.email,
            timezone.make_naive(timezone.localtime(conflict.declared_at)),
            conflict.reason,
            _("yes") if conflict.scorecard_excluded else _("no"),
        ]


def conflict_headers():
    return [
        _("Reference"),
        _("Organisation"),
        _("Project title"),
        _("Juror"),
        _("Declared at"),
        _("Reason"),
        _("Scorecard excluded"),
    ]


def assigned_dossier(user, pk) -> Application:
    """A dossier assigned to the juror ``user`` (``rules.is_juror_of``), whether or not
    they confirmed having no conflict of interest on it; 404 otherwise. Until they
    confirm, its pages show them only its title and organisation."""
    dossier = (
        Application.objects.select_related("call", "organization")
        .prefetch_related("objectives", "attachments")
        .filter(pk=pk)
        .first()
    )
    if dossier is None or not rules.is_juror_of(user, dossier):
        raise Http404
    return dossier


def _assignments_count():
    """The number of jurors assigned to the dossier (``OuterRef("pk")``)."""
    return Coalesce(
        Subquery(
            JurorAssignment.objects.filter(application=OuterRef("pk"))
            .order_by()
            .values("application")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _scorecards_count(**filters):
    """The number of the dossier's (``OuterRef("pk")``) scorecards not excluded, with
    ``filters``."""
    return Coalesce(
        Subquery(
            Scorecard.objects.filter(
                application=OuterRef("pk"), excluded_at__isnull=True, **filters
            )
            .order_by()
            .values("application")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def bulk_transition_counts(call) -> dict:
    """How many of the call's dossiers may be sent to the jury (``eligible``), are with
    the jury (``in_jury``: what closing it concerns) and are followed on the progress
    page (``followed``: with the jury, or elsewhere with jurors): one query."""
    has_jurors = Exists(JurorAssignment.objects.filter(application=OuterRef("pk")))
    counts = Application.objects.filter(call=call).aggregate(
        eligible=Count("pk", filter=Q(state=S.ELIGIBLE)),
        in_jury=Count("pk", filter=Q(state=S.IN_JURY)),
        elsewhere=Count("pk", filter=~Q(state=S.IN_JURY) & Q(has_jurors)),
    )
    counts["followed"] = counts["in_jury"] + counts.pop("elsewhere")
    return counts


def dossiers_to_send(call):
    """The call's eligible dossiers, which "send to the jury" concerns (one query)."""
    return list(
        Application.objects.filter(call=call, state=S.ELIGIBLE)
        .select_related("organization")
        .only("reference", "title", "state", "organization__name")
        .order_by("reference")
    )


def dossiers_to_close(call):
    """The call's dossiers with the jury, which "close the jury" concerns, each with
    ``expected`` (jurors assigned), ``submitted`` (counted scorecards), ``drafts``
    (scorecards of assigned jurors not submitted), ``missing`` (assigned jurors who
    have not started) and ``incomplete`` (drafts, missing or no juror), in one query."""
    assigned = JurorAssignment.objects.filter(
        application=OuterRef("application"), juror=OuterRef("juror")
    )
    dossiers = list(
        Application.objects.filter(call=call, state=S.IN_JURY)
        .select_related("organization")
        .annotate(
            expected=_assignments_count(),
            submitted=_scorecards_count(submitted_at__isnull=False),
            drafts=Coalesce(
                Subquery(
                    Scorecard.objects.filter(
                        Exists(assigned),
                        application=OuterRef("pk"),
                        excluded_at__isnull=True,
                        submitted_at__isnull=True,
                    )
                    .order_by()
                    .values("application")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .only("reference", "title", "state", "organization__name")
        .order_by("reference")
    )
    for dossier in dossiers:
        dossier.missing = max(0, dossier.expected - dossier.submitted - dossier.drafts)
        # No juror at all is incomplete too: closing would leave it without any score.
        dossier.incomplete = bool(dossier.drafts or dossier.missing or not dossier.expected)
    return dossiers
