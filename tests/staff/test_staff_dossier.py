"""The staff page of a dossier: every field and document, the history, internal notes
beside the thread with the applicant, opinions and scores, and the transitions this
user may perform as forms. Applicants and staff who may not see the dossier get 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Application, Message, ScoringCriterion
from calls.selectors import timeline
from reviews import services
from reviews.models import Scorecard
from tests.factories import assign_confirmed
from tests.web import page
from workflows.states import DossierState as S


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, the language of the source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def staff_url(dossier):
    return reverse("staff_dossier_detail", args=[dossier.pk])


def stored_state(dossier):
    return Application.objects.values_list("state", flat=True).get(pk=dossier.pk)


def note(client, dossier, body, internal=True):
    data = {"body": body}
    if internal:
        data["internal"] = "on"
    return client.post(reverse("staff_dossier_message", args=[dossier.pk]), data)


def test_the_staff_page_shows_every_field_and_document(client, world):
    dossier = world.dossier(
        S.SUBMITTED,
        districts=["bastide", "cauderan"],
        people_reached="Familles monoparentales",
        people_count=120,
        objectives=(1, 8),
    )
    attachment = dossier.attachments.get()
    client.force_login(world.instructor)

    response = client.get(staff_url(dossier))

    assert response.status_code == 200
    fields = page(response).text("dossier-fields")
    assert world.organization.name in fields
    assert "La Bastide, Caudéran" in fields
    assert "Familles monoparentales" in fields and "120" in fields
    assert "10,000.00 €" in fields and "25,000.00 €" in fields
    content = response.content.decode()
    for objective in dossier.objectives.all():
        assert objective.text[:40] in content
    link = reverse("dossier_attachment", args=[dossier.pk, attachment.pk])
    assert f'href="{link}"' in content
    # The link leads to the file, for the same user.
    assert client.get(link).status_code == 200
    assert "Submit the dossier" in page(response).text("timeline")


def test_internal_notes_are_for_staff_only(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = note(client, dossier, "Association connue du CCAS, à vérifier.")
    assert response.status_code == 302 and response["Location"] == staff_url(dossier)
    response = note(client, dossier, "Merci de préciser le public visé.", internal=False)
    assert response.status_code == 302

    assert Message.objects.get(body__startswith="Association").internal is True
    assert Message.objects.get(body__startswith="Merci").internal is False
    for staff in (world.instructor, world.administrator):
        client.force_login(staff)
        shown = page(client.get(staff_url(dossier)))
        assert "Association connue du CCAS" in shown.text("notes")
        assert "Association connue du CCAS" not in shown.text("thread")
        assert "Merci de préciser le public visé." in shown.text("thread")

    client.force_login(world.applicant)
    applicant_page = client.get(reverse("dossier_detail", args=[dossier.pk])).content.decode()
    assert "Association connue du CCAS" not in applicant_page
    assert "Merci de préciser le public visé." in applicant_page
    history = timeline(dossier, world.applicant)
    assert all("Association connue" not in getattr(event["item"], "body", "") for event in history)
    assert client.get(staff_url(dossier)).status_code == 404


def test_an_empty_note_is_refused_next_to_its_field(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = note(client, dossier, "   ")

    assert response.status_code == 400
    assert "id_message_body_error" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "role", ["applicant", "other_applicant", "other_instructor", "juror", "governance"]
)
def test_who_may_not_see_the_dossier_as_staff_gets_404(client, world, role):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.roles()[role])

    for url in (
        staff_url(dossier),
        reverse("staff_eligibility", args=[dossier.pk]),
        reverse("staff_opinion", args=[dossier.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = note(client, dossier, "Note glissée.")
    assert response.status_code == 404
    response = client.post(
        reverse("staff_dossier_transition", args=[dossier.pk, "declare_eligible"]),
        {"expected_state": "submitted"},
    )
    assert response.status_code == 404
    assert not Message.objects.exists()
    assert stored_state(dossier) == S.SUBMITTED


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    dossier = world.dossier(S.SUBMITTED)
    response = client.get(staff_url(dossier))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_transitions_of_the_user_are_offered_as_forms(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)

    shown = page(client.get(staff_url(dossier)))

    actions = shown.text("staff-actions")
    assert "Consult the governance bodies" in actions
    ids = {field.get("id") for field in shown.fields()}
    assert "id_consultation_due_at" in ids
    forms = {form.get("action") for form in shown.all("form")}
    assert reverse("staff_dossier_transition", args=[dossier.pk, "to_decision"]) in forms
    assert reverse("staff_dossier_consult", args=[dossier.pk]) in forms
    assert shown.unlabelled_fields() == []

    # An instructor has nothing to do on an eligible dossier.
    client.force_login(world.instructor)
    assert page(client.get(staff_url(dossier))).text("staff-actions") == ""


def test_an_instructor_is_sent_to_the_eligibility_checklist(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = client.get(staff_url(dossier))

    eligibility = reverse("staff_eligibility", args=[dossier.pk])
    assert f'href="{eligibility}"' in response.content.decode()
    # The eligibility outcomes are not plain buttons: they need the checklist.
    response = client.post(
        reverse("staff_dossier_transition", args=[dossier.pk, "declare_eligible"]),
        {"expected_state": "submitted"},
    )
    assert response.status_code == 404
    assert stored_state(dossier) == S.SUBMITTED


def test_an_administrator_sends_a_dossier_for_decision_from_the_staff_page(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)

    response = client.post(
        reverse("staff_dossier_transition", args=[dossier.pk, "to_decision"]),
        {"expected_state": "eligible"},
    )

    assert response.status_code == 302 and response["Location"] == staff_url(dossier)
    assert stored_state(dossier) == S.AWAITING_DECISION


def test_an_action_from_a_stale_page_is_refused_and_explained(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)
    client.post(
        reverse("staff_dossier_transition", args=[dossier.pk, "to_decision"]),
        {"expected_state": "eligible"},
    )

    # A second tab still shows the dossier as eligible.
    response = client.post(
        reverse("staff_dossier_transition", args=[dossier.pk, "to_decision"]),
        {"expected_state": "eligible"},
    )

    assert response.status_code == 409
    assert "changed meanwhile" in page(response).text("unsent")
    assert "no longer possible" in page(response).text("unsent")
    assert stored_state(dossier) == S.AWAITING_DECISION


def test_the_staff_page_shows_the_opinions_given(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    services.record_opinion(
        dossier, world.body, world.governance, "reserved", "Sous réserve d'un budget revu."
    )
    client.force_login(world.instructor)

    shown = page(client.get(staff_url(dossier)))

    opinions = shown.text(f"opinion-body-{world.body.pk}")
    assert world.body.name in opinions
    assert "Sous réserve d'un budget revu." in opinions
    assert "1 of 1 bodies have answered" in shown.text("opinions-section")


def test_the_staff_page_of_a_prize_nomination_shows_the_score_summary(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    criterion = ScoringCriterion.objects.create(
        call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=5
    )
    assign_confirmed(dossier, world.juror, by=world.administrator)
    services.save_scorecard(dossier, world.juror, {criterion.pk: 4}, submit=True)
    assert Scorecard.objects.filter(submitted_at__isnull=False).count() == 1
    client.force_login(world.administrator)

    shown = page(client.get(staff_url(dossier)))

    assert "16.00 / 20" in shown.text("scores")


def test_a_link_leads_staff_from_the_dossier_page_to_the_staff_page(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    assert (
        f'href="{staff_url(dossier)}"'
        in client.get(reverse("dossier_detail", args=[dossier.pk])).content.decode()
    )
    client.force_login(world.applicant)
    assert (
        staff_url(dossier)
        not in client.get(reverse("dossier_detail", args=[dossier.pk])).content.decode()
    )


def test_the_actions_come_under_their_heading_positive_ones_first(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)
    html = client.get(staff_url(dossier)).content.decode()
    block = html[html.index('id="staff-actions"') :]
    block = block[: block.index("</section>")]
    heading = block.index('<h2 id="actions">')
    select = block.index('id="action-select"')
    decline = block.index('id="action-decline"')
    assert heading < block.index('class="action-grid"') < select < decline
