"""The City's address cannot be used to relay phishing: an organisation's name carries
no link and no email address; invitations are limited per member, per organisation and
per invited address each day, with a message saying so; the invitation email names the
inviter by their verified address and says the City did not write it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Organization
from tests.factories import MembershipFactory, verified_email
from tests.web import page


@pytest.fixture
def member(db):
    user = MembershipFactory(
        organization__name="Association Les Amis du Quartier", user__email="ines@example.org"
    ).user
    verified_email(user)
    return user


@pytest.fixture
def organization(member):
    return member.organizations.get()


def invite(client, on_commit, organization, email):
    with on_commit():
        return client.post(f"/organisations/{organization.pk}/inviter/", {"email": email})


PROFILE = {"kind": "association", "siret": "", "rna": "", "address": "", "phone": ""}


@pytest.mark.parametrize(
    "name",
    [
        "Ville de Bordeaux – https://bordeaux-aides.example/connexion",
        "Ville de Bordeaux – www.aides-bordeaux.fr",
        "Aides sociales bordeaux-aides.fr",
        "Mairie hxxp://bit.ly/abc",
    ],
)
def test_an_organisation_name_with_a_web_address_is_refused(client, member, name):
    client.force_login(member)

    response = client.post(
        "/organisations/nouvelle/", {"name": name, "contact_email": "", **PROFILE}
    )

    assert response.status_code == 400
    assert "may not contain a web address" in page(response).text("id_org_name_error")
    assert not Organization.objects.filter(name=name).exists()


def test_an_organisation_name_with_an_email_address_is_refused(client, member, organization):
    client.force_login(member)

    response = client.post(
        f"/organisations/{organization.pk}/modifier/",
        {"name": "Ville de Bordeaux, écrivez à aides@bordeaux-aide.example", **PROFILE},
    )

    assert response.status_code == 400
    assert "may not contain an email address" in page(response).text("id_org_name_error")
    organization.refresh_from_db()
    assert organization.name == "Association Les Amis du Quartier"


def test_ordinary_names_with_dots_are_accepted(client, member):
    client.force_login(member)
    for name in ("Assoc. Les Amis du Quai", "A.S.B.L. Saint-Michel", "Le 1.2.3 Soleil"):
        response = client.post("/organisations/nouvelle/", {"name": name, **PROFILE})
        assert response.status_code == 302, name


def test_the_invitation_names_the_inviter_and_says_the_city_did_not_write_it(
    client, member, organization, on_commit
):
    client.force_login(member)

    invite(client, on_commit, organization, "paul@example.org")

    message = mail.outbox[0]
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert "ines@example.org vous invite" in body
        assert "demandée par ines@example.org (adresse vérifiée)" in body
        assert "la Ville de Bordeaux n'a pas écrit ce texte" in body


def test_an_inviter_without_a_verified_address_cannot_invite(client, db, on_commit):
    unverified = MembershipFactory(user__email="nouveau@example.org").user
    client.force_login(unverified)

    response = invite(client, on_commit, unverified.organizations.get(), "paul@example.org")

    assert response.status_code == 400
    assert "Confirm your own email address before inviting" in page(response).text("content")
    assert mail.outbox == []


def test_invitations_are_limited_per_member_per_day(
    client, member, organization, on_commit, settings
):
    settings.INVITATIONS_PER_USER_PER_DAY = 3
    client.force_login(member)
    statuses = [
        invite(client, on_commit, organization, f"personne{n}@example.org").status_code
        for n in range(4)
    ]

    assert statuses == [302, 302, 302, 400]
    assert len(mail.outbox) == 3
    response = invite(client, on_commit, organization, "autre@example.org")
    assert "You have sent 3 invitations in the last 24 hours" in page(response).text("content")
    # A day later the member may invite again.
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert invite(client, on_commit, organization, "autre@example.org").status_code == 302


def test_invitations_are_limited_per_organisation_per_day(
    client, member, organization, on_commit, settings
):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 2
    colleague = MembershipFactory(organization=organization, user__email="lea@example.org").user
    verified_email(colleague)
    client.force_login(member)
    invite(client, on_commit, organization, "a@example.org")
    invite(client, on_commit, organization, "b@example.org")
    client.force_login(colleague)

    response = invite(client, on_commit, organization, "c@example.org")

    assert response.status_code == 400
    assert "Association Les Amis du Quartier has sent 2 invitations in the last 24 hours" in page(
        response
    ).text("content")
    assert len(mail.outbox) == 2


def test_one_address_receives_at_most_three_invitations_a_day(
    client, member, organization, on_commit
):
    other = MembershipFactory(user__email="karim@example.org").user
    verified_email(other)
    client.force_login(member)
    for _ in range(2):
        invite(client, on_commit, organization, "paul@example.org")
    client.force_login(other)
    invite(client, on_commit, other.organizations.get(), "Paul@example.org")

    response = invite(client, on_commit, other.organizations.get(), "paul@example.org")

    assert response.status_code == 400
    assert "paul@example.org has already received 3 invitations in the last 24 hours" in page(
        response
    ).text("id_invite_email_error")
    assert len(mail.outbox) == 3


def test_the_limit_messages_are_french(client, member, organization, on_commit, settings):
    settings.INVITATIONS_PER_USER_PER_DAY = 2
    client.force_login(member)
    invite(client, on_commit, organization, "a@example.org")
    invite(client, on_commit, organization, "b@example.org")

    with on_commit():
        response = client.post(
            f"/organisations/{organization.pk}/inviter/",
            {"email": "c@example.org"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    assert "Vous avez envoyé 2 invitations au cours des dernières 24" in response.content.decode()
