"""The audit page of the administrators: every state change and every other audited
staff action (assignments, conflicts, opinions, checklists, held emails, publication,
roles and memberships), filtered, paginated, exported as CSV. Anybody else: 404."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import rules, trail

from . import exports
from .forms_audit import AuditFilterForm

PAGE_SIZE = 50
CSV_CHUNK = 500


def _form(request):
    if not rules.is_administrator(request.user):
        raise Http404
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    form = AuditFilterForm(query or None)
    if form.is_bound:
        form.is_valid()
    return form, urlencode(query)


@login_required
def audit_page(request):
    form, query = _form(request)
    rows = trail.trail(form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "entries": trail.hydrate(page.object_list),
        "page_query": query,
        "export_query": query,
    }
    return render(request, "staff/audit.html", context)


def _csv_rows(filters):
    """The rows of the export, read and completed a chunk at a time."""
    rows = trail.trail(filters)
    start = 0
    while True:
        chunk = list(rows[start : start + CSV_CHUNK])
        if not chunk:
            return
        for entry in trail.hydrate(chunk):
            yield (
                timezone.localtime(entry["at"]),
                entry["label"],
                entry["dossier"].reference if entry["dossier"] else "",
                entry["call"].title if entry["call"] else "",
                entry["actor"].email if entry["actor"] else "",
                entry["reason"],
            )
        start += CSV_CHUNK


@login_required
def audit_export_csv(request):
    form, _query = _form(request)
    header = [_("When"), _("Event"), _("Dossier"), _("Call"), _("By"), _("Reason")]
    response = StreamingHttpResponse(
        exports.csv_lines(header, _csv_rows(form.filters())),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"journal-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
