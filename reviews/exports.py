"""Exports of the staff list of dossiers to CSV and XLSX, in constant memory.

The rows come from ``reviews.staff_selectors.export_rows`` (one query, read by
chunks with ``QuerySet.iterator``); each is turned into typed cells (text, Decimal,
datetime) and written out at once:

* CSV for French spreadsheets: UTF-8 with a byte-order mark (Excel recognises the
  encoding), ``;`` as separator, amounts and averages with a decimal comma and no
  thousands separator (``12500,00``), dates as ``24/11/2026 14:30`` (Paris time).
  Streamed as it is produced. A text cell starting with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return gets a leading apostrophe, so that a spreadsheet never
  runs it as a formula (CSV injection).
* XLSX through openpyxl's write-only mode: rows go to a temporary file as they come;
  numbers stay numbers, dates are dates, and every text cell is stored as text
  (never as a formula, whatever it starts with).

Labels (states, kinds, verdicts...) are those of the language of the request.
"""

import csv
import tempfile
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.models import Organization
from calls.models import District
from workflows.states import DossierState

from .models import Decision, Opinion
from .staff_selectors import EXPORT_VALUES, split_numbers, split_opinions

CHUNK_SIZE = 250  # rows read at a time: the memory buffer of an export
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DATETIME = "%d/%m/%Y %H:%M"
XLSX_DATETIME = "dd/mm/yyyy hh:mm"
XLSX_AMOUNT = "#,##0.00"
CENT = Decimal("0.01")


def headers() -> list[str]:
    return [
        _("Reference"),
        _("Call"),
        _("Organisation"),
        _("Organisation kind"),
        _("Project title"),
        _("State"),
        _("Objectives"),
        _("Districts"),
        _("Requested amount (EUR)"),
        _("Total budget (EUR)"),
        _("Submitted at"),
        _("Opinions"),
        _("Jury average (/20)"),
        _("Jury scorecards"),
        _("Decision"),
        _("Granted amount (EUR)"),
        _("Convention needed"),
        _("Highlighted action"),
        _("Special prize"),
    ]


# Widths of the XLSX columns, in characters.
WIDTHS = [16, 30, 30, 18, 40, 22, 12, 24, 14, 14, 17, 40, 12, 10, 14, 14, 12, 12, 12]


class Labels:
    """The words of the export in the current language, read once (the rows of a
    streamed export are written after the view has returned)."""

    def __init__(self):
        self.states = {state.value: str(state.label) for state in DossierState}
        self.kinds = {kind.value: str(kind.label) for kind in Organization.Kind}
        self.districts = {district.value: str(district.label) for district in District}
        self.verdicts = {verdict.value: str(verdict.label) for verdict in Opinion.Verdict}
        self.outcomes = {outcome.value: str(outcome.label) for outcome in Decision.Outcome}
        self.yes, self.no = _("Yes"), _("No")
        self.headers = headers()

    def flag(self, value):
        return None if value is None else (self.yes if value else self.no)


def records(rows, labels: Labels):
    """Typed cells of each exported row: text, Decimal, int, naive Paris datetime or
    ``None`` (empty)."""
    for values in rows:
        row = dict(zip(EXPORT_VALUES, values, strict=True))
        submitted = row["submitted_at"]
        average = row["average"]
        decided = row["decision__outcome"] is not None
        yield [
            row["reference"],
            row["call__title"],
            row["organization__name"],
            labels.kinds.get(row["organization__kind"], row["organization__kind"]),
            row["title"],
            labels.states.get(row["state"], row["state"]),
            ", ".join(str(n) for n in split_numbers(row["objective_numbers"])),
            ", ".join(labels.districts.get(code, str(code)) for code in row["districts"] or ()),
            row["requested_amount"],
            row["total_budget"],
            timezone.make_naive(timezone.localtime(submitted)) if submitted else None,
            "; ".join(
                f"{body}: {labels.verdicts.get(verdict, verdict)}"
                for body, verdict in split_opinions(row["opinion_pairs"])
            ),
            None
            if average is None
            else Decimal(repr(average)).quantize(CENT, rounding=ROUND_HALF_UP),
            row["scorecard_count"],
            labels.outcomes.get(row["decision__outcome"], "") if decided else None,
            row["decision__amount"],
            labels.flag(row["decision__needs_convention"]) if decided else None,
            labels.flag(row["decision__highlighted"]) if decided else None,
            labels.flag(row["decision__special_prize"]) if decided else None,
        ]


# ------------------------------------------------------------------------- CSV


def neutralise(text: str) -> str:
    """Text that a spreadsheet shows as it is, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME)
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


class _Echo:
    """A file-like object whose ``write`` hands back what it is given."""

    def write(self, value):
        return value


def csv_stream(rows, labels: Labels):
    """The CSV text, one line at a time, starting with the byte-order mark."""
    return csv_lines(labels.headers, records(rows, labels))


def csv_lines(header, typed_rows):
    """CSV lines of any typed rows (text, Decimal, int, datetime, ``None``)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(header)
    for record in typed_rows:
        yield writer.writerow([csv_cell(value) for value in record])


# ------------------------------------------------------------------------ XLSX


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, not a formula
            return cell
        return value
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_AMOUNT
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATETIME
        return cell
    return value


def xlsx_file(rows, labels: Labels):
    """The workbook in a temporary file (rewound; closed by whoever reads it)."""
    return xlsx_workbook(labels.headers, WIDTHS, records(rows, labels), _("Dossiers"))


def xlsx_workbook(header, widths, typed_rows, title):
    """A one-sheet workbook of any typed rows, in a temporary file (rewound)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for record in typed_rows:
        sheet.append([_xlsx_cell(sheet, value) for value in record])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output
