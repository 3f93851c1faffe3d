"""The ranking of a call (administrators and the president of the call's jury): the
score of each dossier beside its normalised score, the dispersion of its jurors' marks,
the averages per criterion, the scorecards counted and expected, the tie-break; one row
opens the jurors' scorecards and comments; CSV and XLSX exports with the same filters.

Anybody else gets a 404 (anonymous visitors are sent to the login page)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from calls.models import Application, Call, District
from workflows import rules

from . import exports, ranking, ranking_selectors
from .forms_ranking import RankingFilterForm


def readable_call(user, pk) -> Call:
    """The call whose ranking the user may read; 404 otherwise."""
    call = get_object_or_404(Call, pk=pk)
    if not rules.can_read_ranking(user, call):
        raise Http404
    return call


def _form(request, call):
    objectives = list(call.objectives.order_by("number").values_list("number", flat=True))
    return RankingFilterForm(request.GET or None, objectives=objectives)


@login_required
def ranking_page(request, pk):
    call = readable_call(request.user, pk)
    form = _form(request, call)
    result = ranking_selectors.call_ranking(call)
    rows = ranking_selectors.filtered(result.rows, form.filters())
    page = Paginator(rows, form.page_size).get_page(request.GET.get("page"))
    page.object_list = ranking_selectors.with_display(page.object_list)
    context = {
        "call": call,
        "ranking": result,
        "form": form,
        "page": page,
        "total": len(result.rows),
        "disagreements": sum(1 for row in result.rows if row.disagreement),
        "page_query": form.query(page=None),
        "export_query": form.query(page=None, size=None),
        "is_administrator": rules.is_administrator(request.user),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "staff/ranking.html", context, status=status)


@login_required
def ranking_row(request, pk, dossier_pk):
    call = readable_call(request.user, pk)
    dossier = get_object_or_404(
        Application.objects.select_related("call"), pk=dossier_pk, call=call
    )
    if not rules.can_read_scores_of(request.user, dossier):
        raise Http404
    result = ranking_selectors.call_ranking(call)
    row, cards = ranking_selectors.row_detail(
        result,
        dossier.pk,
        request.user,
        names_visible=rules.is_administrator(request.user),
    )
    if row is None:
        raise Http404
    context = {"call": call, "ranking": result, "row": row, "cards": cards, "dossier": dossier}
    return render(request, "staff/ranking_row.html", context)


def export_header(result) -> list[str]:
    return [
        _("Rank"),
        _("Reference"),
        _("Project title"),
        _("Organisation"),
        _("Organisation kind"),
        _("Objectives"),
        _("Districts"),
        _("Score (/20)"),
        _("Normalised score (/20)"),
        _("Dispersion (standard deviation)"),
        _("Strong disagreement"),
        _("Scorecards counted"),
        _("Scorecards expected"),
        *(
            _("%(criterion)s (average /%(max)s)")
            % {"criterion": criterion.label, "max": criterion.max_score}
            for criterion in result.criteria
        ),
    ]


def export_records(result, rows):
    kinds = {kind.value: str(kind.label) for kind in Organization.Kind}
    districts = {district.value: str(district.label) for district in District}
    yes, no = _("Yes"), _("No")
    for row in rows:
        yield [
            row.position,
            row.reference,
            row.title,
            row.organization_name,
            kinds.get(row.organization_kind, row.organization_kind),
            ", ".join(str(number) for number in row.objectives),
            ", ".join(districts.get(code, str(code)) for code in row.districts),
            ranking.rounded(row.score),
            ranking.rounded(row.normalised),
            ranking.rounded(row.dispersion),
            None if row.score is None else (yes if row.disagreement else no),
            row.counted,
            row.expected,
            *(ranking.rounded(row.criteria.get(criterion.pk)) for criterion in result.criteria),
        ]


def _export(request, pk):
    call = readable_call(request.user, pk)
    form = _form(request, call)
    result = ranking_selectors.call_ranking(call)
    rows = ranking_selectors.filtered(result.rows, form.filters())
    filename = f"classement-{call.pk}-{timezone.localtime():%Y%m%d-%H%M}"
    return result, rows, filename


@login_required
def ranking_export_csv(request, pk):
    result, rows, filename = _export(request, pk)
    response = StreamingHttpResponse(
        exports.csv_lines(export_header(result), export_records(result, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


@login_required
def ranking_export_xlsx(request, pk):
    result, rows, filename = _export(request, pk)
    header = export_header(result)
    widths = [6, 16, 40, 30, 18, 12, 24, 10, 12, 12, 10, 10, 10] + [14] * len(result.criteria)
    return FileResponse(
        exports.xlsx_workbook(header, widths, export_records(result, rows), _("Ranking")),
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
