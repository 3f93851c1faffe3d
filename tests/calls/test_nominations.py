"""Nominations for the prize by a third party: a City service, a partner, another
association or City staff nominates an action carried by another organisation; the
carrying organisation is told, accepts (then completes and submits the dossier) or
declines; a nomination nobody accepted is examined only when the edition allows it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from calls import nominations
from calls import services as dossier_services
from calls.models import Application, Nomination
from notifications.models import OutboundEmail
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from workflows import rules
from workflows.exceptions import ConditionNotMet, TransitionError, TransitionNotPermitted
from workflows.models import AuditEvent, TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

NEW_SIRET = "44201283700013"
OTHER_SIRET = "51234567900025"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_service(prize_world):
    """A City service (an organisation of kind city_service) and one of its agents."""
    service = OrganizationFactory(
        name="Direction du développement social urbain",
        kind=Organization.Kind.CITY_SERVICE,
        siret="",
        rna="",
    )
    agent = MembershipFactory(organization=service, user__email="agent.dsu@example.org").user
    return service, agent


def nominate(prize_world, agent, service, **overrides):
    fields = {
        "call": prize_world.call,
        "user": agent,
        "title": "Épicerie solidaire de la Benauge",
        "summary": "Une épicerie où les habitants font leurs courses à petit prix.",
        "motivation": "Elle a aidé 300 familles du quartier cette année.",
        "nominating_organization": service,
        "organization": prize_world.organization,
    }
    fields.update(overrides)
    return nominations.nominate(**fields)


def complete_and_submit(dossier, user):
    dossier_services.set_objectives(dossier, user, list(dossier.call.objectives.all()[:1]))
    for document in dossier.call.required_documents.all():
        upload = SimpleUploadedFile("statuts.pdf", PDF, content_type="application/pdf")
        dossier_services.add_attachment(dossier, user, upload, required_document=document)
    return perform(dossier, "submit", user)


def test_a_city_service_nominates_the_carrier_accepts_then_submits(prize_world, city_service):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)

    assert nomination.status == Nomination.Status.PENDING
    assert nomination.application is None  # no dossier until someone answers
    emails = OutboundEmail.objects.filter(event="nomination_received")
    assert sorted(emails.values_list("recipient", flat=True)) == [prize_world.applicant.email]
    assert "Épicerie solidaire de la Benauge" in emails.get().body_text
    assert "Direction du développement social urbain" in emails.get().body_text
    assert AuditEvent.objects.filter(event="nomination.made", call=prize_world.call).exists()

    dossier = nominations.accept(nomination, prize_world.applicant)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.ACCEPTED
    assert nomination.application == dossier
    assert dossier.organization == prize_world.organization
    assert dossier.state == S.DRAFT
    assert dossier.title == "Épicerie solidaire de la Benauge"
    assert dossier_services.can_edit(prize_world.applicant, dossier)
    assert not rules.can_view(agent, dossier)  # the draft is the carrier's alone
    assert AuditEvent.objects.filter(event="nomination.accepted", application=dossier).exists()

    log = complete_and_submit(dossier, prize_world.applicant)
    assert log.to_state == S.SUBMITTED
    assert rules.can_view(prize_world.instructor, dossier)


def test_the_carrier_declines_with_a_reason_the_nominator_and_staff_read_it(
    prize_world, city_service, client
):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)

    nominations.decline(nomination, prize_world.applicant, "  Nous préférons attendre.  ")
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.DECLINED
    assert nomination.decline_reason == "Nous préférons attendre."
    assert nomination.application is None
    event = AuditEvent.objects.get(event="nomination.declined")
    assert event.reason == "Nous préférons attendre." and event.actor == prize_world.applicant
    told = OutboundEmail.objects.get(event="nomination_declined")
    assert told.recipient == agent.email and "Nous préférons attendre." in told.body_text

    client.force_login(agent)
    page = client.get(reverse("nomination_list")).content.decode()
    assert "Nous préférons attendre." in page
    client.force_login(prize_world.administrator)
    page = client.get(reverse("staff_nominations", args=[prize_world.call.pk])).content.decode()
    assert "Nous préférons attendre." in page and "Declined by the carrying organisation" in page

    with pytest.raises(TransitionError):
        nominations.accept(nomination, prize_world.applicant)  # answered already


def test_declining_without_a_reason_is_allowed(prize_world, city_service):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    nominations.decline(nomination, prize_world.applicant)
    assert Nomination.objects.get().status == Nomination.Status.DECLINED


def test_only_the_carriers_members_answer(prize_world, city_service):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    for outsider in (agent, prize_world.other_applicant, prize_world.administrator):
        with pytest.raises(TransitionNotPermitted):
            nominations.accept(nomination, outsider)
        with pytest.raises(TransitionNotPermitted):
            nominations.decline(nomination, outsider)
    assert Nomination.objects.get().status == Nomination.Status.PENDING


def test_nobody_nominates_their_own_organisation(prize_world, city_service):
    service, agent = city_service
    with pytest.raises(TransitionError, match="own organisation"):
        nominate(prize_world, prize_world.applicant, prize_world.organization)
    # Naming it by its SIRET leads to the same organisation: refused too.
    prize_world.organization.siret = NEW_SIRET
    prize_world.organization.save()
    with pytest.raises(TransitionError, match="own organisation"):
        nominate(
            prize_world,
            prize_world.applicant,
            prize_world.organization,
            organization=None,
            new_organization=nominations.NewOrganization(name="Les Amis", siret=NEW_SIRET),
        )
    # Nominating on behalf of an organisation one is not a member of.
    with pytest.raises(TransitionError, match="not a member"):
        nominate(prize_world, agent, prize_world.other_organization)
    assert not Nomination.objects.exists()


def test_an_association_nominates_another_one(prize_world):
    nomination = nominate(prize_world, prize_world.other_applicant, prize_world.other_organization)
    assert nomination.nominated_by_organization == prize_world.other_organization
    assert nomination.organization == prize_world.organization


def test_staff_nominate_on_behalf_of_the_city_services(prize_world):
    nomination = nominate(prize_world, prize_world.instructor, None)
    assert nomination.nominated_by_organization is None
    assert nomination.nominator_label.startswith("City services")


def test_a_person_without_organisation_nor_staff_role_cannot_nominate(prize_world):
    lonely = UserFactory(email="seul@example.org")
    with pytest.raises(TransitionNotPermitted):
        nominate(prize_world, lonely, None)
    # A member of an organisation must say on whose behalf.
    with pytest.raises(TransitionError, match="on whose behalf"):
        nominate(prize_world, prize_world.other_applicant, None)


def test_only_an_open_prize_edition_takes_nominations(prize_world, world, city_service):
    service, agent = city_service
    with pytest.raises(TransitionError, match="prize edition"):
        nominate(prize_world, agent, service, call=world.call)
    prize_world.call.closes_at = timezone.now() - timedelta(minutes=1)
    prize_world.call.save()
    with pytest.raises(TransitionError, match="closed"):
        nominate(prize_world, agent, service)


def test_a_named_organisation_with_a_known_siret_is_not_duplicated(prize_world, city_service):
    service, agent = city_service
    known = OrganizationFactory(name="Régie de quartier Bastide", siret=OTHER_SIRET, rna="")
    before = Organization.objects.count()
    nomination = nominate(
        prize_world,
        agent,
        service,
        organization=None,
        new_organization=nominations.NewOrganization(
            name="Regie quartier (nom approximatif)", siret="512 345 679 00025"
        ),
    )
    assert nomination.organization == known
    assert Organization.objects.count() == before


def test_a_new_organisation_without_email_is_created_and_left_for_a_letter(
    prize_world, city_service
):
    service, agent = city_service
    nomination = nominate(
        prize_world,
        agent,
        service,
        organization=None,
        new_organization=nominations.NewOrganization(
            name="Jardins partagés de Bacalan", siret=NEW_SIRET
        ),
    )
    carrier = nomination.organization
    assert carrier.name == "Jardins partagés de Bacalan" and carrier.siret == NEW_SIRET
    assert not carrier.memberships.exists()
    assert not OutboundEmail.objects.filter(event="nomination_received").exists()
    assert nominations.notify_carrying_organisation(nomination) == nominations.NOTICE_LETTER

    carrier.contact_email = "contact@jardins-bacalan.example.org"
    carrier.save()
    assert nominations.notify_carrying_organisation(nomination) == nominations.NOTICE_EMAIL
    assert OutboundEmail.objects.get(event="nomination_received").recipient == (
        "contact@jardins-bacalan.example.org"
    )


def test_a_wrong_siret_is_refused_with_the_validators_message(prize_world, city_service):
    service, agent = city_service
    with pytest.raises(TransitionError, match="check digit"):
        nominate(
            prize_world,
            agent,
            service,
            organization=None,
            new_organization=nominations.NewOrganization(name="X", siret="44201283700014"),
        )
    assert not Nomination.objects.exists()


def close(call):
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.save(update_fields=["closes_at"])


def test_an_unaccepted_nomination_is_examined_only_when_the_call_allows_it(
    prize_world, city_service
):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    call = prize_world.call
    close(call)

    with pytest.raises(ConditionNotMet, match="does not examine"):
        nominations.examine(nomination, prize_world.administrator)
    assert not Application.objects.exists()  # rolled back whole
    assert not nominations.can_examine(prize_world.administrator, nomination)

    call.examine_unaccepted_nominations = True
    call.save(update_fields=["examine_unaccepted_nominations"])
    nomination.refresh_from_db()
    assert nominations.can_examine(prize_world.administrator, nomination)
    with pytest.raises(TransitionNotPermitted):
        nominations.examine(nomination, prize_world.other_instructor)

    dossier = nominations.examine(nomination, prize_world.instructor)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.EXAMINED
    assert dossier.state == S.SUBMITTED and dossier.organization == prize_world.organization
    log = TransitionLog.objects.get(application=dossier)
    assert (log.transition, log.from_state, log.to_state) == (
        "examine_nomination",
        "draft",
        "submitted",
    )
    assert rules.can_view(prize_world.instructor, dossier)


def test_an_unaccepted_nomination_waits_for_the_closing_date(prize_world, city_service):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    prize_world.call.examine_unaccepted_nominations = True
    prize_world.call.save()
    with pytest.raises(ConditionNotMet, match="once the call is closed"):
        nominations.examine(nomination, prize_world.administrator)


def test_a_declined_nomination_is_never_examined(prize_world, city_service):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    nominations.decline(nomination, prize_world.applicant)
    prize_world.call.examine_unaccepted_nominations = True
    prize_world.call.save()
    close(prize_world.call)
    with pytest.raises(TransitionError, match="already been answered"):
        nominations.examine(nomination, prize_world.administrator)


def test_a_self_nomination_cannot_use_the_examination_door(prize_world):
    """The transition of an unaccepted nomination is no way round submission."""
    dossier = prize_world.dossier(S.DRAFT)
    prize_world.call.examine_unaccepted_nominations = True
    prize_world.call.save()
    close(prize_world.call)
    with pytest.raises(ConditionNotMet, match="nobody accepted"):
        perform(dossier, "examine_nomination", prize_world.administrator)


def test_staff_read_who_nominated_on_the_dossier_pages_and_list(prize_world, city_service, client):
    service, agent = city_service
    nomination = nominate(prize_world, agent, service)
    dossier = nominations.accept(nomination, prize_world.applicant)
    complete_and_submit(dossier, prize_world.applicant)

    client.force_login(prize_world.instructor)
    detail = client.get(reverse("staff_dossier_detail", args=[dossier.pk])).content.decode()
    assert "Nominated by" in detail and "Direction du développement social urbain" in detail
    listing = client.get(reverse("staff_dossier_list")).content.decode()
    assert "Direction du développement social urbain" in listing
