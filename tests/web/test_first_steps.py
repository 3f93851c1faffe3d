"""A new applicant's empty dashboard explains the three steps (organisation, dossier on
an open call, submission), with buttons to take the next one."""

from django.urls import reverse

from tests.factories import CallFactory, MembershipFactory, UserFactory
from workflows import rules

from . import page

DASHBOARD = reverse("dashboard")


def hrefs(response) -> set:
    return {a.get("href") for a in page(response).all("a")}


def test_without_organisation_the_first_step_is_to_create_one(client, db):
    CallFactory()
    client.force_login(UserFactory())

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    panel = page(response).text("first-steps-panel")
    for step in (
        "Create or join your organisation",
        "Start a dossier on an open call",
        "Complete and submit your dossier",
    ):
        assert step in panel
    assert 'id="first-step-1" class="first-step" aria-current="step"' in response.content.decode()
    assert reverse("org_create") in hrefs(response)
    assert reverse("public_call_list") in hrefs(response)
    # Nothing to filter yet: no filter form to puzzle over.
    assert 'class="filters"' not in response.content.decode()


def test_a_member_is_sent_to_the_open_calls_and_the_draft_form(client, db):
    CallFactory()
    membership = MembershipFactory()
    client.force_login(membership.user)

    response = client.get(DASHBOARD)
    html = response.content.decode()

    assert "first-step-done" in html
    assert 'id="first-step-2" class="first-step" aria-current="step"' in html
    assert "1 call is open to applications now." in page(response).text("first-steps-panel")
    assert "#new-dossier" in hrefs(response)
    assert 'id="new-dossier"' in html


def test_with_no_open_call_it_says_so(client, db):
    client.force_login(MembershipFactory().user)

    panel = page(client.get(DASHBOARD)).text("first-steps-panel")

    assert "No call is open to applications right now." in panel


def test_the_steps_go_once_there_is_a_dossier(client, world):
    world.dossier()
    client.force_login(world.applicant)

    html = client.get(DASHBOARD).content.decode()

    assert "first-steps-panel" not in html
    assert 'class="filters"' in html


def test_staff_never_see_the_applicant_steps(client, db):
    client.force_login(UserFactory(roles=[rules.INSTRUCTORS]))

    assert "first-steps-panel" not in client.get(DASHBOARD).content.decode()


def test_the_steps_in_french(client, db):
    client.force_login(UserFactory())

    response = client.get(DASHBOARD, headers={"accept-language": "fr"})

    assert "Créer une organisation" in page(response).text("first-steps-panel")
