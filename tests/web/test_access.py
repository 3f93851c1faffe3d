"""Who sees what: each role's dashboard lists exactly the dossiers whose page it may
open, and a forbidden dossier answers 404 on every URL (its id leaks nothing)."""

import re

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from calls.models import Application
from reviews.models import JurorAssignment
from workflows import rules
from workflows.models import TransitionLog
from workflows.states import DossierState as S

from . import action_url, detail_url, listed_ids, other_dossier

STATES = [
    S.DRAFT,
    S.SUBMITTED,
    S.INCOMPLETE,
    S.ELIGIBLE,
    S.INELIGIBLE,
    S.IN_CONSULTATION,
    S.IN_JURY,
    S.AWAITING_DECISION,
    S.NOTIFIED,
    S.WITHDRAWN,
]


@pytest.fixture
def dossiers(world):
    """Dossiers in many states for two organisations; the juror is assigned to two."""
    world.call.jury_scores = True
    world.call.save(update_fields=["jury_scores"])
    built = [world.dossier(state) for state in STATES]
    built += [other_dossier(world, state) for state in STATES]
    for dossier in built:
        if dossier.state == S.IN_JURY:
            assign_perm(f"calls.{rules.SCORE_PERMISSION}", world.juror, dossier)
            # Confirmed having no conflict of interest: the juror reads the dossier.
            JurorAssignment.objects.create(
                application=dossier, juror=world.juror, confirmed_at=timezone.now()
            )
    return built


@pytest.mark.parametrize(
    "role",
    [
        "applicant",
        "other_applicant",
        "instructor",
        "other_instructor",
        "governance",
        "juror",
        "administrator",
    ],
)
def test_dashboard_lists_exactly_the_dossiers_the_user_may_open(client, world, dossiers, role):
    user = world.roles()[role]
    client.force_login(user)

    response = client.get("/tableau-de-bord/")

    assert response.status_code == 200
    listed = listed_ids(response)
    allowed = {d.pk for d in Application.objects.all() if rules.can_view(user, d)}
    assert listed == allowed
    for dossier in dossiers:
        expected = 200 if dossier.pk in listed else 404
        assert client.get(detail_url(dossier)).status_code == expected, (role, dossier.state)


def test_each_role_sees_something_and_not_everything(client, world, dossiers):
    """Guards the test above against a fixture in which every set is empty or full."""
    seen = {}
    for role, user in world.roles().items():
        client.force_login(user)
        seen[role] = listed_ids(client.get("/tableau-de-bord/"))
    everything = {d.pk for d in dossiers}
    drafts = {d.pk for d in dossiers if d.state == S.DRAFT}
    # Drafts belong to the applicant alone, administrators included.
    assert seen["administrator"] == everything - drafts
    assert seen["other_instructor"] == set()
    for role in ("applicant", "other_applicant", "instructor", "governance", "juror"):
        assert seen[role], role
        assert seen[role] < everything, role
    assert seen["applicant"].isdisjoint(seen["other_applicant"])
    assert seen["instructor"].isdisjoint(drafts)


def test_an_applicant_gets_404_on_the_pages_of_another_organisation(client, world):
    theirs = other_dossier(world, S.SUBMITTED)
    client.force_login(world.applicant)

    assert client.get(detail_url(theirs)).status_code == 404
    response = client.post(
        action_url(theirs, "withdraw"),
        {"expected_state": S.SUBMITTED, "reason": "Je retire ce dossier."},
    )
    assert response.status_code == 404
    response = client.post(f"/dossiers/{theirs.pk}/messages/", {"body": "Bonjour"})
    assert response.status_code == 404

    theirs.refresh_from_db()
    assert theirs.state == S.SUBMITTED
    assert not theirs.messages.exists()


def test_an_unknown_dossier_answers_like_a_forbidden_one(client, world):
    theirs = other_dossier(world, S.SUBMITTED)
    client.force_login(world.applicant)
    missing = Application.objects.order_by("-pk").first().pk + 1000

    forbidden = client.get(detail_url(theirs))
    unknown = client.get(f"/dossiers/{missing}/")

    assert forbidden.status_code == unknown.status_code == 404

    def alike(response, path):
        """The page without what differs on every page: its own address (the language
        switch comes back to it) and the form security token (new on every answer)."""
        html = response.content.decode().replace(path, "PATH")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)

    assert alike(forbidden, detail_url(theirs)) == alike(unknown, f"/dossiers/{missing}/")


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/tableau-de-bord/"),
        ("get", "/dossiers/{pk}/"),
        ("post", "/dossiers/{pk}/actions/submit/"),
        ("post", "/dossiers/{pk}/messages/"),
        ("get", "/dossiers/nouveau/"),
        ("get", "/dossiers/{pk}/retirer/"),
        ("post", "/dossiers/{pk}/retirer/"),
        ("get", "/dossiers/{pk}/messages/1/piece-jointe/"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, method, url):
    dossier = world.dossier(S.DRAFT)
    url = url.format(pk=dossier.pk)

    response = getattr(client, method)(url, {"expected_state": S.DRAFT})

    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/?next=")
    assert not TransitionLog.objects.filter(application=dossier).exists()


def test_actions_only_accept_post(client, world):
    dossier = world.dossier(S.DRAFT)
    client.force_login(world.applicant)

    response = client.get(action_url(dossier, "submit"))

    assert response.status_code == 405
    dossier.refresh_from_db()
    assert dossier.state == S.DRAFT
