"""The staff's landing page (``/gestion/``): what to do now, per role, each row
leading to the staff page of its dossier. Anybody without a staff role gets a 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from workflows import rules

from . import queue_selectors


@login_required
def staff_home(request):
    if not rules.is_staff_member(request.user):
        raise Http404
    sections = queue_selectors.work_queue(request.user)
    return render(
        request,
        "staff/home.html",
        {
            "sections": sections,
            "total": sum(section.count for section in sections),
            "can_receive": rules.has_reception(request.user),
        },
    )
