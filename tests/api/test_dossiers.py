"""Dossiers through the API: the same people see the same dossiers as on their pages,
filtered and paged by a cursor; a dossier one may not see is not found."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Application
from tests.api.helpers import bearer, token_for
from tests.factories import ApplicationFactory, CallFactory, assign_confirmed
from workflows.services import perform

pytestmark = pytest.mark.django_db


def listed(client, query="", **headers):
    response = client.get(f"/api/dossiers/{query}", **headers)
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_each_role_sees_the_dossiers_of_its_pages(client, world):
    ours = world.dossier("submitted")
    theirs = world.dossier("submitted", organization=world.other_organization)
    draft = world.dossier("draft")
    assigned = world.dossier("submitted", organization=world.other_organization)
    assign_confirmed(assigned, world.juror, world.administrator)
    elsewhere = ApplicationFactory(call=CallFactory(), organization=world.other_organization)

    expected = {
        world.applicant: {ours, draft},
        world.other_applicant: {theirs, assigned, elsewhere},
        world.instructor: {ours, theirs, assigned},
        world.other_instructor: set(),
        world.governance: set(),  # nothing is in consultation
        world.juror: {assigned},
        world.administrator: {ours, theirs, assigned},
    }
    for user, dossiers in expected.items():
        client.force_login(user)
        assert set(listed(client)) == {d.reference for d in dossiers}, user.email
        for dossier in Application.objects.all():
            answer = client.get(f"/api/dossiers/{dossier.pk}/")
            assert answer.status_code == (200 if dossier in dossiers else 404), (
                user.email,
                dossier.reference,
            )


def test_a_forbidden_dossier_answers_like_an_unknown_one(client, world):
    dossier = world.dossier("submitted")
    client.force_login(world.other_applicant)
    forbidden = client.get(f"/api/dossiers/{dossier.pk}/")
    unknown = client.get("/api/dossiers/999999/")
    assert forbidden.status_code == unknown.status_code == 404
    assert {**forbidden.json(), "instance": ""} == {**unknown.json(), "instance": ""}


def test_anonymous_callers_are_asked_for_a_token(client, world):
    world.dossier("submitted")
    response = client.get("/api/dossiers/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_reads_what_its_owner_reads(client, world):
    dossier = world.dossier("submitted")
    secret = token_for(world.instructor)
    assert listed(client, **bearer(secret)) == [dossier.reference]
    detail = client.get(f"/api/dossiers/{dossier.pk}/", **bearer(secret)).json()
    assert detail["reference"] == dossier.reference
    assert detail["version"] == dossier.version
    assert detail["attachments"][0]["document"] == "Statuts de l'association"


def test_an_undisclosed_decision_stays_undisclosed(client, world):
    from tests.staff.test_access_matrix import Scene

    scene = Scene(world, None)
    dossier = scene.dossier("awaiting_decision")
    client.force_login(world.applicant)
    moment = timezone.now()
    since = moment.isoformat()
    perform(dossier, "select", world.administrator, amount="12000", reason="Projet utile.")

    row = client.get("/api/dossiers/").json()["results"][0]
    assert row["state"] == "awaiting_decision"
    assert client.get(f"/api/dossiers/{dossier.pk}/").json()["decision"] is None
    # The decision's time does not show either: neither as the date, nor by a filter.
    assert datetime.fromisoformat(row["updated_at"]) < moment
    assert listed(client, "?" + _q(updated_since=since)) == []
    refused = client.get("/api/dossiers/?state=selected")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "state"

    client.force_login(world.administrator)
    detail = client.get(f"/api/dossiers/{dossier.pk}/").json()
    assert detail["state"] == "selected"
    assert detail["decision"]["amount"] == "12000.00"
    assert listed(client, "?" + _q(updated_since=since)) == [dossier.reference]


def _q(**params):
    from urllib.parse import urlencode

    return urlencode(params)


def test_filters(client, world):
    other_call = CallFactory(documents=())
    other_call.instructors.add(world.instructor)
    first = world.dossier("submitted", objectives=(1, 2), districts=["bastide", "centre"])
    second = world.dossier("submitted", objectives=(3,), districts=["chartrons"])
    third = world.dossier("incomplete", objectives=(2,))
    fourth = ApplicationFactory(call=other_call, organization=world.organization)
    perform(fourth, "submit", world.applicant)
    Application.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(days=3))
    client.force_login(world.instructor)
    refs = lambda **params: set(listed(client, "?" + _q(**params)))  # noqa: E731
    assert refs() == {d.reference for d in (first, second, third, fourth)}
    assert refs(call=other_call.pk) == {fourth.reference}
    assert refs(state="incomplete") == {third.reference}
    assert refs(objective=2) == {first.reference, third.reference}
    assert refs(district="bastide") == {first.reference}
    assert refs(district="centre", objective=2) == {first.reference}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert refs(updated_since=since) == {d.reference for d in (second, third, fourth)}
    assert refs(call=999999) == set()


def test_wrong_filter_values_are_explained_in_french_or_english(client, world):
    client.force_login(world.administrator)
    query = "?state=decided&district=merignac&objective=29&updated_since=hier&call=x"
    problem = client.get("/api/dossiers/" + query).json()
    assert problem["status"] == 400 and problem["code"] == "invalid"
    errors = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(errors) == {"state", "district", "objective", "updated_since", "call"}
    assert "“decided” is not a state" in errors["state"] and "awaiting_decision" in errors["state"]
    assert "bastide" in errors["district"]
    assert errors["objective"] == "Give the number of an objective, 1 to 28."
    assert "ISO 8601" in errors["updated_since"]
    french = client.get("/api/dossiers/" + query, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["title"] == "Requête invalide"
    messages = {e["field"]: e["message"] for e in french["errors"]}
    assert messages["objective"] == "Donnez le numéro d'un objectif, de 1 à 28."

    cursor = client.get("/api/dossiers/?cursor=nonsense").json()
    assert cursor["status"] == 400 and cursor["code"] == "invalid_cursor"
    assert client.get("/api/dossiers/?page_size=500").status_code == 400


def test_pages_follow_a_cursor_without_repeats_while_dossiers_change(client, world):
    dossiers = [world.dossier("submitted") for _ in range(5)]
    client.force_login(world.administrator)
    page = client.get("/api/dossiers/?page_size=2").json()
    seen = [row["id"] for row in page["results"]]
    # A dossier seen on the first page changes: it moves to the top, the pages after
    # the cursor neither skip nor repeat another one.
    Application.objects.filter(pk=seen[0]).update(updated_at=timezone.now())
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert sorted(seen) == sorted(d.pk for d in dossiers)
    assert len(seen) == 5


def test_the_list_reads_a_constant_number_of_queries(client, world):
    secret = token_for(world.administrator)
    world.dossier("submitted")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/dossiers/", **bearer(secret)).status_code == 200
        return len(queries)

    count()  # the token's first use is recorded
    few = count()
    for _number in range(12):
        ApplicationFactory(
            call=world.call, organization=world.other_organization, objectives=(1, 2)
        )
    Application.objects.update(state="submitted")
    assert len(client.get("/api/dossiers/", **bearer(secret)).json()["results"]) == 13
    assert count() == few
