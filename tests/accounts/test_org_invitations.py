"""Inviting a member by email: the invitation goes through the outbox (French), its link
lets the invitee join, signing up first if needed. The link works once, for 14 days,
and only for the invited address."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership
from notifications.models import OutboundEmail
from tests.accounts.test_signup import PASSWORD, is_logged_in, logs_in, sign_up, verify
from tests.factories import MembershipFactory, UserFactory, verified_email
from tests.web import page
from workflows import rules

INVITATION_LINK = re.compile(r"https?://[^\s]+/organisations/invitation/[^\s/]+/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


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


def verified_user(email, **kwargs):
    user = UserFactory(email=email, password=PASSWORD, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def invite(client, capture, organization, email):
    with capture(execute=True):
        return client.post(f"/organisations/{organization.pk}/inviter/", {"email": email})


def link_path(message) -> str:
    match = INVITATION_LINK.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


@pytest.fixture
def invited(client, english, member, organization, django_capture_on_commit_callbacks):
    """Ines, a member, invites paul@example.org; returns the path of the emailed link.
    The client is logged out afterwards."""
    client.force_login(member)
    invite(client, django_capture_on_commit_callbacks, organization, "Paul@Example.org")
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return link_path(mail.outbox[-1])


def is_member(email, organization) -> bool:
    return Membership.objects.filter(user__email=email, organization=organization).exists()


def test_a_member_invites_someone_by_email(
    client, english, member, organization, django_capture_on_commit_callbacks
):
    client.force_login(member)

    response = invite(client, django_capture_on_commit_callbacks, organization, "Paul@Example.org")

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "paul@example.org"
    assert invitation.invited_by == member
    assert len(invitation.token) >= 40
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["paul@example.org"]
    assert message.subject == (
        "Invitation à rejoindre Association Les Amis du Quartier sur Bordeaux Terre de Solidarités"
    )
    assert "ines@example.org vous invite à rejoindre" in message.body
    assert link_path(message) == f"/organisations/invitation/{invitation.token}/"
    html = message.alternatives[0].content
    assert f"/organisations/invitation/{invitation.token}/" in html
    row = OutboundEmail.objects.get()
    assert (row.event, row.status, row.application) == ("invitation", "sent", None)
    detail = page(client.get(response["Location"])).text("content")
    assert "An invitation was sent to paul@example.org" in detail
    assert "paul@example.org, invited on" in detail


def test_an_existing_user_joins_through_the_link(client, invited, organization):
    paul = verified_user("paul@example.org")
    client.force_login(paul)

    shown = client.get(invited)
    assert shown.status_code == 200
    assert "Join Association Les Amis du Quartier" in page(shown).text("content")
    assert not is_member("paul@example.org", organization)  # looking is not joining

    response = client.post(invited)

    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{organization.pk}/"
    assert is_member("paul@example.org", organization)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == paul and invitation.accepted_at is not None
    detail = page(client.get(response["Location"])).text("content")
    assert "You are now a member" in detail
    assert "paul@example.org" in detail and "ines@example.org" in detail


def test_a_logged_out_user_logs_in_and_comes_back_to_the_invitation(client, invited, organization):
    verified_user("paul@example.org")

    shown = client.get(invited)
    login_link = next(
        a["href"]
        for a in page(shown).all("a")
        if a.get("href", "").startswith("/comptes/login/?next=")
    )
    assert client.post(invited).status_code == 302  # joining needs an account
    assert not is_member("paul@example.org", organization)

    response = client.post(login_link, {"login": "paul@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == invited
    client.post(invited)
    assert is_member("paul@example.org", organization)


def test_a_new_user_signs_up_through_the_link_and_joins(
    client, invited, organization, django_capture_on_commit_callbacks
):
    sent_before = len(mail.outbox)
    shown = client.get(invited)
    signup_link = next(
        a["href"] for a in page(shown).all("a") if a.get("href", "").startswith("/comptes/signup/?")
    )
    signup_page = client.get(signup_link)
    assert page(signup_page).value("id_email") == "paul@example.org"  # filled in
    next_url = parse_qs(urlsplit(signup_link).query)["next"][0]
    assert next_url == invited

    response = sign_up(
        client, django_capture_on_commit_callbacks, "paul@example.org", next=next_url
    )

    # The link proved the address: no second email to verify it, and back to the invitation.
    assert response.status_code == 302
    assert response["Location"] == invited
    assert len(mail.outbox) == sent_before
    assert EmailAddress.objects.get(email="paul@example.org").verified
    assert is_logged_in(client)
    joined = client.post(invited)
    assert joined["Location"] == f"/organisations/{organization.pk}/"
    assert is_member("paul@example.org", organization)
    client.logout()
    assert logs_in(client, "paul@example.org")


def test_signing_up_through_the_link_with_another_address_still_needs_verification(
    client, invited, organization, django_capture_on_commit_callbacks
):
    client.get(invited)

    response = sign_up(
        client, django_capture_on_commit_callbacks, "paulo@example.org", next=invited
    )

    assert response["Location"] == "/comptes/confirm-email/"
    assert not EmailAddress.objects.get(email="paulo@example.org").verified
    assert mail.outbox[-1].to == ["paulo@example.org"]
    assert not EmailAddress.objects.filter(email="paul@example.org").exists()
    # Once verified, the address still is not the invited one.
    verify(client, mail.outbox[-1])
    assert logs_in(client, "paulo@example.org")
    client.post(invited)
    assert not is_member("paulo@example.org", organization)


def test_someone_logged_in_with_another_address_is_refused(client, invited, organization):
    other = verified_user("marc@example.org")
    client.force_login(other)

    shown = client.get(invited)
    refused = client.post(invited)

    assert shown.status_code == 200
    for response in (shown, refused):
        text = page(response).text("content")
        assert "This invitation was sent to paul@example.org" in text
        assert "logged in as marc@example.org" in text
    assert not any(
        form.get("action") == invited and form.get("method") == "post"
        for form in page(shown).all("form")
    )
    assert refused.status_code == 400
    assert not is_member("marc@example.org", organization)
    assert Invitation.objects.get().accepted_at is None
    # The page offers to log out and come back to the invitation.
    assert {"type": "hidden", "name": "next", "value": invited} in page(shown).all("input")
    logged_out = client.post("/comptes/logout/", {"next": invited})
    assert logged_out["Location"] == invited
    assert "I have no account yet" in page(client.get(invited)).text("content")


def test_an_unverified_address_matching_the_invitation_is_not_enough(client, invited, organization):
    paul = UserFactory(email="paul@example.org")
    EmailAddress.objects.create(user=paul, email=paul.email, verified=False, primary=True)
    client.force_login(paul)

    response = client.post(invited)

    assert response.status_code == 400
    assert not is_member("paul@example.org", organization)


def test_an_expired_invitation_is_refused(client, invited, organization):
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=services.INVITATION_VALID_DAYS, minutes=1)
    )
    client.force_login(verified_user("paul@example.org"))

    shown = client.get(invited)
    response = client.post(invited)

    for answer in (shown, response):
        assert answer.status_code == 410
        assert "This invitation has expired" in page(answer).text("content")
    assert not is_member("paul@example.org", organization)
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_just_before_its_expiry_still_works(client, invited, organization):
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=services.INVITATION_VALID_DAYS, minutes=-5)
    )
    client.force_login(verified_user("paul@example.org"))

    client.post(invited)

    assert is_member("paul@example.org", organization)


def test_a_used_invitation_cannot_be_used_again(client, invited, organization):
    paul = verified_user("paul@example.org")
    client.force_login(paul)
    client.post(invited)

    # Paul following the link again is simply taken to the organisation.
    assert client.get(invited)["Location"] == f"/organisations/{organization.pk}/"
    # Somebody else cannot reuse it, even with the address added later to their account.
    paul_bis = verified_user("paul.bis@example.org")
    EmailAddress.objects.create(user=paul_bis, email="PAUL@example.org", verified=True)
    client.force_login(paul_bis)
    response = client.post(invited)

    assert response.status_code == 410
    assert "already been used" in page(response).text("content")
    assert not Membership.objects.filter(user=paul_bis).exists()


def test_an_unknown_token_answers_404_with_an_explanation(client, english, db):
    response = client.get("/organisations/invitation/pas-un-vrai-jeton/")

    assert response.status_code == 404
    assert "This invitation link is not valid" in page(response).text("content")
    assert len(page(response).all("h1")) == 1


def test_inviting_an_existing_member_is_explained_next_to_the_field(
    client, english, member, organization, django_capture_on_commit_callbacks
):
    colleague = MembershipFactory(organization=organization, user__email="lea@example.org").user
    EmailAddress.objects.create(user=colleague, email="lea.pro@example.org", verified=True)
    client.force_login(member)

    for typed in ("LEA@example.org", "lea.pro@example.org"):
        response = invite(client, django_capture_on_commit_callbacks, organization, typed)

        assert response.status_code == 400
        html = page(response)
        assert "is already a member of Association Les Amis du Quartier" in html.text(
            "id_invite_email_error"
        )
        assert html.value("id_invite_email") == typed
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_invalid_address_is_explained_next_to_the_field(
    client, english, member, organization, django_capture_on_commit_callbacks
):
    client.force_login(member)

    response = invite(client, django_capture_on_commit_callbacks, organization, "paul@")

    assert response.status_code == 400
    assert "valid email address" in page(response).text("id_invite_email_error")
    assert page(response).value("id_invite_email") == "paul@"
    assert not Invitation.objects.exists()


def test_inviting_again_sends_a_new_link(
    client, english, member, organization, django_capture_on_commit_callbacks
):
    client.force_login(member)
    invite(client, django_capture_on_commit_callbacks, organization, "paul@example.org")
    invite(client, django_capture_on_commit_callbacks, organization, "paul@example.org")

    assert [m.to for m in mail.outbox] == [["paul@example.org"], ["paul@example.org"]]
    assert link_path(mail.outbox[0]) != link_path(mail.outbox[1])
    paul = verified_user("paul@example.org")
    client.force_login(paul)
    client.post(link_path(mail.outbox[1]))
    assert is_member("paul@example.org", organization)
    # The older link now just leads Paul to the organisation.
    assert client.get(link_path(mail.outbox[0])).status_code == 302


def test_only_members_invite(client, english, organization, django_capture_on_commit_callbacks):
    outsider = verified_user("intrus@example.org")
    client.force_login(outsider)

    response = invite(client, django_capture_on_commit_callbacks, organization, "x@example.org")

    assert response.status_code == 404
    assert not Invitation.objects.exists()
    with pytest.raises(services.NotAMember):
        services.invite(outsider, organization, "x@example.org")


def test_joining_is_seen_at_once_by_the_permission_rules(db, member, organization):
    paul = verified_user("paul@example.org")
    invitation = services.invite(member, organization, "paul@example.org")
    assert organization.pk not in rules.organization_ids(paul)  # cached on the user

    services.accept_invitation(paul, invitation.token)

    assert organization.pk in rules.organization_ids(paul)


def test_html_in_the_organisation_name_is_escaped_in_the_invitation(
    client, english, member, organization, django_capture_on_commit_callbacks
):
    organization.name = '<img src=x onerror="alert(1)">Asso'
    organization.save()
    client.force_login(member)
    invite(client, django_capture_on_commit_callbacks, organization, "paul@example.org")
    message = mail.outbox[0]
    client.logout()

    shown = client.get(link_path(message)).content.decode()

    html_body = message.alternatives[0].content
    for html in (shown, html_body):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Asso" in html
    # Plain text is not HTML: the name is written as it is.
    assert '<img src=x onerror="alert(1)">Asso' in message.subject
