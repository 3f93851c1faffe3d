"""The page of the objectives, and what every public page gives a keyboard or
screen-reader user: one h1, headings in order, lists, times, unique ids, labels."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Objective
from tests.factories import CallFactory
from tests.public.test_home import published_edition
from tests.web import page
from workflows.states import DossierState as S

from . import get, words

HEADING = re.compile(r"<h([1-6])[\s>]")


def test_objectives_page_has_an_anchor_per_objective(client, db):
    response = get(client, "/objectifs/")

    assert response.status_code == 200
    html = page(response)
    for objective in Objective.objects.all():
        assert html.text(f"objectif-{objective.number}") == words(
            f"Objective {objective.number} {objective.text}"
        )
    headings = [int(level) for level in HEADING.findall(response.content.decode())]
    assert headings.count(1) == 1 and headings.count(2) == 2 and headings.count(3) == 9


def test_an_objective_link_of_a_call_page_lands_on_its_objective(client, world):
    call_page = page(get(client, f"/appels/{world.call.pk}/"))
    hrefs = [a["href"] for a in call_page.all("a") if "#objectif-" in a.get("href", "")]
    assert hrefs

    for href in hrefs:
        path, anchor = href.split("#")
        target = page(get(client, path))
        assert target.text(anchor).startswith("Objective "), href


def public_pages(client, world, prize_world):
    published_edition(prize_world)
    prize_world.dossier(S.NOTIFIED, data={"select": {"special_prize": "1"}})
    CallFactory(opens_at=timezone.now() + timedelta(days=3))
    pages = {
        "home": get(client, "/"),
        "calls": get(client, "/appels/"),
        "call (anonymous)": get(client, f"/appels/{world.call.pk}/"),
        "prize": get(client, f"/appels/{prize_world.call.pk}/"),
        "objectives": get(client, "/objectifs/"),
    }
    client.force_login(world.applicant)
    pages["call (member)"] = get(client, f"/appels/{world.call.pk}/")
    pages["home (member)"] = get(client, "/")
    return pages


def test_public_pages_are_usable_with_a_screen_reader(client, world, prize_world):
    for name, response in public_pages(client, world, prize_world).items():
        html = page(response)
        assert response.status_code == 200, name
        levels = [int(level) for level in HEADING.findall(response.content.decode())]
        assert levels.count(1) == 1 and levels[0] == 1, name
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (name, levels)  # no level skipped
        assert html.unlabelled_fields() == [], name
        ids = [attrs["id"] for _tag, attrs in html.tags if attrs.get("id")]
        assert len(ids) == len(set(ids)), name
        for section in html.all("section"):
            labelled_by = section.get("aria-labelledby")
            assert labelled_by and labelled_by in ids, (name, section)
        assert all(t.get("datetime") for t in html.all("time")), name


@pytest.mark.parametrize("url", ["/", "/appels/"])
def test_dates_of_the_lists_are_times(client, world, url):
    html = page(get(client, url))

    datetimes = [t["datetime"] for t in html.all("time")]
    assert timezone.localtime(world.call.closes_at).isoformat() in datetimes
