"""The jury on a dossier: administrators assign jurors of the call's jury from the
staff page; an assigned juror scores the dossier against the call's grid
(``/gestion/jury/<pk>/``) or declares a conflict of interest, which removes them
from the dossier. Writes go through ``reviews.services``; who may not see the
dossier gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from calls import selectors as dossier_selectors
from workflows import rules
from workflows.exceptions import TransitionError, TransitionNotPermitted

from . import services
from .models import Scorecard
from .views_dossier import _page, staff_dossier


@login_required
@require_POST
def staff_dossier_assign_juror(request, pk):
    user = request.user
    dossier = staff_dossier(user, pk)
    if not rules.is_administrator(user):
        raise Http404
    juror = User.objects.filter(pk=request.POST.get("juror") or None).first()
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


def _juror_dossier(user, pk):
    dossier = dossier_selectors.dossier_for(user, pk)
    if not rules.is_juror_of(user, dossier):
        raise Http404
    return dossier


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
