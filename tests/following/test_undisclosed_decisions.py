"""A decision is not disclosed to the applicant before it is notified: until then the
dossier shows as awaiting decision (or, for ineligibility, as being examined), on the
dashboard, in its counts and filter, on the dossier page and in its history. Staff
see the decision at once."""

from html import unescape

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from calls import selectors
from tests.web import detail_url, listed_ids, page
from workflows.services import perform
from workflows.states import DossierState as S

DASHBOARD = "/tableau-de-bord/"

DECLINE_REASON = "Le projet ne répond pas assez précisément au besoin identifié."
INELIGIBLE_REASON = "Le porteur n'a pas son siège à Bordeaux."
SELECT_REASON = "Projet innovant et bien ancré dans le quartier."


def shown_state(response) -> str:
    html = response.content.decode()
    start = html.index('class="current-state"')
    strong = html.index('<strong class="state">', start) + len('<strong class="state">')
    return unescape(html[strong : html.index("</strong>", strong)])


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize(
    "state, shown, reason",
    [
        (S.SELECTED, S.AWAITING_DECISION, SELECT_REASON),
        (S.NOT_SELECTED, S.AWAITING_DECISION, DECLINE_REASON),
        (S.INELIGIBLE, S.SUBMITTED, INELIGIBLE_REASON),
    ],
)
def test_the_applicant_does_not_see_a_decision_before_it_is_notified(
    client, world, state, shown, reason
):
    dossier = world.dossier(state)
    client.force_login(world.applicant)

    response = client.get(detail_url(dossier))

    assert shown_state(response) == str(shown.label)
    content = text(response)
    assert str(state.label) not in page(response).text("content")
    assert reason not in content
    assert "Decision taken" not in content
    assert "Dossier declared ineligible" not in content
    row = client.get(DASHBOARD)
    assert listed_ids(row) == {dossier.pk}
    assert str(shown.label) in page(row).text("content")
    assert str(state.label) not in page(row).text("content")


@pytest.mark.parametrize(
    "state, reason",
    [
        (S.SELECTED, SELECT_REASON),
        (S.NOT_SELECTED, DECLINE_REASON),
        (S.INELIGIBLE, INELIGIBLE_REASON),
    ],
)
@pytest.mark.parametrize("role", ["administrator", "instructor"])
def test_staff_see_the_decision_at_once(client, world, state, reason, role):
    dossier = world.dossier(state)
    client.force_login(world.roles()[role])

    response = client.get(detail_url(dossier))

    assert shown_state(response) == str(state.label)
    assert reason in text(response)
    assert str(state.label) in page(client.get(DASHBOARD)).text("content")


@pytest.mark.parametrize(
    "state, outcome, reason",
    [
        (S.SELECTED, S.SELECTED, SELECT_REASON),
        (S.NOT_SELECTED, S.NOT_SELECTED, DECLINE_REASON),
        (S.INELIGIBLE, S.INELIGIBLE, INELIGIBLE_REASON),
    ],
)
def test_once_notified_the_history_tells_the_decision(client, world, state, outcome, reason):
    dossier = world.dossier(state)
    perform(dossier, "notify", world.administrator)
    client.force_login(world.applicant)

    response = client.get(detail_url(dossier))

    assert shown_state(response) == str(S.NOTIFIED.label)
    history = unescape(page(response).text("content"))
    assert f"Decision notified: {outcome.label}" in history
    assert f"Motivation: {reason}" in history


def test_a_reopened_decision_leaves_no_trace_for_the_applicant(client, world):
    dossier = world.dossier(S.NOT_SELECTED)
    perform(dossier, "reopen", world.administrator, reason="Recours gracieux du porteur.")
    perform(dossier, "select", world.administrator, amount="8000", reason="Après recours.")
    client.force_login(world.applicant)

    before = text(client.get(detail_url(dossier)))
    assert "Recours gracieux du porteur." not in before
    assert DECLINE_REASON not in before
    assert "Après recours." not in before

    perform(dossier, "notify", world.administrator)
    after = client.get(detail_url(dossier))
    history = unescape(page(after).text("content"))
    assert f"Decision notified: {S.SELECTED.label}" in history
    assert "Motivation: Après recours." in history
    assert DECLINE_REASON not in history
    assert "Recours gracieux du porteur." not in history
    assert "8,000.00 €" in history  # the decision section, once notified (English page)


def test_the_counts_and_the_state_filter_follow_what_the_applicant_may_see(client, world):
    awaiting = world.dossier(S.AWAITING_DECISION)
    selected = world.dossier(S.SELECTED)
    declined = world.dossier(S.NOT_SELECTED)
    ineligible = world.dossier(S.INELIGIBLE)
    submitted = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = client.get(DASHBOARD)
    counts = unescape(page(response).text("content"))
    assert f"{S.AWAITING_DECISION.label} (3)" in counts
    assert f"{S.SUBMITTED.label} (2)" in counts
    for hidden in (S.SELECTED, S.NOT_SELECTED, S.INELIGIBLE):
        assert f"{hidden.label} (" not in counts
        assert f'value="{hidden.value}"' not in response.content.decode()  # filter choices

    by_state = client.get(DASHBOARD, {"state": S.AWAITING_DECISION})
    assert listed_ids(by_state) == {awaiting.pk, selected.pk, declined.pk}
    assert listed_ids(client.get(DASHBOARD, {"state": S.SUBMITTED})) == {
        submitted.pk,
        ineligible.pk,
    }
    refused = client.get(DASHBOARD, {"state": S.SELECTED})
    assert refused.status_code == 400
    assert listed_ids(refused) == {
        d.pk for d in (awaiting, selected, declined, ineligible, submitted)
    }


def test_staff_count_and_filter_the_real_states(client, world):
    world.dossier(S.AWAITING_DECISION)
    selected = world.dossier(S.SELECTED)
    client.force_login(world.administrator)

    counts = unescape(page(client.get(DASHBOARD)).text("content"))
    assert f"{S.AWAITING_DECISION.label} (1)" in counts
    assert f"{S.SELECTED.label} (1)" in counts
    assert listed_ids(client.get(DASHBOARD, {"state": S.SELECTED})) == {selected.pk}


def test_the_date_of_an_undisclosed_decision_does_not_show(client, world):
    dossier = world.dossier(S.SELECTED)
    client.force_login(world.applicant)

    html = client.get(DASHBOARD).content.decode()

    before_decision = dossier.transition_logs.get(transition="to_decision").at
    assert f'datetime="{timezone.localtime(before_decision).isoformat()}"' in html


def test_the_decision_emails_are_not_in_the_history_before_notification(client, world, on_commit):
    with on_commit():
        dossier = world.dossier(S.NOT_SELECTED)
    client.force_login(world.applicant)
    subjects = [e.subject for e in dossier.emails.filter(event="decline")]
    assert subjects

    assert subjects[0] not in text(client.get(detail_url(dossier)))
    with on_commit():
        perform(dossier, "notify", world.administrator)
    assert subjects[0] in text(client.get(detail_url(dossier)))


def test_shown_state_by_state_and_by_dossier(world):
    dossier = world.dossier(S.INELIGIBLE)

    assert selectors.shown_state(world.applicant, dossier) == S.SUBMITTED
    assert selectors.shown_state(world.applicant, S.SELECTED) == S.AWAITING_DECISION
    assert selectors.shown_state(world.instructor, dossier) == S.INELIGIBLE
    assert selectors.shown_state(world.administrator, S.SELECTED) == S.SELECTED
    assert selectors.states_shown_as(world.applicant, S.SELECTED) == []


def test_the_decision_letter_is_offered_once_notified(client, world):
    try:
        reverse("outbox_decision_letter", kwargs={"pk": 1})
    except NoReverseMatch:
        pytest.skip("the decision letters are not built yet")
    dossier = world.dossier(S.SELECTED)
    letter = reverse("outbox_decision_letter", kwargs={"pk": dossier.pk})
    client.force_login(world.applicant)

    assert letter not in client.get(detail_url(dossier)).content.decode()
    perform(dossier, "notify", world.administrator)
    assert f'href="{letter}"' in client.get(detail_url(dossier)).content.decode()
