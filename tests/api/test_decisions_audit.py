"""The administrators' endpoints: the decisions (for the City's finance and archiving
systems) and the audit trail, as on their pages; anybody else is answered 404."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from calls.models import Application
from reviews.models import Decision
from tests.api.helpers import bearer, token_for
from tests.staff.test_access_matrix import Scene
from workflows.audit import record_event
from workflows.models import TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db


def get(client, path, **params):
    return client.get(path + (f"?{urlencode(params)}" if params else ""))


def test_administrators_read_the_decisions_of_every_call(client, world):
    scene = Scene(world, None)
    granted = scene.dossier(S.SELECTED)
    notified = scene.dossier(S.NOTIFIED)
    scene.dossier(S.AWAITING_DECISION)  # no decision yet
    client.force_login(world.administrator)

    rows = get(client, "/api/decisions/").json()["results"]
    assert [r["dossier"]["reference"] for r in rows] == [notified.reference, granted.reference]
    row = rows[1]
    assert row["outcome"] == "selected" and row["amount"] == "12000.00"
    assert row["motivation"] == "Projet ancré dans le quartier."
    assert row["decided_by"] == world.administrator.email
    assert row["call"]["id"] == world.call.pk and row["is_current"] is True
    assert row["organization"]["name"] == world.organization.name
    assert row["dossier"]["state"] == "selected"

    by_state = get(client, "/api/decisions/", state="notified").json()["results"]
    assert [r["dossier"]["reference"] for r in by_state] == [notified.reference]
    assert get(client, "/api/decisions/", call=scene.other_call.pk).json()["results"] == []
    detail = client.get(f"/api/decisions/{row['id']}/").json()
    assert detail == row


def test_updated_since_catches_a_notification_after_the_decision(client, world):
    scene = Scene(world, None)
    dossier = scene.dossier(S.SELECTED)
    Decision.objects.filter(application=dossier).update(
        decided_at=timezone.now() - timedelta(days=2)
    )
    Application.objects.filter(pk=dossier.pk).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    client.force_login(world.administrator)
    assert get(client, "/api/decisions/", updated_since=since).json()["results"] == []
    perform(Application.objects.get(pk=dossier.pk), "notify", world.administrator)
    rows = get(client, "/api/decisions/", updated_since=since).json()["results"]
    assert [r["dossier"]["state"] for r in rows] == ["notified"]


def test_a_reopened_decision_leaves_the_list_but_can_still_be_read(client, world):
    scene = Scene(world, None)
    dossier = scene.dossier(S.SELECTED)
    decision = Decision.objects.get(application=dossier)
    perform(dossier, "reopen", world.administrator, reason="Montant à revoir.")
    client.force_login(world.administrator)
    assert get(client, "/api/decisions/").json()["results"] == []
    assert client.get(f"/api/decisions/{decision.pk}/").json()["is_current"] is False


def test_decisions_are_paged_by_a_cursor(client, world):
    scene = Scene(world, None)
    dossiers = [scene.dossier(S.SELECTED) for _ in range(3)]
    client.force_login(world.administrator)
    page = get(client, "/api/decisions/", page_size=2).json()
    seen = [r["dossier"]["id"] for r in page["results"]]
    assert len(seen) == 2
    seen += [r["dossier"]["id"] for r in client.get(page["next"]).json()["results"]]
    assert sorted(seen) == sorted(d.pk for d in dossiers)
    wrong = get(client, "/api/decisions/", state="awaiting_decision", page_size=0).json()
    assert wrong["status"] == 400
    assert {e["field"] for e in wrong["errors"]} == {"state", "page_size"}


def test_nobody_but_administrators_reads_decisions_or_the_trail(client, world):
    scene = Scene(world, None)
    dossier = scene.dossier(S.SELECTED)
    decision = Decision.objects.get(application=dossier)
    paths = ["/api/decisions/", f"/api/decisions/{decision.pk}/", "/api/audit/"]
    for path in paths:
        assert client.get(path).status_code == 401
    for role, user in world.roles().items():
        if role == "administrator":
            continue
        client.force_login(user)
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 404, (role, path)
            assert answer["Content-Type"] == "application/problem+json"
    # A token of an instructor reads what the instructor reads: not the decisions.
    client.logout()
    secret = token_for(world.instructor)
    assert client.get("/api/decisions/", **bearer(secret)).status_code == 404
    secret = token_for(world.administrator)
    assert client.get("/api/decisions/", **bearer(secret)).status_code == 200


def test_the_audit_trail_lists_transitions_and_events_filtered_as_on_the_page(client, world):
    dossier = world.dossier("submitted")
    other = world.dossier("submitted", organization=world.other_organization)
    record_event(
        "jury.assigned",
        actor=world.administrator,
        application=other,
        subject_user=world.juror,
        reason="Premier jury",
    )
    client.force_login(world.administrator)

    entries = get(client, "/api/audit/").json()["results"]
    assert entries[0]["event"] == "jury.assigned" and entries[0]["kind"] == "event"
    assert entries[0]["label"] == "Juror assigned" and entries[0]["reason"] == "Premier jury"
    assert entries[0]["actor"] == world.administrator.email
    assert entries[0]["dossier"] == {"id": other.pk, "reference": other.reference}
    submits = [e for e in entries if e["event"] == "transition:submit"]
    assert {e["dossier"]["reference"] for e in submits} == {dossier.reference, other.reference}
    assert submits[0]["kind"] == "transition" and submits[0]["label"] == "Submit the dossier"

    def events(**params):
        return [
            (e["event"], e["dossier"]["reference"])
            for e in get(client, "/api/audit/", **params).json()["results"]
        ]

    assert events(dossier=dossier.reference) == [("transition:submit", dossier.reference)]
    assert events(actor="voisin") == [("transition:submit", other.reference)]
    assert events(event="jury.assigned") == [("jury.assigned", other.reference)]
    assert len(events(call=world.call.pk)) == 3
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert events(since=tomorrow.isoformat()) == []
    assert len(events(until=tomorrow.isoformat())) == 3
    french = client.get("/api/audit/?event=nothing&since=hier", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["status"] == 400
    assert {e["field"] for e in french["errors"]} == {"event", "since"}
    assert "Indiquez une date" in {e["field"]: e["message"] for e in french["errors"]}["since"]


def test_the_trail_pages_follow_a_cursor_and_skip_nothing_added_meanwhile(client, world):
    dossiers = [world.dossier("submitted") for _ in range(5)]
    client.force_login(world.administrator)
    page = get(client, "/api/audit/", page_size=2).json()
    seen = [e["dossier"]["id"] for e in page["results"]]
    # A new entry at the top does not shift the pages after the cursor.
    world.dossier("submitted")
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [e["dossier"]["id"] for e in page["results"]]
    assert sorted(seen) == sorted(d.pk for d in dossiers)
    assert TransitionLog.objects.count() == 6
    broken = client.get("/api/audit/?cursor=bm90LWEtY3Vyc29y").json()
    assert broken["status"] == 400 and broken["code"] == "invalid_cursor"
