"""The observatory's pages: the staff figures (administrators and instructors), the
public page (anybody, small cells hidden) and its CSV and JSON downloads."""

import json

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.observatory.test_figures import scene  # noqa: F401 (fixture)
from workflows import rules

pytestmark = pytest.mark.django_db


def _page(client, user, url):
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _table(html, caption_id):
    start = html.index(f'id="{caption_id}"')
    return html[start : html.index("</table>", start)]


def test_the_administrator_reads_the_hand_counted_figures(scene, client):  # noqa: F811
    administrator, call, _other = scene
    html = _page(client, administrator, reverse("staff_observatory") + f"?call={call.pk}")
    assert "<h1>Observatory</h1>" in html
    total = _table(html, "total-caption")
    # 11 dossiers past the draft, 6 eligible, 2 selected, 16,500 EUR granted, 180 people.
    assert "<td>11</td>" in total and "<td>6</td>" in total and "<td>2</td>" in total
    assert "<td>180</td>" in total and "16,500.00" in total
    districts = _table(html, "districts-caption")
    assert "<td>6</td>" in districts  # sud
    assert 'class="uncovered-row"' in districts and "no dossier" in districts
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    # Bordeaux Sud, the most dossiers (6), draws the widest bar; Centre-ville (3) half.
    assert 'width="240" height="18"' in html and 'width="120" height="18"' in html
    assert 'viewBox="0 0 360 368"' in html  # eight districts of 46 units
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    # Each objective's row names it and quotes its wording.
    assert 'Objective 1 <span class="objective-text">' in html
    uncovered = html[html.index('id="uncovered-districts"') :]
    assert "Caudéran — no dossier" in uncovered
    # The menu leads to the page.
    assert f'href="{reverse("staff_observatory")}"' in _page(client, None, reverse("staff_home"))


def test_an_instructor_reads_the_calls_they_instruct(scene, client):  # noqa: F811
    _administrator, _call, other = scene
    instructor = UserFactory(roles=[rules.INSTRUCTORS])
    other.instructors.add(instructor)
    html = _page(client, instructor, reverse("staff_observatory"))
    assert "<td>1</td>" in _table(html, "total-caption")


def test_others_get_404(scene, client):  # noqa: F811
    client.force_login(UserFactory(roles=[rules.JURORS]))
    assert client.get(reverse("staff_observatory")).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("staff_observatory")).status_code == 404


def test_nonsense_filters_fall_back_with_a_message(scene, client):  # noqa: F811
    administrator, _call, _other = scene
    url = reverse("staff_observatory") + "?call=abc&year=99999&kind=nope"
    html = _page(client, administrator, url)
    assert "These filters were not understood and were ignored" in html
    assert "Call, Year, Kind of call." in html
    # Every call: the twelve dossiers past the draft.
    assert "<td>12</td>" in _table(html, "total-caption")


def test_the_public_page_hides_small_cells(scene, client):  # noqa: F811
    html = _page(client, None, reverse("public_observatory"))
    total = _table(html, "total-caption")
    assert "<td>&lt; 5</td>" in total and "<td>1</td>" in total  # one laureate
    assert "Licence Ouverte / Open Licence 2.0" in html
    assert f'href="{reverse("public_observatory_csv")}"' in html
    assert f'href="{reverse("public_observatory_json")}"' in html
    assert f'href="{reverse("public_observatory")}"' in _page(client, None, reverse("home"))


def test_the_csv_download(scene, client):  # noqa: F811
    response = client.get(reverse("public_observatory_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffbreakdown;key;label;submitted;")
    lines = text.splitlines()
    # A hidden count is "< 5", the amount requested with it "masked".
    assert lines[1] == "total;;;< 5;< 5;1;masked;9000,00;100;1"
    assert len(lines) == 1 + 1 + 28 + 8 + 4 + 4


def test_the_json_download(scene, client):  # noqa: F811
    response = client.get(reverse("public_observatory_json") + "?kind=nope")
    data = json.loads(response.content)
    assert data["licence"].startswith("Licence Ouverte")
    assert data["ignored_filters"] == ["kind"]
    assert data["total"]["submitted"] == "< 5" and data["total"]["granted"] == "9000.00"
    assert data["total"]["requested"] == "masked"
    assert data["masked_values"] == {"count": "< 5", "amount": "masked"}
    assert len(data["districts"]) == 8


def test_the_pages_speak_french(scene):  # noqa: F811
    from django.test import Client

    administrator, _call, _other = scene
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(administrator)
    html = french.get(reverse("staff_observatory") + "?year=abc").content.decode()
    assert "<h1>Observatoire</h1>" in html
    assert "Caudéran — aucun dossier" in html
    assert "Ces filtres n’ont pas été compris et ont été ignorés" in html and "Année." in html
    public = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("public_observatory")).content.decode()
    assert "Licence Ouverte / Open Licence 2.0" in public and "&lt; 5" in public
    assert "Observatoire du dispositif" in public


def _cells(row_html):
    return [cell.split(">", 1)[1] for cell in row_html.split("<td")[1:]]


def test_a_hidden_amount_is_a_word_not_less_than_five_euros(scene, client):  # noqa: F811
    html = _page(client, None, reverse("public_observatory"))
    total = _table(html, "total-caption")
    submitted, eligible, selected, requested, granted, people = _cells(total.split("<tbody>")[1])
    # Counts hidden as "< 5"; the amount requested hidden as a word, explained.
    assert submitted.startswith("&lt; 5</td>") and eligible.startswith("&lt; 5</td>")
    assert selected.startswith("1</td>")
    assert "&lt;" not in requested
    assert '<span class="masked" title="fewer than 5 dossiers">masked' in requested
    assert '<span class="visually-hidden"> (fewer than 5 dossiers)</span>' in requested
    assert granted.startswith("9,000.00</td>") and people.startswith("100</td>")
    # No amount column anywhere reads "< 5".
    for row in html.split("<tr")[1:]:
        cells = _cells(row.split("</tr>", 1)[0])
        if len(cells) == 6:
            assert all("&lt;" not in cell for cell in cells[3:])
    assert "and the amount requested with it as “masked”" in html


def test_a_hidden_amount_in_french(scene):  # noqa: F811
    from django.test import Client

    html = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("public_observatory")).content.decode()
    total = _table(html, "total-caption")
    assert '<span class="masked" title="moins de 5 dossiers">masqué' in total
    assert "«\u00a0masqué\u00a0»" in html


def test_the_objective_texts_are_whole(scene, client):  # noqa: F811
    from django.utils.html import escape

    from calls.models import Objective

    administrator, _call, _other = scene
    pages = [
        _page(client, None, reverse("public_observatory")),
        _page(client, administrator, reverse("staff_observatory")),
    ]
    for html in pages:
        for objective in Objective.objects.all():
            # Word for word, the bulleted items of objective 12 included.
            assert f'<span class="objective-text">{escape(objective.text)}</span>' in html
        tables = html[html.index('id="objectives-title"') : html.index('id="districts-title"')]
        assert "…" not in tables and "..." not in tables
