"""The check page and submission: what is missing, with a link to where it is fixed;
submitting shows the reference and sends the confirmation email; a closed call, a
second submission and a dossier changed meanwhile are refused with a clear message."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import Application, Call
from notifications.models import OutboundEmail
from tests.web import page
from workflows.models import TransitionLog
from workflows.services import unmet_conditions
from workflows.states import DossierState as S

from . import PDF, add_url, check_url, edit_url, submit_url, upload


def reload(dossier):
    return Application.objects.get(pk=dossier.pk)


def count_items(response, list_id) -> int:
    html = response.content.decode()
    return html.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0].count("<li>")


def submit_forms(response) -> list[dict]:
    return [a for a in page(response).all("form") if a.get("action", "").endswith("/deposer/")]


def test_a_dossier_built_across_its_sections_is_submitted(client, world, on_commit):
    client.force_login(world.applicant)
    response = client.post(
        reverse("dossier_create"),
        {"call": world.call.pk, "organization": world.organization.pk, "title": "Permanence"},
    )
    dossier = Application.objects.get(title="Permanence")
    assert response.status_code == 302
    objectives = list(world.call.objectives.order_by("number")[:2])
    document = world.call.required_documents.get()
    steps = [
        ("projet", {"title": "Permanence d'accès aux droits", "summary": "Chaque mardi."}),
        ("objectifs", {"objectives": [o.pk for o in objectives]}),
        ("quartiers", {"districts": ["sud", "bastide"]}),
        ("public", {"people_reached": "Familles", "people_count": "150"}),
        ("budget", {"total_budget": "40 000", "requested_amount": "15 000"}),
    ]
    for (section, data), following in zip(steps, [*SECTION_ORDER[1:]], strict=True):
        response = client.post(edit_url(dossier, section), {**data, "action": "continue"})
        assert response.status_code == 302, (section, response.content.decode()[:300])
        assert response["Location"] == edit_url(dossier, following)
    response = client.post(
        add_url(dossier), {"document": document.pk, "file": upload("statuts.pdf", PDF)}
    )
    assert response.status_code == 302

    check = client.get(check_url(dossier))
    assert check.status_code == 200
    assert page(check).text("missing") == "Nothing required is missing"
    assert "Permanence d'accès aux droits" in page(check).text("content")
    [form] = submit_forms(check)
    with on_commit():
        response = client.post(form["action"], {"expected_state": "draft"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dossier_submitted", args=[dossier.pk])

    dossier = reload(dossier)
    assert dossier.state == S.SUBMITTED
    assert dossier.submitted_at is not None
    assert sorted(dossier.districts) == ["bastide", "sud"]
    assert dossier.people_count == 150
    confirmation = client.get(response["Location"])
    assert page(confirmation).text("reference") == dossier.reference
    assert "Your dossier has been submitted" in page(confirmation).text("content")

    [email] = [m for m in mail.outbox if dossier.reference in m.subject]
    assert email.to == [world.applicant.email]
    assert "déposé" in email.subject
    assert OutboundEmail.objects.get(application=dossier, event="submit").status == "sent"
    # No more editing.
    assert client.get(edit_url(dossier, "projet")).status_code == 409


SECTION_ORDER = ["projet", "objectifs", "quartiers", "public", "budget", "documents"]


def test_the_check_page_lists_what_is_missing_with_a_link_to_each_place(client, world):
    draft = services.create_draft(
        call=world.call, organization=world.organization, user=world.applicant, title="Projet"
    )
    client.force_login(world.applicant)
    response = client.get(check_url(draft))
    assert response.status_code == 200
    html = page(response)
    unmet = unmet_conditions(draft, "submit")
    assert len(unmet) == count_items(response, "missing-list") == 3
    for message in unmet:
        assert message in html.text("missing-list")
    links = {a["href"] for a in html.all("a")}
    for section in ("objectifs", "budget", "documents"):
        assert edit_url(draft, section) in links
    # The recommended items (not required) link to their sections as well.
    assert "Tick the districts of Bordeaux concerned." in html.text("recommended-list")
    assert edit_url(draft, "quartiers") in links
    assert submit_forms(response) == []  # nothing to submit yet


def complete_draft(world):
    dossier = world.dossier(S.DRAFT)
    from workflows.paths import attach_required_documents

    attach_required_documents(dossier, world.applicant)
    return dossier


def test_submitting_after_the_closing_time_is_refused_with_the_message(client, world):
    dossier = complete_draft(world)
    client.force_login(world.applicant)
    shown = client.get(check_url(dossier))
    assert submit_forms(shown)
    Call.objects.filter(pk=world.call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = client.post(submit_url(dossier), {"expected_state": "draft"})
    assert response.status_code == 400
    error = page(response).text("error-summary")
    assert "The dossier was not submitted" in error
    assert "is not open" in error
    assert reload(dossier).state == S.DRAFT
    assert not TransitionLog.objects.filter(application=dossier).exists()
    # The check page says so too, and offers no submission.
    again = client.get(check_url(dossier))
    assert count_items(again, "missing-list") == 1
    assert "is not open" in page(again).text("missing-list")
    assert submit_forms(again) == []


def test_submitting_twice_is_refused_as_changed_meanwhile(client, world, on_commit):
    dossier = complete_draft(world)
    client.force_login(world.applicant)
    with on_commit():
        first = client.post(submit_url(dossier), {"expected_state": "draft"})
    assert first.status_code == 302
    with on_commit():
        second = client.post(submit_url(dossier), {"expected_state": "draft"})
    assert second.status_code == 409
    assert "changed meanwhile" in page(second).text("content")
    assert TransitionLog.objects.filter(application=dossier, transition="submit").count() == 1
    assert len([m for m in mail.outbox if dossier.reference in m.subject]) == 1


def test_an_out_of_date_form_is_refused(client, world):
    dossier = complete_draft(world)
    client.force_login(world.applicant)
    response = client.post(submit_url(dossier), {"expected_state": "nonsense"})
    assert response.status_code == 400
    assert "out of date" in page(response).text("error-summary")
    assert reload(dossier).state == S.DRAFT


def test_a_completed_dossier_is_sent_back(client, world, on_commit):
    dossier = world.dossier(S.INCOMPLETE)
    client.force_login(world.applicant)
    check = client.get(check_url(dossier))
    assert "Check and send the completed dossier" in page(check).text("content")
    assert "Merci de joindre le budget prévisionnel signé." in page(check).text("content")
    with on_commit():
        response = client.post(submit_url(dossier), {"expected_state": "incomplete"})
    assert response.status_code == 302
    assert reload(dossier).state == S.SUBMITTED
    assert TransitionLog.objects.filter(application=dossier).last().transition == "resubmit"
    assert OutboundEmail.objects.filter(application=dossier, event="resubmit").exists()


@pytest.mark.parametrize("role", ["other_applicant", "instructor", "administrator"])
def test_nobody_else_checks_or_submits(client, world, role):
    dossier = complete_draft(world)
    client.force_login(world.roles()[role])
    assert client.get(check_url(dossier)).status_code == 404
    assert client.post(submit_url(dossier), {"expected_state": "draft"}).status_code == 404
    assert client.get(reverse("dossier_submitted", args=[dossier.pk])).status_code == 404
    assert reload(dossier).state == S.DRAFT


def test_the_confirmation_page_of_a_draft_leads_back_to_the_check_page(client, world):
    dossier = complete_draft(world)
    client.force_login(world.applicant)
    response = client.get(reverse("dossier_submitted", args=[dossier.pk]))
    assert response.status_code == 302
    assert response["Location"] == check_url(dossier)
