"""Leaving an organisation: a confirmation step, then the member no longer sees it nor
its dossiers; the last member cannot leave (the organisation would be orphaned)."""

import pytest
from django.conf import settings

from accounts import services
from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.web import detail_url, page
from workflows import rules
from workflows.states import DossierState as S


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def colleague(world):
    """A second member of the world's organisation."""
    return MembershipFactory(organization=world.organization, user__email="lea@example.org").user


def leave_url(organization) -> str:
    return f"/organisations/{organization.pk}/quitter/"


def test_leaving_asks_for_confirmation_first(client, english, world, colleague):
    client.force_login(world.applicant)

    response = client.get(leave_url(world.organization))

    assert response.status_code == 200
    html = page(response)
    assert "no longer see the organisation's dossiers" in html.text("content")
    assert any(form.get("method") == "post" for form in html.all("form"))
    assert Membership.objects.filter(user=world.applicant).exists()


def test_a_member_leaves_and_no_longer_sees_the_organisation_nor_its_dossiers(
    client, english, world, colleague
):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)
    assert client.get(detail_url(dossier)).status_code == 200

    response = client.post(leave_url(world.organization))

    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    listing = page(client.get("/organisations/")).text("content")
    assert "You left the organisation" in listing
    assert "not a member of any organisation yet" in listing
    assert not Membership.objects.filter(user=world.applicant).exists()
    assert client.get(f"/organisations/{world.organization.pk}/").status_code == 404
    assert client.get(detail_url(dossier)).status_code == 404
    # The other member keeps the organisation and its dossier.
    client.force_login(colleague)
    assert client.get(detail_url(dossier)).status_code == 200


def test_the_last_member_cannot_leave(client, english, world):
    client.force_login(world.applicant)

    shown = client.get(leave_url(world.organization))
    response = client.post(leave_url(world.organization))

    assert "You are the last member of this organisation" in page(shown).text("content")
    assert not any(
        form.get("action") == leave_url(world.organization) for form in page(shown).all("form")
    )
    assert response.status_code == 400
    assert "Invite another member first" in page(response).text("error")
    assert Membership.objects.filter(user=world.applicant).exists()


def test_once_a_colleague_has_left_the_remaining_member_cannot_leave(db, world, colleague):
    services.leave(colleague, world.organization)

    with pytest.raises(services.LastMember):
        services.leave(world.applicant, world.organization)

    assert list(world.organization.members.all()) == [world.applicant]


def test_leaving_is_seen_at_once_by_the_permission_rules(db, world, colleague):
    assert world.organization.pk in rules.organization_ids(colleague)  # cached on the user

    services.leave(colleague, world.organization)

    assert world.organization.pk not in rules.organization_ids(colleague)


def test_a_non_member_cannot_leave(client, english, world):
    client.force_login(world.other_applicant)

    assert client.post(leave_url(world.organization)).status_code == 404
    with pytest.raises(services.NotAMember):
        services.leave(world.other_applicant, world.organization)
    assert Membership.objects.filter(organization=world.organization).count() == 1


def test_the_only_member_is_told_on_the_organisation_page(client, english, world, colleague):
    client.force_login(world.applicant)
    with_two = page(client.get(f"/organisations/{world.organization.pk}/"))
    Membership.objects.filter(user=colleague).delete()

    alone = page(client.get(f"/organisations/{world.organization.pk}/"))

    assert leave_url(world.organization) in {a.get("href") for a in with_two.all("a")}
    assert leave_url(world.organization) not in {a.get("href") for a in alone.all("a")}
    assert "You are its only member" in alone.text("content")
