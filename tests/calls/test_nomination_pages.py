"""The pages of the nominations by a third party, clicked through as their users would:
the prize edition's page offers "Nominate an action", the form names the carrying
organisation, the carrier answers from its dashboard, staff follow an edition's
nominations and examine those nobody accepted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from calls.models import Nomination
from tests.factories import MembershipFactory, OrganizationFactory
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db

NEW_SIRET = "44201283700013"


@pytest.fixture
def agent(prize_world):
    service = OrganizationFactory(
        name="Direction de l'action sociale", kind=Organization.Kind.CITY_SERVICE, siret=""
    )
    return MembershipFactory(organization=service, user__email="agent@example.org").user


def form_data(**overrides):
    data = {
        "nominating_organization": "",
        "organization": "",
        "new_name": "",
        "new_kind": "association",
        "new_siret": "",
        "new_rna": "",
        "new_contact_email": "",
        "title": "Maraude solidaire des Capucins",
        "summary": "Une maraude chaque soir autour du marché.",
        "motivation": "Elle touche les personnes les plus isolées.",
    }
    data.update(overrides)
    return data


def test_the_prize_page_offers_to_nominate_to_members_and_staff_only(
    prize_world, world, agent, client
):
    url = reverse("public_call_detail", args=[prize_world.call.pk])
    nominate = reverse("nomination_create", args=[prize_world.call.pk])
    assert nominate not in client.get(url).content.decode()  # anonymous
    client.force_login(agent)
    assert nominate in client.get(url).content.decode()
    ami = reverse("public_call_detail", args=[world.call.pk])
    assert "Nominate an action" not in client.get(ami).content.decode()
    client.force_login(prize_world.instructor)
    assert nominate in client.get(url).content.decode()


def test_a_partner_nominates_a_named_organisation_through_the_form(prize_world, agent, client):
    client.force_login(agent)
    url = reverse("nomination_create", args=[prize_world.call.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for label in (
        "Organisation that carries the action",
        "SIRET (if known)",
        "Why you nominate it",
    ):
        assert label in text
    service = agent.organizations.get()
    response = client.post(
        url,
        form_data(
            nominating_organization=service.pk,
            new_name="Jardins partagés de Bacalan",
            new_siret="442 012 837 00013",
            new_contact_email="contact@jardins.example.org",
        ),
    )
    nomination = Nomination.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("nomination_detail", args=[nomination.pk])
    assert nomination.organization.siret == NEW_SIRET
    assert nomination.nominated_by == agent and nomination.nominated_by_organization == service
    detail = client.get(response["Location"]).content.decode()
    assert (
        "Jardins partagés de Bacalan" in detail
        and "Waiting for the carrying organisation" in detail
    )


def test_bad_input_gets_a_helpful_message_next_to_its_field(prize_world, agent, client):
    client.force_login(agent)
    url = reverse("nomination_create", args=[prize_world.call.pk])
    service = agent.organizations.get()
    wrong = client.post(
        url, form_data(nominating_organization=service.pk, new_name="X", new_siret="4420128370001")
    )
    assert wrong.status_code == 400
    assert "A SIRET number has exactly 14 digits" in wrong.content.decode()
    nobody = client.post(url, form_data(nominating_organization=service.pk))
    assert "Choose the organisation that carries the action, or name it below." in (
        nobody.content.decode()
    )
    untitled = client.post(
        url,
        form_data(
            nominating_organization=service.pk,
            organization=prize_world.organization.pk,
            title="",
        ),
    )
    assert "Give the title of the action." in untitled.content.decode()
    assert not Nomination.objects.exists()


def test_one_cannot_nominate_ones_own_organisation_through_the_form(prize_world, client):
    client.force_login(prize_world.applicant)
    url = reverse("nomination_create", args=[prize_world.call.pk])
    own = prize_world.organization
    page = client.get(url).content.decode()
    carriers = page[page.index('id="id_nomination_organization"') :]
    carriers = carriers[: carriers.index("</select>")]
    assert f'value="{own.pk}"' not in carriers  # one's own organisation is not offered
    own.siret = NEW_SIRET
    own.save()
    response = client.post(
        url, form_data(nominating_organization=own.pk, new_name="Nous", new_siret=NEW_SIRET)
    )
    assert response.status_code == 400
    assert "carried by your own organisation" in response.content.decode()


def test_the_carrier_accepts_from_its_dashboard_and_lands_on_its_draft(prize_world, agent, client):
    client.force_login(agent)
    client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            organization=prize_world.organization.pk,
        ),
    )
    nomination = Nomination.objects.get()
    client.force_login(prize_world.applicant)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Maraude solidaire des Capucins" in dashboard
    accept = reverse("nomination_accept", args=[nomination.pk])
    assert accept in dashboard and reverse("nomination_decline", args=[nomination.pk]) in dashboard
    response = client.post(accept)
    nomination.refresh_from_db()
    assert response["Location"] == reverse("dossier_detail", args=[nomination.application.pk])
    assert nomination.application.state == S.DRAFT
    assert accept not in client.get(reverse("dashboard")).content.decode()


def test_the_carrier_declines_on_its_page_with_a_reason(prize_world, agent, client):
    client.force_login(agent)
    client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            organization=prize_world.organization.pk,
        ),
    )
    nomination = Nomination.objects.get()
    decline = reverse("nomination_decline", args=[nomination.pk])
    assert client.get(decline).status_code == 404  # the nominator does not answer
    client.force_login(prize_world.applicant)
    page = client.get(decline)
    assert "Why you decline (optional)" in page.content.decode()
    response = client.post(decline, {"reason": "Nous ne souhaitons pas concourir."})
    assert response["Location"] == reverse("nomination_list")
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.DECLINED
    client.force_login(agent)
    detail = client.get(reverse("nomination_detail", args=[nomination.pk])).content.decode()
    assert "Nous ne souhaitons pas concourir." in detail


def test_others_do_not_see_a_nomination(prize_world, agent, client):
    client.force_login(agent)
    client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            organization=prize_world.organization.pk,
        ),
    )
    nomination = Nomination.objects.get()
    client.force_login(prize_world.other_applicant)
    assert client.get(reverse("nomination_detail", args=[nomination.pk])).status_code == 404
    assert "Maraude" not in client.get(reverse("nomination_list")).content.decode()


def test_the_call_setting_is_in_the_edit_form_and_staff_examine_from_the_list(
    prize_world, agent, client
):
    client.force_login(prize_world.administrator)
    call = prize_world.call
    edit = client.get(reverse("staff_call_edit", args=[call.pk])).content.decode()
    assert 'name="examine_unaccepted_nominations"' in edit
    assert "examine nominations nobody accepted" in edit.lower()
    detail = client.get(reverse("staff_call_detail", args=[call.pk])).content.decode()
    assert reverse("staff_nominations", args=[call.pk]) in detail

    client.force_login(agent)
    client.post(
        reverse("nomination_create", args=[call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            organization=prize_world.organization.pk,
        ),
    )
    nomination = Nomination.objects.get()
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.examine_unaccepted_nominations = True
    call.save()
    client.force_login(prize_world.administrator)
    listing = client.get(reverse("staff_nominations", args=[call.pk])).content.decode()
    examine = reverse("staff_nomination_examine", args=[nomination.pk])
    assert examine in listing and "Direction de l'action sociale" in listing.replace("&#x27;", "'")
    response = client.post(examine)
    nomination.refresh_from_db()
    assert response["Location"] == reverse("staff_dossier_detail", args=[nomination.application.pk])
    assert nomination.application.state == S.SUBMITTED


def test_the_nominator_is_told_when_the_carrier_has_no_email(prize_world, agent, client):
    client.force_login(agent)
    response = client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            new_name="Collectif sans adresse",
        ),
        follow=True,
    )
    assert "has no email address here: the City services will tell it by post." in (
        response.content.decode()
    )
