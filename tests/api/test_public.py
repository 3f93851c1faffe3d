"""The public endpoints of the API: objectives and calls, the schema and its page."""

import pytest

from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_objectives_are_the_28_of_the_scheme(client):
    response = client.get("/api/objectives/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    objectives = response.json()
    assert [o["number"] for o in objectives] == list(range(1, 29))
    assert set(objectives[0]) == {"number", "text", "orientation", "axis"}
    assert client.get("/api/objectives/7/").json()["number"] == 7


def test_an_unknown_objective_is_a_problem_in_english_or_french(client):
    response = client.get("/api/objectives/29/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["title"] == "Not found"
    assert problem["instance"] == "/api/objectives/29/"
    assert problem["type"].startswith("urn:")
    french = client.get("/api/objectives/29/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["title"] == "Introuvable"
    assert french["detail"] != problem["detail"]


def test_a_huge_id_is_not_found_not_an_overflow(client):
    assert client.get("/api/calls/99999999999999999999999/").status_code == 404
    assert client.get("/api/objectives/123456789012345678/").status_code == 404


def test_any_other_path_under_api_is_a_problem(client):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_sees_published_calls_with_their_public_fields(client, world):
    hidden = CallFactory(is_published=False, title="Appel en préparation")
    calls = client.get("/api/calls/").json()
    assert [c["id"] for c in calls] == [world.call.pk]
    call = calls[0]
    assert call["full"] is False
    assert call["title"] == world.call.title
    assert "instructors" not in call and "is_published" not in call
    assert client.get(f"/api/calls/{hidden.pk}/").status_code == 404


def test_staff_who_manage_a_call_see_it_whole(client, world):
    hidden = CallFactory(is_published=False)
    client.force_login(world.administrator)
    calls = {c["id"]: c for c in client.get("/api/calls/").json()}
    assert set(calls) == {world.call.pk, hidden.pk}
    assert calls[hidden.pk]["full"] is True
    assert calls[world.call.pk]["instructors"] == [world.instructor.email]

    client.force_login(world.other_instructor)
    call = client.get(f"/api/calls/{world.call.pk}/").json()
    assert call["full"] is False and "instructors" not in call
    assert client.get(f"/api/calls/{hidden.pk}/").status_code == 404

    client.force_login(world.instructor)
    assert client.get(f"/api/calls/{world.call.pk}/").json()["full"] is True


def test_the_schema_is_openapi_3_and_documents_problems(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "Problem" in schema["components"]["schemas"]
    assert "/api/calls/{id}/" in schema["paths"]


def test_the_documentation_page_uses_only_this_sites_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_the_schema_is_valid_and_generated_without_warnings():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())
    assert "/api/decisions/" in out.getvalue() and "/api/laureates/{id}/" in out.getvalue()


def test_the_staff_fields_of_a_call_are_optional_in_the_schema(client):
    """A public call has none of them: the schema must not require any."""
    from api.serializers import STAFF_CALL_FIELDS

    schema = client.get("/api/schema/?format=json").json()
    required = set(schema["components"]["schemas"]["Call"]["required"])
    assert not required & set(STAFF_CALL_FIELDS)
