"""The organisation's dashboard in plain words: for each dossier, what its state
means, what happens next, who acts, and the date of the last change."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web import page
from workflows.states import PLAIN_WORDS, WhoActs
from workflows.states import DossierState as S

DASHBOARD = "/tableau-de-bord/"


def row_of(response, dossier) -> str:
    """The text of the dashboard row of a dossier."""
    html = response.content.decode()
    start = html.index(f'href="/dossiers/{dossier.pk}/"')
    return unescape(" ".join(html[start : html.index("</tr>", start)].split()))


@pytest.mark.parametrize(
    "state, who",
    [
        (S.DRAFT, WhoActs.APPLICANT),
        (S.SUBMITTED, WhoActs.CITY),
        (S.INCOMPLETE, WhoActs.APPLICANT),
        (S.ELIGIBLE, WhoActs.CITY),
        (S.IN_CONSULTATION, WhoActs.GOVERNANCE),
        (S.IN_JURY, WhoActs.JURY),
        (S.AWAITING_DECISION, WhoActs.CITY),
        (S.NOTIFIED, WhoActs.NOBODY),
        (S.WITHDRAWN, WhoActs.NOBODY),
    ],
)
def test_each_dossier_says_its_state_the_next_step_and_who_acts(client, world, state, who):
    world.call.jury_scores = True
    world.call.save(update_fields=["jury_scores"])
    dossier = world.dossier(state)
    client.force_login(world.applicant)

    row = row_of(client.get(DASHBOARD), dossier)

    words = PLAIN_WORDS[state]
    assert str(state.label) in row
    assert str(words.sentence) in row
    assert str(words.next_step) in row
    assert f"Who acts: {who.label}" in row
    assert words.who == who


def test_every_state_has_its_own_words():
    sentences = [str(words.sentence) for words in PLAIN_WORDS.values()]
    assert set(PLAIN_WORDS) == set(S)
    assert len(set(sentences)) == len(sentences)
    for state, words in PLAIN_WORDS.items():
        assert str(words.sentence) != str(state.label)
        assert words.next_step


def test_the_last_change_is_the_date_of_the_last_state_change(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    row = row_of(client.get(DASHBOARD), dossier)

    dossier.refresh_from_db()
    assert f'datetime="{timezone.localtime(dossier.updated_at).isoformat()}"' in row


def test_the_dossier_page_says_the_same_in_plain_words(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.applicant)

    state = page(client.get(f"/dossiers/{dossier.pk}/")).text("state")

    words = PLAIN_WORDS[S.IN_CONSULTATION]
    assert str(words.sentence) in state
    assert str(words.next_step) in state
    assert str(WhoActs.GOVERNANCE.label) in state


def dashboard_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode().count('class="state"')


def test_the_organisation_dashboard_needs_at_most_10_queries_for_5_or_50_dossiers(client, world):
    states = [S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.SELECTED, S.INELIGIBLE]
    for state in states:
        world.dossier(state)
    client.force_login(world.applicant)
    few, listed_few = dashboard_queries(client)
    for index in range(45):
        world.dossier(states[index % len(states)])
    many, listed_many = dashboard_queries(client)

    assert (listed_few, listed_many) == (5, 50)
    assert few == many
    assert many <= 10
