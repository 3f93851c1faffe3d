"""Exports of the staff list to CSV and XLSX: read back with the csv module and
openpyxl, they hold exactly the filtered rows with their values (opinions per body,
jury average, decision), formulas are never run, an instructor exports only the
dossiers of the calls they instruct, and the number of queries does not grow with
the number of rows."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from calls.models import Application, District, ScoringCriterion
from reviews import services
from reviews.models import GovernanceBody, Opinion
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory, assign_confirmed
from workflows import rules
from workflows.paths import advance
from workflows.services import perform
from workflows.states import DossierState as S

CSV = "/gestion/dossiers/export.csv"
XLSX = "/gestion/dossiers/export.xlsx"
HEADER = [
    "Reference",
    "Call",
    "Organisation",
    "Organisation kind",
    "Project title",
    "State",
    "Objectives",
    "Districts",
    "Requested amount (EUR)",
    "Total budget (EUR)",
    "Submitted at",
    "Opinions",
    "Jury average (/20)",
    "Jury scorecards",
    "Decision",
    "Granted amount (EUR)",
    "Convention needed",
    "Highlighted action",
    "Special prize",
]


def content(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')
    data = content(response)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(content(response)))
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_reference(rows) -> dict:
    assert rows[0] == HEADER
    found = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert len(found) == len(rows) - 1
    return found


@pytest.fixture
def site(world):
    """A selected dossier with the opinions of two bodies and districts; a submitted
    one; a draft (never exported)."""
    second = GovernanceBody.objects.create(name="Assemblée des quartiers")
    member = UserFactory(email="quartiers@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    second.members.add(member)
    world.call.governance_bodies.add(second)

    selected = ApplicationFactory(
        call=world.call,
        organization=world.organization,
        title="Épicerie solidaire",
        objectives=(8, 1),
        requested_amount=Decimal("25000"),
        total_budget=Decimal("60000"),
    )
    Application.objects.filter(pk=selected.pk).update(districts=[District.SUD, District.CENTRE])
    advance(selected, S.IN_CONSULTATION, world.actors)
    services.record_opinion(
        selected, world.body, world.governance, Opinion.Verdict.FAVOURABLE, "Utile."
    )
    services.record_opinion(
        selected, second, member, Opinion.Verdict.RESERVED, "Utile, mais coûteux."
    )
    perform(selected, "select", world.administrator, amount="24000,50", reason="Bon projet.")

    submitted = ApplicationFactory(
        call=world.call,
        organization=world.other_organization,
        title="Jardin partagé",
        requested_amount=Decimal("12500.50"),
        total_budget=Decimal("20000"),
    )
    advance(submitted, S.SUBMITTED, {**world.actors, "applicant": world.other_applicant})
    draft = ApplicationFactory(call=world.call, organization=world.organization)
    return selected, submitted, draft


@pytest.fixture
def admin(client, world):
    client.force_login(world.administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the words checked below are English
    return client


def test_words_are_those_of_the_site_language_french_by_default(client, world, site):
    selected, _submitted, _draft = site
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")  # no language asked for: the site's own
    client.force_login(world.administrator)

    data = content(client.get(CSV)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))

    row = next(row for row in rows if row[0] == selected.reference)
    assert (row[16], row[17], row[18]) == ("Oui", "Non", "Non")  # convention, prizes


def test_csv_holds_the_listed_dossiers_with_their_values(admin, world, site):
    selected, submitted, draft = site

    rows = by_reference(csv_rows(admin.get(CSV)))

    assert set(rows) == {selected.reference, submitted.reference}  # no draft
    row = rows[selected.reference]
    submitted_at = timezone.localtime(Application.objects.get(pk=selected.pk).submitted_at)
    assert row == {
        "Reference": selected.reference,
        "Call": world.call.title,
        "Organisation": "Association Les Amis du Quartier",
        "Organisation kind": "Association",
        "Project title": "Épicerie solidaire",
        "State": "Selected",
        "Objectives": "1, 8",
        "Districts": "Bordeaux Sud, Centre-ville",
        "Requested amount (EUR)": "25000,00",
        "Total budget (EUR)": "60000,00",
        "Submitted at": submitted_at.strftime("%d/%m/%Y %H:%M"),
        "Opinions": (
            f"Assemblée des quartiers: Favourable with reservations; {world.body.name}: Favourable"
        ),
        "Jury average (/20)": "",
        "Jury scorecards": "0",
        "Decision": "Selected",
        "Granted amount (EUR)": "24000,50",
        "Convention needed": "Yes",
        "Highlighted action": "No",
        "Special prize": "No",
    }
    other = rows[submitted.reference]
    assert other["State"] == "Submitted"
    assert other["Requested amount (EUR)"] == "12500,50"
    assert other["Opinions"] == other["Decision"] == other["Granted amount (EUR)"] == ""


def test_xlsx_holds_the_same_rows_with_numbers_and_dates(admin, world, site):
    selected, submitted, _draft = site

    rows = by_reference(xlsx_rows(admin.get(XLSX)))

    assert set(rows) == {selected.reference, submitted.reference}
    row = rows[selected.reference]
    assert row["Requested amount (EUR)"] == 25000
    assert row["Granted amount (EUR)"] == 24000.5
    assert row["Total budget (EUR)"] == 60000
    assert isinstance(row["Submitted at"], datetime)
    submitted_at = timezone.localtime(Application.objects.get(pk=selected.pk).submitted_at)
    # Paris time, without a time zone (Excel has none), to the millisecond Excel keeps.
    assert abs(row["Submitted at"] - submitted_at.replace(tzinfo=None)) < timedelta(seconds=1)
    assert row["State"] == "Selected"
    assert row["Objectives"] == "1, 8"
    assert row["Convention needed"] == "Yes"
    assert row["Jury scorecards"] == 0
    assert rows[submitted.reference]["Requested amount (EUR)"] == 12500.5
    assert rows[submitted.reference]["Decision"] is None


def test_the_jury_average_is_exported(admin, world, prize_world):
    criterion = ScoringCriterion.objects.create(
        call=prize_world.call, label="Ancrage local", weight=Decimal("2"), max_score=5
    )
    scored = prize_world.dossier(S.IN_JURY)
    assign_confirmed(scored, prize_world.juror, by=prize_world.administrator)
    services.save_scorecard(scored, prize_world.juror, {criterion.pk: 4}, submit=True)
    unscored = prize_world.dossier(S.IN_JURY)

    csv_found = by_reference(csv_rows(admin.get(CSV, {"call": prize_world.call.pk})))
    xlsx_found = by_reference(xlsx_rows(admin.get(XLSX, {"call": prize_world.call.pk})))

    assert csv_found[scored.reference]["Jury average (/20)"] == "16,00"  # 4/5 × 20
    assert csv_found[scored.reference]["Jury scorecards"] == "1"
    assert csv_found[unscored.reference]["Jury average (/20)"] == ""
    assert xlsx_found[scored.reference]["Jury average (/20)"] == 16
    assert xlsx_found[scored.reference]["Jury scorecards"] == 1


def test_exports_follow_the_filters_search_and_sort(admin, world, site):
    selected, submitted, _draft = site

    for url, read in ((CSV, csv_rows), (XLSX, xlsx_rows)):
        assert set(by_reference(read(admin.get(url, {"state": S.SELECTED})))) == {
            selected.reference
        }
        assert set(by_reference(read(admin.get(url, {"q": "jardin"})))) == {submitted.reference}
        assert set(by_reference(read(admin.get(url, {"district": District.SUD})))) == {
            selected.reference
        }
        ordered = [row[0] for row in read(admin.get(url, {"sort": "-reference"}))[1:]]
        assert ordered == sorted([selected.reference, submitted.reference], reverse=True)


def test_a_bad_filter_gives_the_list_with_the_error_not_a_file(admin, world, site):
    for url in (CSV, XLSX):
        response = admin.get(url, {"state": "accepted"})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert "not in the list" in response.content.decode()


FORMULAS = [
    '=HYPERLINK("http://example.com/x","Cliquez")',
    "+33 5 56 10 20 30",
    "@SUM(A1:A9)",
    "-2+3",
]


@pytest.fixture
def formulas(world):
    dossiers = []
    for text in FORMULAS:
        organization = OrganizationFactory(name=text)
        made = ApplicationFactory(call=world.call, organization=organization, title=text)
        dossiers.append(
            advance(made, S.SUBMITTED, {**world.actors, "applicant": world.member_of(organization)})
        )
    return dossiers


def test_csv_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(admin, world, formulas):
    rows = by_reference(csv_rows(admin.get(CSV)))

    for dossier, text in zip(formulas, FORMULAS, strict=True):
        assert rows[dossier.reference]["Project title"] == "'" + text
        assert rows[dossier.reference]["Organisation"] == "'" + text


def test_xlsx_cells_are_text_never_formulas(admin, world, formulas):
    response = admin.get(XLSX)
    sheet = load_workbook(io.BytesIO(content(response))).active
    titles = {}
    for row in sheet.iter_rows(min_row=2):
        titles[row[0].value] = row[4]

    for dossier, text in zip(formulas, FORMULAS, strict=True):
        cell = titles[dossier.reference]
        assert cell.value == text
        assert cell.data_type == "s"


def test_an_instructor_exports_only_the_dossiers_of_their_calls(client, world, prize_world, site):
    selected, submitted, _draft = site
    prize_world.dossier(S.SUBMITTED)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.instructor)

    assert set(by_reference(csv_rows(client.get(CSV)))) == {
        selected.reference,
        submitted.reference,
    }
    assert set(by_reference(xlsx_rows(client.get(XLSX)))) == {
        selected.reference,
        submitted.reference,
    }
    client.force_login(world.other_instructor)
    assert csv_rows(client.get(CSV)) == [HEADER]
    assert xlsx_rows(client.get(XLSX)) == [HEADER]


def export_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        data = content(client.get(url))
    return len(captured.captured_queries), data


def add(world, count):
    for _ in range(count):
        made = ApplicationFactory(call=world.call, organization=world.organization)
        advance(made, S.SUBMITTED, world.actors)


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_the_number_of_queries_does_not_grow_with_the_rows(admin, world, site, url):
    add(world, 3)
    few, few_data = export_queries(admin, url)
    add(world, 55)
    many, many_data = export_queries(admin, url)

    assert len(many_data) > len(few_data)
    assert few == many
    assert many <= 10
