"""The staff list of dossiers (filters, search, sorting, fifty a page, counts per
state) and its exports to CSV and XLSX with the same filters.

Administrators and instructors only (the latter see the dossiers of the calls they
instruct); anybody else gets a 404. A page costs the same few queries whatever the
number of dossiers; an export is one query read by chunks, written out as it goes."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import http

from . import exports, staff_selectors
from .forms_list import DossierListForm

PAGE_SIZE = 50

# The sortable columns of the table, in order.
COLUMNS = [
    ("reference", _("Reference")),
    ("title", _("Title")),
    ("organisation", _("Organisation")),
    (None, _("Call")),
    ("state", _("State")),
    (None, _("Objectives")),
    ("amount", _("Requested amount")),
    ("updated", _("Last change")),
]


def _query(form, **changes) -> str:
    """The query string of the valid filters, with ``changes`` (None: left out)."""
    params = {}
    if form.is_bound:
        for name in form.fields:
            value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
            if name in form.errors or value in (None, ""):
                continue
            params[name] = form.data.get(name)
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _columns(form, sort):
    """The table's headers: label, link that sorts by it, current direction."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for key, label in COLUMNS:
        column = {"label": label, "key": key}
        if key is not None:
            active = key == current
            column["direction"] = ("descending" if descending else "ascending") if active else ""
            next_sort = key if (not active or descending) else f"-{key}"
            column["query"] = _query(form, sort=next_sort, page=None)
        columns.append(column)
    return columns


@login_required
def dossier_list(request):
    user = request.user
    http.require_back_office(user)
    form = DossierListForm(request.GET or None, user=user)
    filters = form.filters()
    rows, counts = staff_selectors.dossier_page_rows(user, filters)
    paginator = Paginator(rows, PAGE_SIZE)
    # The counts per state already give the number of rows: no COUNT query.
    paginator.count = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    state_links = [
        {
            "value": state.value,
            "label": state.label,
            "count": counts.get(state.value, 0),
            "query": _query(form, state=state.value, page=None),
        }
        for state in staff_selectors.LISTED_STATES
        if counts.get(state.value)
    ]
    context = {
        "form": form,
        "page": page,
        "columns": _columns(form, filters.sort),
        "state_links": state_links,
        "total": sum(counts.values()),
        "current_state": filters.state,
        "all_states_query": _query(form, state=None, page=None),
        "page_query": _query(form, page=None),
        "export_query": _query(form, page=None),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "staff/list_dossiers.html", context, status=status)


def _export_filters(request):
    user = request.user
    http.require_back_office(user)
    form = DossierListForm(request.GET or None, user=user)
    return form, form.filters()


def _filename(extension: str) -> str:
    return f"dossiers-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@login_required
def export_csv(request):
    form, filters = _export_filters(request)
    if form.is_bound and form.errors:
        return dossier_list(request)
    rows = staff_selectors.export_rows(request.user, filters).iterator(
        chunk_size=exports.CHUNK_SIZE
    )
    response = StreamingHttpResponse(
        exports.csv_stream(rows, exports.Labels()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@login_required
def export_xlsx(request):
    form, filters = _export_filters(request)
    if form.is_bound and form.errors:
        return dossier_list(request)
    rows = staff_selectors.export_rows(request.user, filters).iterator(
        chunk_size=exports.CHUNK_SIZE
    )
    return FileResponse(
        exports.xlsx_file(rows, exports.Labels()),
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
