"""The gate before a juror reads a dossier assigned to them: its title and organisation
only, until they confirm they have no conflict of interest on it
(``reviews.services.confirm_no_conflict``) or declare one (``staff_conflict``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows.exceptions import TransitionError, TransitionNotPermitted

from . import jury_selectors, services


def confirmation_page(request, dossier, *, errors=None, status=200):
    """The dossier's title and organisation, with "I have no conflict of interest" and
    the declaration of a conflict. Nothing else of the dossier is shown."""
    errors = errors or {}
    context = {
        "dossier": dossier,
        "error": errors.get(None),
        "conflict_error": errors.get("reason"),
        "conflict_open": dossier.state in services.CONFLICT_STATES,
    }
    return render(request, "staff/jury_confirm.html", context, status=status)


@login_required
@require_POST
def staff_confirm_no_conflict(request, pk):
    """The juror confirms having no conflict of interest: the scorecard page opens."""
    user = request.user
    dossier = jury_selectors.assigned_dossier(user, pk)
    try:
        assignment = services.confirm_no_conflict(dossier, user)
    except TransitionError as error:
        status = 403 if isinstance(error, TransitionNotPermitted) else 400
        return confirmation_page(request, dossier, errors={None: error.message}, status=status)
    messages.success(
        request,
        _("You confirmed having no conflict of interest on %(reference)s: you may score it.")
        % {"reference": dossier.reference},
    )
    if getattr(assignment, "reincluded", 0):
        messages.info(
            request,
            _(
                "Your scorecard, excluded while a conflict of interest was declared, is back "
                "as a draft: check your scores and submit them again for them to count."
            ),
        )
    return redirect("staff_scorecard", pk=pk)
