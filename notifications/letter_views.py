"""The letters to post: what organisations without an email address receive instead of
emails. Reception staff (instructors and administrators) print each letter from its PDF,
post it and mark it as posted (audit trail): each sees the letters of the calls they
receive dossiers on. Anybody else gets a 404."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls.models import Call
from workflows import rules

from . import services
from .letters import posted_letter_filename, render_posted_letter
from .models import Letter

RECENTLY_POSTED = 20


def reception_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not rules.has_reception(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _letters(user):
    """The letters ``user`` handles: those of the calls they may receive dossiers on
    (``rules.may_receive_for``: every call for an administrator, their own calls for an
    instructor), so that each letter's dossier or nomination opens for them."""
    letters = Letter.objects.select_related(
        "application__call",
        "application__organization",
        "nomination__call",
        "nomination__organization",
        "posted_by",
    )
    if rules.is_administrator(user):
        return letters
    calls = rules.filter_calls_received_by(Call.objects.all(), user).values("pk")
    return letters.filter(Q(application__call__in=calls) | Q(nomination__call__in=calls))


@reception_only
def letter_queue(request):
    to_post = list(
        _letters(request.user).filter(status=Letter.Status.TO_POST).order_by("created_at", "pk")
    )
    posted = list(
        _letters(request.user)
        .filter(status=Letter.Status.POSTED)
        .order_by("-posted_at", "-pk")[:RECENTLY_POSTED]
    )
    held = _letters(request.user).filter(status=Letter.Status.HELD).count()
    return render(
        request,
        "notifications/letter_queue.html",
        {"to_post": to_post, "posted": posted, "held": held},
    )


@reception_only
def letter_pdf(request, pk):
    letter = get_object_or_404(
        _letters(request.user).exclude(status__in=[Letter.Status.HELD, Letter.Status.CANCELLED]),
        pk=pk,
    )
    response = HttpResponse(render_posted_letter(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{posted_letter_filename(letter)}"'
    return response


@reception_only
@require_POST
def letter_mark_posted(request, pk):
    letter = get_object_or_404(_letters(request.user), pk=pk)
    try:
        services.mark_letter_posted(letter, request.user)
    except services.OutboxError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The letter to %(name)s (%(reference)s) is marked as posted.")
            % {"name": letter.recipient_name, "reference": letter.reference},
        )
    return redirect("letter_queue")
