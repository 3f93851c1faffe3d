"""The home page: what the scheme is, its axes and 28 objectives word for word, the
calls open now and those coming, the laureates of the published prize editions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Axis, Objective, Orientation
from tests.factories import CallFactory, PrizeFactory
from tests.web import page
from workflows.services import perform
from workflows.states import DossierState as S

from . import get, section, words


def test_home_shows_the_28_objectives_word_for_word_under_their_orientation(client, db):
    response = get(client, "/")

    assert response.status_code == 200
    html = page(response)
    objectives = list(Objective.objects.select_related("orientation"))
    assert len(objectives) == 28
    for objective in objectives:
        shown = html.text(f"objectif-{objective.number}")
        assert shown == words(f"Objective {objective.number} {objective.text}")
    orientations = list(Orientation.objects.prefetch_related("objectives"))
    assert len(orientations) == 9
    for orientation in orientations:
        group = html.text(f"orientation-{orientation.position}")
        assert group.startswith(words(orientation.title))
        for objective in objectives:
            belongs = objective.orientation_id == orientation.pk
            assert (words(objective.text) in group) is belongs, (orientation, objective.number)


def test_home_shows_the_two_axes_with_their_description_and_orientations(client, db):
    html = page(get(client, "/"))

    axes = list(Axis.objects.prefetch_related("orientations"))
    assert len(axes) == 2
    for axis in axes:
        shown = html.text(f"axe-{axis.position}")
        assert words(axis.title) in shown
        assert words(axis.description) in shown
        for orientation in Orientation.objects.all():
            belongs = orientation.axis_id == axis.pk
            assert (words(orientation.title) in shown) is belongs


def test_home_says_what_the_scheme_is(client, db):
    response = get(client, "/")

    intro = page(response).text("content")
    assert "solidarity scheme of the City of Bordeaux" in intro
    assert "calls for expressions of interest (AMI)" in intro
    assert "four actions carried by associations receive a special prize" in intro


def test_home_lists_open_and_coming_calls_apart(client, db):
    now = timezone.now()
    open_call = CallFactory(title="AMI Lien social", closes_at=now + timedelta(days=3, hours=2))
    coming = CallFactory(
        title="AMI Pas encore ouvert",
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=30),
    )
    CallFactory(
        title="AMI Déjà clos", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )
    CallFactory(title="AMI Brouillon de la Ville", is_published=False)
    CallFactory(
        title="AMI Brouillon à venir",
        is_published=False,
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=30),
    )

    response = get(client, "/")

    open_now = section(response, "calls-open")
    upcoming = section(response, "calls-coming")
    assert "AMI Lien social" in open_now and "Closes in 3 days" in open_now
    assert "AMI Pas encore ouvert" not in open_now
    assert "AMI Pas encore ouvert" in upcoming and "AMI Lien social" not in upcoming
    everything = page(response).text("content")
    for hidden in ("AMI Déjà clos", "AMI Brouillon de la Ville", "AMI Brouillon à venir"):
        assert hidden not in everything
    html = response.content.decode()
    assert f'href="/appels/{open_call.pk}/"' in html
    assert f'href="/appels/{coming.pk}/"' in html


def test_home_says_when_no_call_is_open_or_coming(client, db):
    response = get(client, "/")

    assert "No call is open at the moment." in section(response, "calls-open")
    assert "No call is announced at the moment." in section(response, "calls-coming")


def published_edition(world):
    """The world's prize edition, targeting every objective, its laureates published."""
    world.call.laureates_published = True
    world.call.save()
    world.call.objectives.set(Objective.objects.all())
    return world


def notified_not_selected(world):
    dossier = world.dossier(S.NOT_SELECTED, title="Action non retenue")
    perform(dossier, "notify", world.administrator)
    return dossier


def test_laureates_are_the_notified_highlighted_actions_of_published_editions(client, prize_world):
    world = published_edition(prize_world)
    special = world.dossier(
        S.NOTIFIED,
        title="Épicerie solidaire du Grand Parc",
        objectives=[19, 21],
        data={"select": {"special_prize": "1"}},
    )
    highlighted = world.dossier(S.NOTIFIED, title="Maraude du jeudi", objectives=[3])
    world.dossier(S.SELECTED, title="Action choisie mais pas encore annoncée")
    notified_not_selected(world)
    reopened = world.dossier(S.SELECTED, title="Décision rouverte")
    perform(reopened, "reopen", world.administrator, reason="Erreur de saisie.")

    response = get(client, "/")

    laureates = section(response, "laureates")
    assert world.call.title in laureates
    assert "Épicerie solidaire du Grand Parc" in laureates
    assert "Maraude du jeudi" in laureates
    for absent in ("pas encore annoncée", "Action non retenue", "Décision rouverte"):
        assert absent not in laureates
    html = page(response)
    items = [words(item).replace(" ,", ",") for item in laureates.split("Carried by")]
    assert len(items) == 3  # two laureates
    # The special prize is written out, first, on its action only.
    assert items[0].endswith("Épicerie solidaire du Grand Parc Special prize")
    assert "Special prize" not in items[1] + items[2]
    assert "Objectives: 19, 21" in items[1]
    assert "Objectives: 3" in items[2]
    assert special.organization.name in laureates and highlighted.organization.name in laureates
    links = {a.get("href") for a in html.all("a")}
    assert {"/objectifs/#objectif-19", "/objectifs/#objectif-21"} <= links


def test_no_laureates_before_the_edition_publishes_them(client, prize_world):
    world = prize_world
    world.dossier(S.NOTIFIED, title="Épicerie solidaire du Grand Parc")
    hidden_edition = PrizeFactory(is_published=False, laureates_published=True)
    world.call = hidden_edition
    world.dossier(S.DRAFT, title="Brouillon d'une édition non publiée")

    response = get(client, "/")

    assert "Épicerie solidaire du Grand Parc" not in response.content.decode()
    assert page(response).text("laureates") == ""


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get(client, "/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "applicant"])
def test_home_queries_do_not_grow_with_calls_and_laureates(
    client, prize_world, django_assert_max_num_queries, logged_in
):
    world = published_edition(prize_world)
    if logged_in:
        client.force_login(world.applicant)
    world.dossier(S.NOTIFIED, objectives=[1, 2])
    baseline = home_queries(client)  # 1 call, 1 laureate

    now = timezone.now()
    for days in range(4):
        CallFactory(opens_at=now + timedelta(days=days + 1), closes_at=now + timedelta(days=40))
    for number in range(9):
        world.dossier(
            S.NOTIFIED,
            objectives=[number + 1, number + 2],
            data={"select": {"special_prize": "1"}} if number < 3 else None,
        )

    with django_assert_max_num_queries(baseline):
        response = get(client, "/")
    assert len(page(response).all("li")) >= 10 + 5 + 28


def test_home_without_laureates_needs_no_more_queries(
    client, prize_world, django_assert_max_num_queries
):
    world = published_edition(prize_world)
    baseline = home_queries(client)  # no laureate yet
    for _ in range(10):
        world.dossier(S.NOTIFIED)

    # One more query at most: the objectives of the laureates, fetched once for all.
    with django_assert_max_num_queries(baseline + 1):
        response = get(client, "/")
    assert section(response, "laureates").count("Carried by") == 10


def test_administrators_publish_the_laureates_in_the_admin(admin_client, prize_world):
    response = admin_client.get(f"/admin/calls/call/{prize_world.call.pk}/change/")

    assert response.status_code == 200
    assert 'name="laureates_published"' in response.content.decode()
