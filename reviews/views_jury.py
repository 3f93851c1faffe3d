"""The jury on a dossier: administrators assign jurors of the call's jury from the
staff page; an assigned juror scores the dossier against the call's grid
(``/gestion/jury/<pk>/``) or declares a conflict of interest, which removes them
from the dossier. Writes go through ``reviews.services``; who may not see the
dossier gets a 404."""

import secrets
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import form_tokens
from accounts.models import User
from calls.models import Call
from workflows import rules
from workflows.exceptions import TransitionError, TransitionNotPermitted
from workflows.http import posted_ids

from . import assignment, exports, jury_notifications, jury_selectors, services, views_confirm
from .forms_jury import BulkAssignmentForm, JurySettingsForm
from .models import JurorAssignment, Jury, Scorecard
from .selectors import score_summary
from .views_dossier import _page, staff_dossier


@login_required
@require_POST
def staff_dossier_assign_juror(request, pk):
    user = request.user
    dossier = staff_dossier(user, pk)
    if not rules.is_administrator(user):
        raise Http404
    chosen = posted_ids([request.POST.get("juror")])
    juror = User.objects.filter(pk__in=chosen[:1]).first()
    if juror is None:
        error = TransitionError(_("Choose a juror."), field="juror")
        return _page(request, dossier, error=error, status=400)
    try:
        services.assign_juror(dossier, juror, by=user)
    except TransitionError as error:
        status = 403 if isinstance(error, TransitionNotPermitted) else 400
        return _page(request, dossier, error=error, status=status)
    messages.success(
        request,
        _("%(name)s is assigned to %(reference)s.")
        % {"name": juror.get_full_name() or juror.email, "reference": dossier.reference},
    )
    return redirect("staff_dossier_detail", pk=pk)


def _scores_from(post, criteria):
    return {criterion.pk: post.get(f"criterion_{criterion.pk}", "") for criterion in criteria}


def _scorecard_page(request, dossier, *, values=None, comment=None, errors=None, status=200):
    user = request.user
    if not rules.has_confirmed_no_conflict(user, dossier):
        return views_confirm.confirmation_page(request, dossier, errors=errors, status=status)
    criteria = list(dossier.call.scoring_criteria.all())
    scorecard = (
        Scorecard.objects.filter(application=dossier, juror=user).prefetch_related("scores").first()
    )
    saved = (
        {score.criterion_id: score.value for score in scorecard.scores.all()} if scorecard else {}
    )
    errors = errors or {}
    rows = [
        {
            "criterion": criterion,
            "name": f"criterion_{criterion.pk}",
            "value": (values or {}).get(criterion.pk, saved.get(criterion.pk, "")),
            "error": errors.get(f"criterion_{criterion.pk}"),
        }
        for criterion in criteria
    ]
    context = {
        "dossier": dossier,
        "deadline": Jury.objects.filter(call=dossier.call_id)
        .values_list("scoring_deadline", flat=True)
        .first(),
        "others": _other_scorecards(user, dossier, criteria),
        "attachments": list(dossier.attachments.select_related("required_document")),
        "rows": rows,
        "comment": comment if comment is not None else (scorecard.comment if scorecard else ""),
        "submitted": bool(scorecard and scorecard.submitted_at),
        "scorecard": scorecard,
        "can_score": rules.can_score(user, dossier),
        "objectives": list(dossier.objectives.all()),
        "error": errors.get(None),
        "conflict_error": errors.get("reason"),
        # A conflict can be declared until the jury closes, even after submitting.
        "conflict_open": dossier.state in services.CONFLICT_STATES,
    }
    return render(request, "staff/dossier_scorecard.html", context, status=status)


def _other_scorecards(user, dossier, criteria):
    """What the juror may see of the jury's scores on the dossier (``rules.can_see_average``):
    the average and the other counted scorecards, the jurors named only when the call
    says so. ``None`` when hidden."""
    if not rules.can_see_average(user, dossier):
        return None
    jury = Jury.objects.filter(call=dossier.call_id).first()
    named = bool(jury and jury.show_juror_identities) or rules.can_follow_jury(user, dossier.call)
    cards = (
        Scorecard.objects.counted()
        .filter(application=dossier)
        .exclude(juror=user)
        .select_related("juror")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
    rows = []
    for number, card in enumerate(cards, start=1):
        values = {score.criterion_id: score.value for score in card.scores.all()}
        rows.append(
            {
                "label": (card.juror.get_full_name() or card.juror.email)
                if named
                else _("Juror %(number)s") % {"number": number},
                "values": [values.get(criterion.pk, "") for criterion in criteria],
                "comment": card.comment,
            }
        )
    return {
        "summary": score_summary(dossier),
        "criteria": criteria,
        "rows": rows,
    }


def _juror_dossier(user, pk):
    return jury_selectors.assigned_dossier(user, pk)


@login_required
def staff_scorecard(request, pk):
    """An assigned juror's scores on the dossier: saved as a draft, then submitted
    (final: only submitted scorecards count in the average)."""
    user = request.user
    dossier = _juror_dossier(user, pk)
    if request.method != "POST":
        return _scorecard_page(request, dossier)
    criteria = list(dossier.call.scoring_criteria.all())
    values = _scores_from(request.POST, criteria)
    comment = request.POST.get("comment", "")
    submit = request.POST.get("action") == "submit"
    try:
        services.save_scorecard(dossier, user, values, comment=comment, submit=submit)
    except TransitionError as error:
        status = 403 if isinstance(error, TransitionNotPermitted) else 400
        return _scorecard_page(
            request,
            dossier,
            values=values,
            comment=comment,
            errors={error.field: error.message, None: error.message},
            status=status,
        )
    messages.success(
        request,
        _("Your scores are submitted; they count in the jury's average.")
        if submit
        else _("Your scores are saved as a draft; submit them once complete."),
    )
    return redirect("staff_scorecard", pk=pk)


@login_required
@require_POST
def staff_conflict(request, pk):
    """The juror declares a conflict of interest: they leave the dossier for good."""
    user = request.user
    dossier = _juror_dossier(user, pk)
    try:
        services.declare_conflict(dossier, user, request.POST.get("reason", ""))
    except TransitionError as error:
        status = 403 if isinstance(error, TransitionNotPermitted) else 400
        return _scorecard_page(
            request, dossier, errors={None: error.message, "reason": error.message}, status=status
        )
    messages.success(
        request,
        _(
            "Your conflict of interest on %(reference)s is recorded: you no longer see nor "
            "score this dossier."
        )
        % {"reference": dossier.reference},
    )
    return redirect("dashboard")


@login_required
def jury_queue(request):
    """The juror's queue: the dossiers to score (with the call's deadline), those
    submitted and those on which a conflict of interest is declared."""
    user = request.user
    if rules.JURORS not in rules.roles(user):
        raise Http404
    tab = request.GET.get("onglet") or jury_selectors.TO_SCORE
    if tab not in jury_selectors.QUEUE_TABS:
        tab = jury_selectors.TO_SCORE
    page, counts = jury_selectors.juror_queue(user, tab, request.GET.get("page"))
    presided = list(
        Call.objects.filter(jury__president=user, jury__members=user).order_by("-opens_at")
    )
    context = {
        "tab": tab,
        "tabs": [
            (jury_selectors.TO_SCORE, _("To score"), counts[jury_selectors.TO_SCORE]),
            (jury_selectors.SUBMITTED, _("Submitted"), counts[jury_selectors.SUBMITTED]),
            (jury_selectors.CONFLICTS, _("Conflict declared"), counts[jury_selectors.CONFLICTS]),
        ],
        "page": page,
        "page_query": f"onglet={tab}",
        "presided": presided,
    }
    return render(request, "staff/jury_queue.html", context)


@login_required
def juries(request):
    """Administrators: the calls a jury works on, each with the links to its jury's
    progress, ranking, deliberation and minutes."""
    if not rules.is_administrator(request.user):
        raise Http404
    return render(request, "staff/juries.html", {"calls": list(jury_selectors.calls_with_jury())})


def followed_call(user, pk) -> Call:
    """The call whose jury the user follows (administrators, the jury's president)."""
    call = get_object_or_404(Call, pk=pk)
    if not rules.can_follow_jury(user, call):
        raise Http404
    return call


def _progress_page(request, call, *, settings_form=None, status=200):
    user = request.user
    jury = Jury.objects.filter(call=call).first()
    jurors = jury_selectors.jury_progress_jurors(call)
    is_admin = rules.is_administrator(user)
    if settings_form is None and is_admin and jury is not None:
        settings_form = JurySettingsForm(
            initial={
                "scoring_deadline": jury.scoring_deadline,
                "score_visibility": jury.score_visibility,
                "show_juror_identities": jury.show_juror_identities,
            }
        )
    counts = jury_selectors.bulk_transition_counts(call)
    context = {
        "call": call,
        "jury": jury,
        "jurors": jurors,
        "late_jurors": sum(1 for juror in jurors if juror.late),
        "page": jury_selectors.jury_progress_dossiers(
            call, request.GET.get("page"), count=counts["followed"]
        ),
        "settings_form": settings_form if is_admin else None,
        "is_administrator": is_admin,
        "bulk_counts": counts if is_admin else None,
        "replacements": assignment.replacements(call) if is_admin else [],
    }
    return render(request, "staff/jury_progress.html", context, status=status)


@login_required
def jury_progress(request, pk):
    """Who scored what on the call: per juror and per dossier."""
    return _progress_page(request, followed_call(request.user, pk))


@login_required
@require_POST
def jury_settings(request, pk):
    user = request.user
    call = followed_call(user, pk)
    jury = Jury.objects.filter(call=call).first()
    if jury is None or not rules.is_administrator(user):
        raise Http404
    form = JurySettingsForm(request.POST)
    if not form.is_valid():
        return _progress_page(request, call, settings_form=form, status=400)
    services.update_jury_settings(jury, user, **form.cleaned_data)
    messages.success(request, _("The jury's settings are saved."))
    return redirect("staff_jury_progress", pk=call.pk)


@login_required
def jury_remind(request, pk):
    """Remind the late jurors now: a confirmation page, then the report."""
    user = request.user
    call = followed_call(user, pk)
    if request.method != "POST":
        late = jury_selectors.jury_progress_jurors(call)
        return render(
            request,
            "staff/jury_remind.html",
            {"call": call, "jurors": [juror for juror in late if juror.late]},
        )
    reminders = jury_notifications.remind_late_jurors(call, user)
    return render(request, "staff/jury_reminded.html", {"call": call, "reminders": reminders})


def _conflicts_call(user, pk) -> Call:
    """The call whose conflicts of interest are listed: administrators only."""
    call = followed_call(user, pk)
    if not rules.is_administrator(user):
        raise Http404
    return call


@login_required
def jury_conflicts(request, pk):
    """The conflicts of interest declared on a call's dossiers, with their exports."""
    call = _conflicts_call(request.user, pk)
    return render(
        request,
        "staff/jury_conflicts.html",
        {"call": call, "conflicts": jury_selectors.call_conflicts(call)},
    )


def _conflicts_filename(call) -> str:
    return f"conflits-{call.pk}-{timezone.localtime():%Y%m%d-%H%M}"


@login_required
def jury_conflicts_csv(request, pk):
    call = _conflicts_call(request.user, pk)
    conflicts = jury_selectors.call_conflicts(call)
    response = StreamingHttpResponse(
        exports.csv_lines(
            jury_selectors.conflict_headers(), jury_selectors.conflict_records(conflicts)
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_conflicts_filename(call)}.csv"'
    return response


@login_required
def jury_conflicts_xlsx(request, pk):
    call = _conflicts_call(request.user, pk)
    conflicts = jury_selectors.call_conflicts(call)
    return FileResponse(
        exports.xlsx_workbook(
            jury_selectors.conflict_headers(),
            [16, 30, 40, 26, 18, 50, 12],
            jury_selectors.conflict_records(conflicts),
            _("Conflicts of interest"),
        ),
        as_attachment=True,
        filename=f"{_conflicts_filename(call)}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _pairs(values) -> list[tuple[int, int]]:
    """The "dossier:juror" pairs ticked on the preview (anything else is ignored)."""
    pairs = []
    for value in values:
        dossier, _sep, juror = str(value).partition(":")
        chosen = posted_ids([dossier]), posted_ids([juror])
        if chosen[0] and chosen[1]:
            pairs.append((chosen[0][0], chosen[1][0]))
    return pairs


@login_required
def jury_assign(request, pk):
    """Assign K jurors to each dossier of a call with the jury: a form, a preview
    (dossier × jurors, load per juror, dossiers short of jurors) to confirm or
    adjust, then the report. Administrators only."""
    user = request.user
    call = followed_call(user, pk)
    if not rules.is_administrator(user):
        raise Http404
    context = {"call": call, "jurors": assignment.jury_members(call)}
    if request.method != "POST":
        context["form"] = BulkAssignmentForm(
            initial={"k": min(3, len(context["jurors"])) or 1, "seed": secrets.randbelow(10000)}
        )
        return render(request, "staff/jury_assign.html", context)
    form = BulkAssignmentForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "staff/jury_assign.html", context, status=400)
    k, seed = form.cleaned_data["k"], form.cleaned_data["seed"]
    if request.POST.get("confirm"):
        pairs = _pairs(request.POST.getlist("pair"))
        if not pairs:
            form.add_error(None, _("No assignment was ticked: nothing was saved."))
        else:
            # One-time: a double click assigns once and the second answer shows the
            # first report (a page without a key posts as before).
            return form_tokens.submit_once(
                request,
                lambda: _assign(request, call, pairs),
                lambda message: _refuse_assignment(request, context, form, message),
                lambda result: _assigned_page(request, call, _report_from(result)),
            )
    try:
        plan, data = assignment.call_plan(call, k, seed)
    except TransitionError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render(request, "staff/jury_assign.html", context, status=400)
    context["preview"] = _preview(plan, data)
    return render(request, "staff/jury_assign.html", context, status=400 if form.errors else 200)


def _assign(request, call, pairs):
    report = assignment.assign_in_bulk(call, pairs, request.user)
    result = {
        "created": [created.pk for created in report.created],
        "refused": [[str(part) for part in row] for row in report.refused],
        "emails": report.emails,
    }
    return form_tokens.remember(_assigned_page(request, call, report), result)


def _report_from(result) -> assignment.BulkAssignmentReport:
    """The report of a confirmation, as ``_assign`` kept it with the form's key."""
    created = posted_ids(result.get("created") or [])
    return assignment.BulkAssignmentReport(
        created=list(JurorAssignment.objects.filter(pk__in=created)),
        refused=[tuple(row) for row in result.get("refused") or [] if len(row) == 3],
        emails=int(result.get("emails") or 0),
    )


def _assigned_page(request, call, report):
    return render(request, "staff/jury_assigned.html", {"call": call, "report": report})


def _refuse_assignment(request, context, form, message):
    form.add_error(None, message)
    return render(request, "staff/jury_assign.html", context, status=400)


def _preview(plan, data) -> dict:
    conflicts = Counter(juror for _dossier, juror in data.conflicts)

    def name(juror_id):
        juror = data.jurors[juror_id]
        return juror.get_full_name() or juror.email

    rows = [
        {
            "dossier": dossier,
            "existing": sorted(name(j) for j in data.existing.get(pk, ()) if j in data.jurors),
            "proposed": [{"id": j, "name": name(j)} for j in plan.proposals.get(pk, [])],
            "short": plan.short.get(pk, 0),
        }
        for pk, dossier in data.dossiers.items()
    ]
    return {
        "plan": plan,
        "rows": rows,
        "loads": [
            {
                "name": name(j),
                "load": plan.loads.get(j, 0),
                "conflicts": conflicts[j],
            }
            for j in data.jurors
        ],
        "new": len(plan.pairs),
        "short": [row for row in rows if row["short"]],
    }
