"""Acting on dossiers through the API: the same single transition service as the
pages, its stale check, its conditions and messages; read-only tokens do not act."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Application, EligibilityCriterion
from reviews.models import EligibilityReview
from tests.api.helpers import bearer, token_for
from workflows.models import TransitionLog
from workflows.services import perform

pytestmark = pytest.mark.django_db


def act(client, dossier, transition, body, **headers):
    return client.post(
        f"/api/dossiers/{dossier.pk}/transitions/{transition}/",
        body,
        content_type="application/json",
        **headers,
    )


def test_the_caller_sees_the_actions_of_their_pages(client, world):
    dossier = world.dossier("submitted")
    client.force_login(world.instructor)
    answer = client.get(f"/api/dossiers/{dossier.pk}/transitions/").json()
    assert answer["state"] == "submitted" and answer["version"] == dossier.version
    names = {t["name"]: t for t in answer["transitions"]}
    assert set(names) == {"request_completion", "declare_eligible", "declare_ineligible"}
    assert names["declare_ineligible"]["needs"] == ["reason", "checklist"]

    client.force_login(world.applicant)
    answer = client.get(f"/api/dossiers/{dossier.pk}/transitions/").json()
    assert [t["name"] for t in answer["transitions"]] == ["withdraw"]
    assert answer["transitions"][0]["needs"] == ["reason"]

    client.force_login(world.other_applicant)
    assert client.get(f"/api/dossiers/{dossier.pk}/transitions/").status_code == 404


def test_a_read_and_write_token_acts_through_the_transition_service(client, world, on_commit):
    EligibilityCriterion.objects.create(call=world.call, label="Association loi 1901")
    dossier = world.dossier("submitted")
    secret = token_for(world.instructor, scope="read_write")
    criterion = EligibilityCriterion.objects.get()
    with on_commit():
        response = act(
            client,
            dossier,
            "declare_eligible",
            {
                "expected_version": dossier.version,
                "checklist": [{"criterion": criterion.pk, "passed": True}],
            },
            **bearer(secret),
        )
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["state"] == "eligible" and result["version"] == dossier.version + 1
    log = TransitionLog.objects.get(application=dossier, transition="declare_eligible")
    assert log.actor == world.instructor
    assert [e.get("criterion") or e["automatic"] for e in log.data["checklist"]][0] == criterion.pk
    assert EligibilityReview.objects.get(application=dossier).outcome == "eligible"


def test_a_stale_version_is_refused_with_the_pages_message(client, world):
    dossier = world.dossier("submitted")
    seen = dossier.version
    client.force_login(world.instructor)
    assert (
        act(
            client,
            dossier,
            "request_completion",
            {"expected_version": seen, "reason": "Ajoutez le budget."},
        ).status_code
        == 200
    )
    dossier.refresh_from_db()
    # Resubmitted: the same state as first seen, another version.
    client.force_login(world.applicant)
    assert act(client, dossier, "resubmit", {"expected_state": "incomplete"}).status_code == 200

    client.force_login(world.instructor)
    response = act(
        client, dossier, "request_completion", {"expected_version": seen, "reason": "Encore."}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "stale"
    assert "changed meanwhile" in problem["detail"]
    french = act(
        client,
        dossier,
        "request_completion",
        {"expected_state": "incomplete", "reason": "Encore."},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert french.status_code == 409 and "entre-temps" in french.json()["detail"]
    assert Application.objects.get(pk=dossier.pk).state == "submitted"


def test_the_client_must_say_what_it_saw(client, world):
    dossier = world.dossier("submitted")
    client.force_login(world.instructor)
    response = act(client, dossier, "request_completion", {"reason": "Ajoutez le budget."})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "expected_version"


def test_the_data_the_forms_require_are_required(client, world):
    dossier = world.dossier("awaiting_decision")
    client.force_login(world.administrator)
    base = {"expected_version": dossier.version}
    refused = act(client, dossier, "select", base)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "amount", "message": "Give the granted amount."}]
    wrong = act(client, dossier, "select", {**base, "amount": "beaucoup"})
    assert wrong.json()["errors"][0]["field"] == "amount"
    refusal = act(client, dossier, "decline", base)
    assert refusal.status_code == 422 and refusal.json()["errors"][0]["field"] == "reason"
    done = act(client, dossier, "select", {**base, "amount": 12000, "reason": "Utile."})
    assert done.status_code == 200 and done.json()["state"] == "selected"


def test_the_eligibility_checklist_is_required_as_on_its_page(client, world):
    EligibilityCriterion.objects.create(call=world.call, label="Siège à Bordeaux")
    dossier = world.dossier("submitted")
    client.force_login(world.instructor)
    response = act(client, dossier, "declare_eligible", {"expected_version": dossier.version})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "checklist"
    unknown = act(
        client,
        dossier,
        "declare_eligible",
        {"expected_version": dossier.version, "checklist": [{"criterion": 999, "passed": True}]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "checklist[0].criterion"


def test_the_consultation_opens_with_its_due_date(client, world):
    dossier = world.dossier("eligible")
    client.force_login(world.administrator)
    body = {"expected_version": dossier.version}
    assert act(client, dossier, "open_consultation", body).json()["errors"][0]["field"] == "due_at"
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    done = act(client, dossier, "open_consultation", {**body, "due_at": due})
    assert done.status_code == 200 and done.json()["state"] == "in_consultation"
    assert Application.objects.get(pk=dossier.pk).consultation_due_at.isoformat() == due


def test_who_may_see_but_not_act_is_refused_and_who_may_not_see_gets_404(client, world):
    dossier = world.dossier("awaiting_decision")
    body = {"expected_version": dossier.version, "amount": "100", "reason": "Non."}
    client.force_login(world.instructor)
    forbidden = act(client, dossier, "select", body)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    client.force_login(world.other_instructor)
    assert act(client, dossier, "select", body).status_code == 404
    client.force_login(world.administrator)
    assert act(client, dossier, "fly_away", body).status_code == 404
    assert act(client, dossier, "submit", body).status_code == 409  # not from this state
    assert Application.objects.get(pk=dossier.pk).state == "awaiting_decision"


def test_a_read_only_token_does_not_act(client, world):
    dossier = world.dossier("awaiting_decision")
    secret = token_for(world.administrator)  # read only
    body = {"expected_version": dossier.version, "amount": "1000"}
    response = act(client, dossier, "select", body, **bearer(secret))
    assert response.status_code == 403
    assert "read only" in response.json()["detail"]
    assert Application.objects.get(pk=dossier.pk).state == "awaiting_decision"
    assert (
        client.get(f"/api/dossiers/{dossier.pk}/transitions/", **bearer(secret)).status_code == 200
    )


def test_an_applicant_does_not_learn_of_an_undisclosed_decision(client, world):
    dossier = world.dossier("awaiting_decision")
    perform(dossier, "decline", world.administrator, reason="Hors périmètre.")
    client.force_login(world.applicant)
    answer = client.get(f"/api/dossiers/{dossier.pk}/transitions/").json()
    assert answer == {"state": "awaiting_decision", "version": None, "transitions": []}
