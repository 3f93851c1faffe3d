"""An organisation whose dossiers were entered by staff claims it online: reception staff
send an invitation to the address it gives; whoever accepts becomes its first member,
sees its dossiers and their history like any applicant, and the address becomes the
organisation's contact email (its next correspondence goes by email, not by post)."""

from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Membership
from notifications.models import Letter, OutboundEmail
from tests.dossiers.test_assisted_submission import assisted
from tests.factories import UserFactory, verified_email
from tests.web import page
from workflows.models import AuditEvent
from workflows.services import perform


def test_staff_invite_the_organisation_which_then_follows_its_dossiers(client, world, on_commit):
    verified_email(world.other_instructor)
    dossier = assisted(world, state="submitted")
    organization = dossier.organization
    client.force_login(world.other_instructor)
    with on_commit():
        response = client.post(
            reverse("reception_claim", args=[organization.pk]),
            {"email": "Contact@Capucins.example.org"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "contact@capucins.example.org"
    assert OutboundEmail.objects.filter(
        event="invitation", recipient="contact@capucins.example.org"
    ).exists()

    claimant = UserFactory(email="contact@capucins.example.org")
    verified_email(claimant)
    services.accept_invitation(claimant, invitation.token)
    organization.refresh_from_db()
    assert organization.contact_email == "contact@capucins.example.org"
    assert Membership.objects.filter(user=claimant, organization=organization).exists()
    assert AuditEvent.objects.filter(event="organisation.claimed", actor=claimant).exists()

    client.force_login(claimant)
    dashboard = client.get(reverse("dashboard"))
    assert dossier.reference in page(dashboard).text("content")
    detail = client.get(reverse("dossier_detail", args=[dossier.pk]))
    assert detail.status_code == 200
    assert "Paper (received by post)" in detail.content.decode()

    # From now on the organisation is written to by email.
    other = world.call.instructors.exclude(pk=world.instructor.pk).get()
    perform(dossier, "declare_eligible", other, checklist=[])
    assert OutboundEmail.objects.filter(
        application=dossier, event="declare_eligible", recipient=claimant.email
    ).exists()
    assert not Letter.objects.filter(application=dossier, event="declare_eligible").exists()


def test_a_claimed_organisation_is_not_invited_again_by_staff(client, world):
    verified_email(world.instructor)
    client.force_login(world.instructor)
    response = client.post(
        reverse("reception_claim", args=[world.organization.pk]), {"email": "x@example.org"}
    )
    assert response.status_code == 400
    assert "already been claimed online" in page(response).text("error")
    assert not Invitation.objects.filter(organization=world.organization).exists()


def test_a_wrong_address_is_explained(client, world):
    dossier = assisted(world, state="draft")
    client.force_login(world.instructor)
    response = client.post(
        reverse("reception_claim", args=[dossier.organization.pk]), {"email": "pas-une-adresse"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in page(response).text("error")


def test_only_reception_staff_send_it(client, world):
    dossier = assisted(world, state="draft")
    for user in (world.applicant, world.governance, world.juror):
        client.force_login(user)
        url = reverse("reception_claim", args=[dossier.organization.pk])
        assert client.post(url, {"email": "x@example.org"}).status_code == 404
