"""The dashboard: the user's dossiers, counted by state, filtered by state and call,
fifty a page, in a number of queries that does not grow with the number of dossiers;
members of an organisation start a draft from it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Application
from tests.factories import ApplicationFactory, CallFactory
from workflows.states import DossierState as S

from . import listed_ids, other_dossier, page

DASHBOARD = "/tableau-de-bord/"


def test_filters_by_state_and_by_call(client, world):
    submitted = world.dossier(S.SUBMITTED)
    eligible = world.dossier(S.ELIGIBLE)
    other_call = CallFactory()
    elsewhere = ApplicationFactory(call=other_call, organization=world.organization)
    client.force_login(world.applicant)

    assert listed_ids(client.get(DASHBOARD)) == {submitted.pk, eligible.pk, elsewhere.pk}
    assert listed_ids(client.get(DASHBOARD, {"state": S.SUBMITTED})) == {submitted.pk}
    assert listed_ids(client.get(DASHBOARD, {"call": other_call.pk})) == {elsewhere.pk}
    both = client.get(DASHBOARD, {"call": world.call.pk, "state": S.ELIGIBLE})
    assert listed_ids(both) == {eligible.pk}


def test_counts_each_state_among_the_dossiers_the_user_sees(client, world):
    for state in (S.SUBMITTED, S.SUBMITTED, S.ELIGIBLE, S.DRAFT):
        world.dossier(state)
    other_dossier(world, S.SUBMITTED)  # another organisation's: not counted
    client.force_login(world.applicant)

    response = client.get(DASHBOARD)

    counts = page(response).text("content")
    assert f"{S.SUBMITTED.label} (2)" in counts
    assert f"{S.ELIGIBLE.label} (1)" in counts
    assert f"{S.DRAFT.label} (1)" in counts
    assert "(4)" in counts  # all states
    assert str(S.NOTIFIED.label) + " (" not in counts


@pytest.mark.parametrize(
    "params, message",
    [
        ({"state": "accepted"}, "This state does not exist"),
        ({"call": "999999"}, "This call does not exist"),
        ({"call": "abc"}, "This call does not exist"),
    ],
)
def test_a_bad_filter_is_explained_not_a_crash(client, world, params, message):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = client.get(DASHBOARD, params)

    assert response.status_code == 400
    assert message in page(response).text("content")
    assert listed_ids(response) == {dossier.pk}


def test_a_call_without_visible_dossiers_cannot_be_used_to_probe(client, world):
    other_dossier(world, S.SUBMITTED)
    foreign_call = CallFactory(title="Appel d'une autre association")
    ApplicationFactory(call=foreign_call, organization=world.other_organization)
    client.force_login(world.applicant)

    response = client.get(DASHBOARD, {"call": foreign_call.pk})

    assert response.status_code == 400
    assert listed_ids(response) == set()
    assert "Appel d'une autre association" not in response.content.decode()


def test_fifty_dossiers_a_page(client, world):
    ApplicationFactory.create_batch(55, call=world.call, organization=world.organization)
    client.force_login(world.applicant)

    first = client.get(DASHBOARD)
    second = client.get(DASHBOARD, {"page": "2"})
    beyond = client.get(DASHBOARD, {"page": "99"})
    garbage = client.get(DASHBOARD, {"page": "deux"})

    assert len(listed_ids(first)) == 50
    assert len(listed_ids(second)) == 5
    assert listed_ids(first).isdisjoint(listed_ids(second))
    assert listed_ids(first) | listed_ids(second) == set(
        Application.objects.values_list("pk", flat=True)
    )
    assert listed_ids(beyond) == listed_ids(second)
    assert listed_ids(garbage) == listed_ids(first)
    assert 'href="?page=2"' in first.content.decode()


def test_pages_keep_the_filters(client, world):
    ApplicationFactory.create_batch(51, call=world.call, organization=world.organization)
    client.force_login(world.applicant)

    response = client.get(DASHBOARD, {"state": S.DRAFT, "call": world.call.pk})

    assert f'href="?state=draft&amp;call={world.call.pk}&amp;page=2"' in response.content.decode()


def dashboard_queries(client, **params) -> tuple[int, int]:
    """(number of SQL queries, number of dossiers listed) of one dashboard page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return len(queries.captured_queries), len(listed_ids(response))


def add_dossiers(world, count):
    states = [S.SUBMITTED, S.ELIGIBLE, S.INCOMPLETE]
    for index in range(count):
        world.dossier(states[index % 3])


def test_the_administrator_dashboard_needs_the_same_few_queries_for_5_or_60_dossiers(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.administrator)
    add_dossiers(world, 5)
    with django_assert_max_num_queries(10):
        few, listed_few = dashboard_queries(client)
    add_dossiers(world, 55)
    with django_assert_max_num_queries(10):
        many, listed_many = dashboard_queries(client)
    with django_assert_max_num_queries(10):
        filtered, listed_filtered = dashboard_queries(client, state=S.SUBMITTED, call=world.call.pk)

    assert (listed_few, listed_many, listed_filtered) == (5, 50, 21)  # 60 dossiers, 1 in 3
    assert few == many
    assert filtered == few + 1  # the call of the filter is looked up


@pytest.mark.parametrize("role", ["applicant", "instructor"])
def test_other_dashboards_do_not_grow_with_the_number_of_dossiers(client, world, role):
    client.force_login(world.roles()[role])
    add_dossiers(world, 5)
    few, listed_few = dashboard_queries(client)
    add_dossiers(world, 55)
    many, listed_many = dashboard_queries(client)

    assert listed_many > listed_few
    assert few == many


@pytest.mark.parametrize(
    "role, headline",
    [
        ("applicant", "My organisation's dossiers"),
        ("instructor", "Dossiers to instruct"),
        ("governance", "Dossiers submitted to your governance body"),
        ("juror", "Dossiers assigned to you as a juror"),
        ("administrator", "All dossiers"),
    ],
)
def test_the_headline_says_whose_dossiers_these_are(client, world, role, headline):
    client.force_login(world.roles()[role])

    response = client.get(DASHBOARD)

    h1s = page(response).all("h1")
    assert len(h1s) == 1
    assert f"<h1>{headline}</h1>".replace("'", "&#x27;") in response.content.decode()


def test_an_applicant_starts_a_draft_from_the_dashboard(client, world):
    client.force_login(world.applicant)
    form = page(client.get(DASHBOARD))
    assert {"id_draft_call", "id_draft_organization", "id_draft_title"} <= {
        attrs.get("id") for attrs in form.fields()
    }

    response = client.post(
        "/dossiers/nouveau/",
        {
            "call": world.call.pk,
            "organization": world.organization.pk,
            "title": "Permanences d'accès aux droits",
        },
    )

    dossier = Application.objects.get(title="Permanences d'accès aux droits")
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{dossier.pk}/"
    assert (dossier.state, dossier.organization, dossier.created_by) == (
        S.DRAFT,
        world.organization,
        world.applicant,
    )
    shown = client.get(response["Location"])
    assert dossier.reference in page(shown).text("content")


@pytest.mark.parametrize(
    "change, field",
    [
        ("other_organization", "organization"),
        ("closed_call", "call"),
        ("blank_title", "title"),
    ],
)
def test_a_draft_is_refused_for_a_wrong_choice(client, world, change, field):
    data = {"call": world.call.pk, "organization": world.organization.pk, "title": "Projet"}
    if change == "other_organization":
        data["organization"] = world.other_organization.pk
    elif change == "closed_call":
        now = timezone.now()
        closed = CallFactory(opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
        data["call"] = closed.pk
    else:
        data["title"] = "   "
    client.force_login(world.applicant)

    response = client.post("/dossiers/nouveau/", data)

    assert response.status_code == 400
    assert page(response).text(f"id_draft_{field}_error")
    assert not Application.objects.exists()


def test_staff_without_an_organisation_get_no_draft_form(client, world):
    client.force_login(world.instructor)

    assert "id_draft_call" not in response_ids(client.get(DASHBOARD))
    response = client.post(
        "/dossiers/nouveau/",
        {"call": world.call.pk, "organization": world.organization.pk, "title": "Projet"},
    )
    assert response.status_code == 302
    assert not Application.objects.exists()


def response_ids(response):
    return {attrs.get("id") for attrs in page(response).fields()}
