"""Correspondence follows the channel: an organisation without an email address gets its
acknowledgements and its decision as letters to post (a PDF ready to print, addressed to
its postal address), listed in the "to post" queue of reception staff who mark them as
posted (audit trail); no email goes to the staff member who entered the dossier."""

import pytest
from django.urls import reverse

from notifications.letters import (
    render_decision_letter,
    render_posted_letter,
    render_posted_letter_html,
)
from notifications.models import Letter, OutboundEmail
from tests.dossiers.test_assisted_submission import assisted
from tests.notifications.test_letters import pdf_page_count
from tests.web import page
from workflows.models import AuditEvent
from workflows.services import perform


def test_the_acknowledgement_is_a_letter_in_the_queue_marked_as_posted(client, world):
    dossier = assisted(world, state="submitted")
    [letter] = Letter.objects.filter(application=dossier)
    assert not OutboundEmail.objects.filter(recipient=world.instructor.email).exists()
    # Another instructor of the call posts it (the one who entered it may as well).
    world.call.instructors.add(world.other_instructor)
    client.force_login(world.other_instructor)
    queue = client.get(reverse("letter_queue"))
    assert queue.status_code == 200
    assert letter.subject in page(queue).text("content")
    assert reverse("letter_pdf", args=[letter.pk]) in {a["href"] for a in page(queue).all("a")}
    pdf = client.get(reverse("letter_pdf", args=[letter.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    posted = client.post(reverse("letter_mark_posted", args=[letter.pk]))
    assert posted.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.posted_by) == ("posted", world.other_instructor)
    event = AuditEvent.objects.get(event="letter.posted")
    assert (event.actor, event.application_id) == (world.other_instructor, dossier.pk)
    # Marking it again changes nothing and says so.
    again = client.post(reverse("letter_mark_posted", args=[letter.pk]), follow=True)
    assert "no longer waiting to be posted" in again.content.decode()
    assert AuditEvent.objects.filter(event="letter.posted").count() == 1


def test_the_decision_letter_waits_for_the_notification_then_joins_the_queue(world):
    dossier = assisted(world, state="not_selected")
    decision = Letter.objects.get(application=dossier, event="decline")
    assert decision.status == "held"
    perform(dossier, "notify", world.administrator)
    decision.refresh_from_db()
    assert decision.status == "to_post"
    pdf = render_posted_letter(decision)
    assert pdf.startswith(b"%PDF")
    single = render_decision_letter(dossier)
    # The cover letter, then the decision letter the emails carry.
    assert pdf_page_count(pdf) == pdf_page_count(single) + 1


def test_reopening_cancels_the_decision_letter_not_posted(world):
    dossier = assisted(world, state="not_selected")
    perform(dossier, "reopen", world.administrator, reason="Erreur matérielle.")
    assert Letter.objects.get(application=dossier, event="decline").status == "cancelled"


def test_each_instructor_sees_the_letters_of_their_calls_only(client, world):
    """A letter whose dossier an instructor cannot open is not theirs to post: the queue of
    an instructor of another call does not list it and its PDF is a 404 for them; an
    administrator sees every letter."""
    dossier = assisted(world, state="submitted")
    letter = Letter.objects.get(application=dossier)
    client.force_login(world.other_instructor)
    queue = page(client.get(reverse("letter_queue")))
    assert letter.subject not in queue.text("content")
    assert "No letter to post" in queue.text("content")
    assert client.get(reverse("letter_pdf", args=[letter.pk])).status_code == 404
    assert client.post(reverse("letter_mark_posted", args=[letter.pk])).status_code == 404
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.TO_POST
    for user in (world.instructor, world.administrator):
        client.force_login(user)
        assert letter.subject in page(client.get(reverse("letter_queue"))).text("content")
        assert client.get(reverse("letter_pdf", args=[letter.pk])).status_code == 200


def test_the_queue_is_for_reception_staff_only(client, world):
    dossier = assisted(world, state="submitted")
    letter = Letter.objects.get(application=dossier)
    for user in (world.applicant, world.governance, world.juror):
        client.force_login(user)
        assert client.get(reverse("letter_queue")).status_code == 404
        assert client.get(reverse("letter_pdf", args=[letter.pk])).status_code == 404
        assert client.post(reverse("letter_mark_posted", args=[letter.pk])).status_code == 404


def test_the_letter_is_addressed_to_the_postal_address_and_reads_well(world):
    dossier = assisted(world, state="submitted")
    letter = Letter.objects.get(application=dossier)
    html = render_posted_letter_html(letter)
    assert "Collectif des Capucins" in html
    assert "12 rue des Faures<br>33800 Bordeaux" in html
    assert dossier.reference in html
    assert "par courrier" in html
    assert "dossiers/" not in html  # no link to a site the organisation does not use
    assert render_posted_letter(letter).startswith(b"%PDF")


@pytest.mark.parametrize("state", ["submitted"])
def test_an_organisation_with_members_still_gets_emails(world, state):
    dossier = world.dossier(state)
    assert not Letter.objects.filter(application=dossier).exists()
    assert OutboundEmail.objects.filter(application=dossier, event="submit").exists()


def test_the_dossier_history_shows_the_letters(client, world):
    dossier = assisted(world, state="submitted")
    letter = Letter.objects.get(application=dossier)
    client.force_login(world.administrator)
    staff = client.get(reverse("staff_dossier_detail", args=[dossier.pk]))
    assert f"Letter « {letter.subject} » to Collectif des Capucins — To post" in page(staff).text(
        "timeline"
    )
    client.post(reverse("letter_mark_posted", args=[letter.pk]))
    page_of_staff = page(client.get(reverse("dossier_detail", args=[dossier.pk])))
    assert f"Letter « {letter.subject} » — Posted" in page_of_staff.text("content")
