"""The laureates of the prize as open data: what the public pages show, for everybody,
and nothing of an edition before its laureates are published."""

import pytest

from calls.models import Objective
from tests.factories import PrizeFactory
from workflows.services import perform
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db


def laureates_of(world):
    world.call.objectives.set(Objective.objects.all())
    special = world.dossier(
        S.NOTIFIED,
        title="Épicerie solidaire du Grand Parc",
        objectives=[19, 21],
        districts=["chartrons"],
        data={"select": {"special_prize": "1"}},
    )
    highlighted = world.dossier(S.NOTIFIED, title="Maraude du jeudi", objectives=[3])
    world.dossier(S.SELECTED, title="Action choisie mais pas encore annoncée")
    refused = world.dossier(S.NOT_SELECTED, title="Action non retenue")
    perform(refused, "notify", world.administrator)
    return special, highlighted


def test_everybody_reads_the_laureates_of_published_editions(client, prize_world):
    world = prize_world
    special, highlighted = laureates_of(world)
    assert client.get("/api/laureates/").json() == []
    assert client.get(f"/api/laureates/{world.call.pk}/").status_code == 404

    world.call.laureates_published = True
    world.call.save()
    editions = client.get("/api/laureates/").json()
    assert len(editions) == 1
    edition = editions[0]
    assert edition["edition"]["id"] == world.call.pk
    assert edition["edition"]["title"] == world.call.title
    first, second = edition["laureates"]
    assert first["title"] == special.title and first["special_prize"] is True
    assert first["organization"] == {"name": special.organization.name}
    assert first["objectives"] == [19, 21]
    assert second["title"] == highlighted.title and second["special_prize"] is False
    # No amount: the laureates pages show none.
    assert "amount" not in first and "requested_amount" not in first

    detail = client.get(f"/api/laureates/{world.call.pk}/").json()
    assert detail == edition
    by_objective = client.get(f"/api/laureates/{world.call.pk}/?objective=3").json()
    assert [a["title"] for a in by_objective["laureates"]] == [highlighted.title]
    wrong = client.get(f"/api/laureates/{world.call.pk}/?objective=0&district=paris")
    assert wrong.status_code == 400
    assert {e["field"] for e in wrong.json()["errors"]} == {"objective", "district"}


def test_an_unpublished_edition_shows_nothing(client, prize_world):
    world = prize_world
    laureates_of(world)
    world.call.laureates_published = True
    world.call.is_published = False
    world.call.save()
    hidden = PrizeFactory(is_published=True, laureates_published=False)
    assert client.get("/api/laureates/").json() == []
    for call in (world.call, hidden):
        assert client.get(f"/api/laureates/{call.pk}/").status_code == 404
