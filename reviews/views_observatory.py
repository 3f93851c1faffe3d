"""The observatory of the back office (objective 21): the figures of the calls an
administrator (all) or an instructor (theirs) reads, filtered by call, year and kind.
Anybody else: 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from calls import observatory
from calls.forms import ObservatoryFilterForm
from workflows import rules


@login_required
def observatory_page(request):
    if not rules.is_back_office_user(request.user):
        raise Http404
    form = ObservatoryFilterForm(observatory.staff_calls(request.user), request.GET)
    result = observatory.staff_observatory(request.user, **form.filters)
    context = {
        "form": form,
        "observatory": result,
        "chart": observatory.district_chart(result),
        "district_map": observatory.district_map(result),
        "small_cell": observatory.SMALL_CELL,
    }
    return render(request, "staff/observatory.html", context)
