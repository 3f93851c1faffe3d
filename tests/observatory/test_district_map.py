"""The map of the districts on the observatory pages: one tile per district where it
lies, shaded by its number of dossiers, with its legend; the table stays its text
alternative."""

import re

import pytest
from django.urls import reverse

from calls import observatory
from calls.models import District
from calls.observatory import Figures, Observatory, Row
from tests.observatory.test_figures import scene  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _tile(html, key):
    match = re.search(rf'<g data-district="{key}">(.*?)</g>', html, flags=re.S)
    assert match, f"no tile for {key}"
    return match.group(1)


def test_the_map_shades_each_district_by_its_dossiers(scene, client):  # noqa: F811
    administrator, call, _other = scene
    client.force_login(administrator)
    html = client.get(reverse("staff_observatory") + f"?call={call.pk}").content.decode()
    assert 'role="img" aria-labelledby="map-title map-desc"' in html
    assert html.count("<g data-district=") == 8
    # Bordeaux Sud, the most dossiers (6), is the darkest tile, its text white.
    sud = _tile(html, "sud")
    assert 'fill="#1d4f91"' in sud and 'fill="#ffffff">6</text>' in sud
    assert ">Bordeaux Sud</text>" in sud
    # Centre-ville (3 of 6) is a light shade, its text dark.
    centre = _tile(html, "centre")
    assert 'fill="#9dbde6"' in centre and 'fill="#1a1a1a">3</text>' in centre
    # Caudéran, no dossier: white, dashed, said in words.
    cauderan = _tile(html, "cauderan")
    assert 'stroke-dasharray="4 3"' in cauderan and "no dossier" in cauderan
    # The long names are written one part a line.
    chartrons = _tile(html, "chartrons")
    assert ">Chartrons</text>" in chartrons and ">Jardin Public</text>" in chartrons
    # The legend names the numbers of each shade in use.
    legend = html[html.index('class="map-legend"') : html.index("</ul>", html.index("map-legend"))]
    assert "1 to 2 dossiers" in legend and "6 dossiers" in legend
    assert "no dossier (dashed border)" in legend
    # Places: La Bastide right of Chartrons on the same line, Maritime above it.
    assert 'x="244" y="94"' in _tile(html, "bastide")
    assert 'x="122" y="0"' in _tile(html, "maritime")


def test_the_shades_split_the_numbers_in_quarters():
    assert [observatory._shade(value, 6) for value in range(1, 7)] == [0, 0, 1, 2, 2, 3]
    assert observatory.map_legend(6) == [
        {"shade": 0, "fill": "#e8f0fa", "low": 1, "high": 2},
        {"shade": 1, "fill": "#9dbde6", "low": 3, "high": 3},
        {"shade": 2, "fill": "#3a6db0", "low": 4, "high": 5},
        {"shade": 3, "fill": "#1d4f91", "low": 6, "high": 6},
    ]
    # A single dossier at most: one shade, the lightest.
    assert observatory.map_legend(1) == [{"shade": 0, "fill": "#e8f0fa", "low": 1, "high": 1}]


def test_a_hidden_count_is_a_grey_tile_and_no_dossier_anywhere_has_no_legend():
    rows = [Row(code, label, Figures()) for code, label in District.choices]
    rows[0].figures.submitted = None  # hidden (public page, 1 to 4 dossiers)
    result = Observatory(
        calls=[], total=Figures(), objectives=[], districts=rows, kinds=[], channels=[]
    )
    drawn = observatory.district_map(result)
    hidden = drawn["tiles"][0]
    assert (hidden["fill"], hidden["value"], hidden["covered"]) == ("#e5e7eb", "< 5", True)
    assert all(tile["fill"] == "#ffffff" for tile in drawn["tiles"][1:])
    assert drawn["legend"] == []
    assert (drawn["width"], drawn["height"]) == (360, 370)


def test_the_public_page_draws_the_map_with_its_masked_shade(client):
    html = client.get(reverse("public_observatory")).content.decode()
    assert html.count("<g data-district=") == 8
    assert 'aria-labelledby="map-title map-desc"' in html
