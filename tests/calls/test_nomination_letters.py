"""A carrying organisation without an email address is told of a nomination by a letter
to post (in the reception staff's "letters to post" queue, printed from its PDF, marked
as posted), saying how to answer by phone, by post or online; staff record the answer it
gives them; when its nomination is sent to examination unanswered, it is told once more
(email, or letter)."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from calls import nominations
from calls.models import Application, Nomination
from notifications.letters import CITY, render_posted_letter_html
from notifications.models import Letter, OutboundEmail
from tests.calls.test_nomination_pages import form_data
from tests.factories import MembershipFactory, OrganizationFactory
from workflows.exceptions import TransitionError, TransitionNotPermitted
from workflows.models import AuditEvent
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db

POSTAL = "Maison de quartier, bâtiment B\n5 rue Achard\n33300 Bordeaux"


@pytest.fixture
def city_service(prize_world):
    service = OrganizationFactory(
        name="Direction du développement social urbain",
        kind=Organization.Kind.CITY_SERVICE,
        siret="",
        rna="",
    )
    agent = MembershipFactory(organization=service, user__email="agent.dsu@example.org").user
    return service, agent


@pytest.fixture
def paper_carrier():
    """An organisation with a postal address and a phone number, but no email address
    and no member."""
    return OrganizationFactory(
        name="Jardins partagés de Bacalan",
        siret="",
        rna="",
        contact_email="",
        address=POSTAL,
        phone="05 56 11 22 33",
    )


def nominate(prize_world, city_service, carrier, **fields):
    service, agent = city_service
    values = {
        "call": prize_world.call,
        "user": agent,
        "title": "Potager des enfants du Lac",
        "summary": "Un potager cultivé avec les écoles du quartier.",
        "motivation": "Quarante enfants y jardinent chaque semaine.",
        "nominating_organization": service,
        "organization": carrier,
    }
    values.update(fields)
    return nominations.nominate(**values)


def plain(text: str) -> str:
    """Text as read: the no-break spaces of French typography as spaces, runs of spaces
    collapsed."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(pdf: bytes, tmp_path) -> str | None:
    """The text of a PDF (pdftotext), or None where poppler is not installed."""
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return plain(out.stdout)


def close(call, examine=True):
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.examine_unaccepted_nominations = examine
    call.save(update_fields=["closes_at", "examine_unaccepted_nominations"])


# The letter of the nomination.


def test_a_carrier_without_email_gets_a_letter_not_an_email(
    prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)

    assert nomination.notice == nominations.NOTICE_LETTER
    [letter] = Letter.objects.filter(nomination=nomination)
    assert letter.application is None
    assert (letter.status, letter.event) == ("to_post", "nomination_received")
    assert letter.recipient_name == "Jardins partagés de Bacalan"
    assert letter.recipient_address == POSTAL
    assert not OutboundEmail.objects.filter(event="nomination_received").exists()
    text = plain(letter.body_text)
    assert "Direction du développement social urbain » a proposé l'action" in text
    assert "« Potager des enfants du Lac »" in text
    assert prize_world.call.title in text
    assert "Quarante enfants y jardinent chaque semaine." in text
    # How to answer: by phone or post to the service, or online by claiming the
    # organisation.
    assert CITY["phone"] in text and CITY["address"] in text
    assert f"proposition n° {nomination.pk}" in text
    assert "invitation à rattacher votre organisation à un compte" in text
    assert "tableau de bord" in text

    # Told once: notifying again writes no second letter.
    assert nominations.notify_carrying_organisation(nomination) == nominations.NOTICE_LETTER
    assert Letter.objects.filter(nomination=nomination).count() == 1


def test_a_carrier_with_an_email_gets_no_letter(prize_world, city_service):
    nomination = nominate(prize_world, city_service, prize_world.organization)
    assert nomination.notice == nominations.NOTICE_EMAIL
    assert OutboundEmail.objects.filter(event="nomination_received").exists()
    assert not Letter.objects.exists()


def test_a_letter_is_about_a_dossier_or_a_nomination_never_both_nor_none(
    prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    letter = Letter.objects.get(nomination=nomination)
    dossier = prize_world.dossier(S.DRAFT)
    for application, about in ((dossier, nomination), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Letter.objects.filter(pk=letter.pk).update(application=application, nomination=about)


def test_the_nomination_letter_is_in_the_queue_printed_and_marked_posted(
    client, prize_world, city_service, paper_carrier, tmp_path
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    letter = Letter.objects.get(nomination=nomination)
    client.force_login(prize_world.instructor)

    queue = client.get(reverse("letter_queue"))
    assert queue.status_code == 200
    html = queue.content.decode()
    assert "Jardins partagés de Bacalan" in html and "5 rue Achard" in html
    assert "not a dossier yet" in html
    # What the letter is about: the nomination, not a dossier.
    assert reverse("nomination_detail", args=[nomination.pk]) in html
    assert "Potager des enfants du Lac" in html
    assert reverse("letter_pdf", args=[letter.pk]) in html

    pdf = client.get(reverse("letter_pdf", args=[letter.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f"courrier-proposition-{nomination.pk}-" in pdf["Content-Disposition"]
    text = pdf_text(pdf.content, tmp_path)
    if text is not None:
        assert "Jardins partagés de Bacalan" in text and "33300 Bordeaux" in text
        assert "Potager des enfants du Lac" in text
        assert CITY["phone"] in text
        assert f"proposition n° {nomination.pk}" in text
    cover = plain(render_posted_letter_html(letter))
    assert f"Proposition n° {nomination.pk} :</strong> « Potager des enfants du Lac »" in cover

    posted = client.post(reverse("letter_mark_posted", args=[letter.pk]), follow=True)
    assert posted.status_code == 200
    assert "is marked as posted" in posted.content.decode()
    letter.refresh_from_db()
    assert (letter.status, letter.posted_by) == ("posted", prize_world.instructor)
    event = AuditEvent.objects.get(event="letter.posted")
    assert event.actor == prize_world.instructor
    assert event.application is None and event.call == prize_world.call
    assert event.data["nomination"] == nomination.pk
    # The recently posted list names it too.
    html = client.get(reverse("letter_queue")).content.decode()
    assert "posted on" in html and "Potager des enfants du Lac" in html
    # Posting it twice changes nothing and says so.
    again = client.post(reverse("letter_mark_posted", args=[letter.pk]), follow=True)
    assert "no longer waiting to be posted" in again.content.decode()
    assert AuditEvent.objects.filter(event="letter.posted").count() == 1


def test_the_nomination_letter_is_for_reception_staff_only(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    letter = Letter.objects.get(nomination=nomination)
    _, agent = city_service
    for user in (agent, prize_world.applicant, prize_world.juror):
        client.force_login(user)
        assert client.get(reverse("letter_pdf", args=[letter.pk])).status_code == 404
        assert client.post(reverse("letter_mark_posted", args=[letter.pk])).status_code == 404
    assert Letter.objects.get().status == "to_post"


# Staff record the answer the carrier gave by post or by phone.


def test_staff_record_an_acceptance_received_by_phone(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    client.force_login(prize_world.instructor)
    listing = client.get(reverse("staff_nominations", args=[prize_world.call.pk]))
    detail_url = reverse("nomination_detail", args=[nomination.pk])
    assert f"{detail_url}#record-answer" in listing.content.decode()
    detail = client.get(detail_url).content.decode()
    assert reverse("staff_nomination_answer", args=[nomination.pk]) in detail
    assert "Letters to the carrying organisation" in detail

    response = client.post(
        reverse("staff_nomination_answer", args=[nomination.pk]),
        {"answer": "accept", "channel": "phone"},
        follow=True,
    )
    assert response.status_code == 200
    nomination.refresh_from_db()
    dossier = nomination.application
    assert nomination.status == Nomination.Status.ACCEPTED
    assert nomination.answered_by == prize_world.instructor
    assert dossier.organization == paper_carrier and dossier.state == S.DRAFT
    assert dossier.channel == Application.Channel.PHONE
    assert dossier.entered_by == prize_world.instructor  # completed with the organisation
    # The draft's page offers to complete it, not to "examine" an accepted nomination.
    page = response.content.decode()
    assert "Examine the nomination nobody accepted" not in page
    assert reverse("dossier_edit", args=[dossier.pk, "projet"]) in page
    assert "The acceptance of Jardins partagés de Bacalan is recorded" in (
        response.content.decode()
    )
    assert not AuditEvent.objects.filter(event="nomination.accepted").exists()
    event = AuditEvent.objects.get(event="nomination.accepted_recorded")
    assert event.actor == prize_world.instructor and event.application == dossier
    assert event.data == {"nomination": nomination.pk, "on_behalf": True, "channel": "phone"}


def test_staff_record_a_refusal_received_by_post(client, prize_world, city_service, paper_carrier):
    nomination = nominate(prize_world, city_service, paper_carrier)
    _, agent = city_service
    client.force_login(prize_world.administrator)
    response = client.post(
        reverse("staff_nomination_answer", args=[nomination.pk]),
        {"answer": "decline", "channel": "paper", "reason": "Le potager ferme cet hiver."},
    )
    assert response["Location"] == reverse("staff_nominations", args=[prize_world.call.pk])
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.DECLINED
    assert nomination.decline_reason == "Le potager ferme cet hiver."
    assert nomination.answered_by == prize_world.administrator
    event = AuditEvent.objects.get(event="nomination.declined_recorded")
    assert event.actor == prize_world.administrator
    assert event.data["on_behalf"] is True and event.data["channel"] == "paper"
    told = OutboundEmail.objects.get(event="nomination_declined")
    assert told.recipient == agent.email and "Le potager ferme cet hiver." in told.body_text
    listing = client.get(reverse("staff_nominations", args=[prize_world.call.pk]))
    assert "Le potager ferme cet hiver." in listing.content.decode()
    # The audit trail says the answer came by post and who recorded it.
    audit = client.get(reverse("staff_audit")).content.decode()
    assert "Nomination declined by post, phone or at the counter (recorded by staff)" in audit
    assert (prize_world.administrator.get_full_name() or prize_world.administrator.email) in audit


def test_bad_answers_get_a_clear_message_and_change_nothing(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    url = reverse("staff_nomination_answer", args=[nomination.pk])
    client.force_login(prize_world.instructor)

    # Nothing chosen, a made-up channel, an online "answer" by staff.
    for data, message in (
        ({}, "Say whether the organisation accepts or declines."),
        ({"answer": "accept", "channel": "pigeon"}, "Choose one of the channels of the list."),
        ({"answer": "accept", "channel": "online"}, "Choose one of the channels of the list."),
        ({"answer": "maybe", "channel": "phone"}, "Say whether the organisation accepts"),
        ({"answer": "decline", "channel": "phone", "reason": "x" * 2001}, "2000"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert Nomination.objects.get().status == Nomination.Status.PENDING

    # Answered twice: the second answer is refused with a message.
    client.post(url, {"answer": "decline", "channel": "phone"})
    again = client.post(url, {"answer": "accept", "channel": "phone"}, follow=True)
    assert again.status_code == 200
    assert "already been answered" in again.content.decode()
    assert Nomination.objects.get().status == Nomination.Status.DECLINED
    assert not Application.objects.exists()
    assert AuditEvent.objects.filter(event__startswith="nomination.").count() == 2  # made, declined


def test_no_answer_is_recorded_after_the_examination(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    close(prize_world.call)
    nominations.examine(nomination, prize_world.instructor)
    client.force_login(prize_world.instructor)
    for answer in ("accept", "decline"):
        response = client.post(
            reverse("staff_nomination_answer", args=[nomination.pk]),
            {"answer": answer, "channel": "phone"},
            follow=True,
        )
        assert response.status_code == 200
        assert "already been sent to examination" in response.content.decode()
    assert Nomination.objects.get().status == Nomination.Status.EXAMINED
    with pytest.raises(TransitionError, match="already been sent to examination"):
        nominations.decline(nomination, prize_world.instructor, channel="phone")


def test_an_acceptance_after_closing_is_refused_with_a_message(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    close(prize_world.call, examine=False)
    client.force_login(prize_world.instructor)
    response = client.post(
        reverse("staff_nomination_answer", args=[nomination.pk]),
        {"answer": "accept", "channel": "paper"},
        follow=True,
    )
    assert "The edition is closed" in response.content.decode()
    assert Nomination.objects.get().status == Nomination.Status.PENDING


def test_only_the_editions_staff_record_an_answer_and_foreign_ids_are_404(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    url = reverse("staff_nomination_answer", args=[nomination.pk])
    _, agent = city_service
    data = {"answer": "accept", "channel": "phone"}
    for user in (agent, prize_world.applicant, prize_world.other_instructor, prize_world.juror):
        client.force_login(user)
        assert client.post(url, data).status_code == 404, user
    client.force_login(prize_world.instructor)
    missing = reverse("staff_nomination_answer", args=[nomination.pk + 1000])
    assert client.post(missing, data).status_code == 404
    assert client.get(url).status_code == 405
    assert Nomination.objects.get().status == Nomination.Status.PENDING
    # The service says so too, whoever calls it.
    with pytest.raises(TransitionNotPermitted):
        nominations.accept(nomination, prize_world.other_instructor, channel="phone")
    with pytest.raises(TransitionNotPermitted):
        nominations.accept(nomination, agent, channel="phone")


def test_the_answer_form_is_offered_to_staff_only_while_pending(
    client, prize_world, city_service, paper_carrier
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    form = reverse("staff_nomination_answer", args=[nomination.pk])
    _, agent = city_service
    client.force_login(agent)
    assert (
        form not in client.get(reverse("nomination_detail", args=[nomination.pk])).content.decode()
    )
    nominations.decline(nomination, prize_world.instructor, channel="counter")
    client.force_login(prize_world.instructor)
    page = client.get(reverse("nomination_detail", args=[nomination.pk])).content.decode()
    assert form not in page
    assert "Answer given or recorded by" in page


# The examination of an unanswered nomination.


def test_examining_an_unanswered_nomination_tells_a_paper_carrier_by_letter_once(
    prize_world, city_service, paper_carrier, tmp_path
):
    nomination = nominate(prize_world, city_service, paper_carrier)
    close(prize_world.call)
    dossier = nominations.examine(nomination, prize_world.instructor)

    [told] = Letter.objects.filter(event="examine_nomination")
    assert told.application == dossier and told.nomination is None
    assert told.status == "to_post" and told.recipient_address == POSTAL
    text = plain(told.body_text)
    assert "Potager des enfants du Lac" in text and dossier.reference in text
    assert "n'a pas répondu à cette proposition avant la clôture" in text
    assert "par courrier" in text
    assert not OutboundEmail.objects.filter(event="examine_nomination").exists()
    # Once: a second examination is refused, and nothing more is written.
    with pytest.raises(TransitionError):
        nominations.examine(nomination, prize_world.instructor)
    assert Letter.objects.filter(event="examine_nomination").count() == 1
    assert Letter.objects.count() == 2  # the nomination letter, the examination letter
    html = render_posted_letter_html(told)
    assert re.search(r"Dossier\s*:</strong> " + dossier.reference, plain(html))


def test_examining_tells_a_carrier_with_members_by_email_once(client, prize_world, city_service):
    nomination = nominate(prize_world, city_service, prize_world.organization)
    close(prize_world.call)
    client.force_login(prize_world.administrator)
    client.post(reverse("staff_nomination_examine", args=[nomination.pk]))
    again = client.post(reverse("staff_nomination_examine", args=[nomination.pk]), follow=True)
    assert again.status_code == 200
    assert "already been sent to examination" in again.content.decode()
    emails = OutboundEmail.objects.filter(event="examine_nomination")
    assert list(emails.values_list("recipient", flat=True)) == [prize_world.applicant.email]
    email = emails.get()
    assert "Potager des enfants du Lac" in email.body_text
    assert "Direction du développement social urbain" in email.body_text
    assert email.application.nomination == Nomination.objects.get()
    assert not Letter.objects.exists()


def test_a_nominator_gives_the_postal_address_of_a_new_carrier_its_letter_goes_there(
    client, prize_world, city_service
):
    _, agent = city_service
    client.force_login(agent)
    response = client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            new_name="Collectif du Lac",
            new_address="Centre d'animation du Lac\r\n12 rue Jean-Artus\r\n33300 Bordeaux",
            new_phone="05 56 50 60 70",
        ),
        follow=True,
    )
    assert "the City services will tell it by post" in response.content.decode()
    carrier = Organization.objects.get(name="Collectif du Lac")
    assert carrier.phone == "05 56 50 60 70"
    letter = Letter.objects.get(nomination__organization=carrier)
    assert letter.recipient_address == (
        "Centre d'animation du Lac\n12 rue Jean-Artus\n33300 Bordeaux"
    )
    # An address with an organisation chosen from the list is refused, like the other
    # fields naming a new one.
    response = client.post(
        reverse("nomination_create", args=[prize_world.call.pk]),
        form_data(
            nominating_organization=agent.organizations.get().pk,
            organization=prize_world.organization.pk,
            new_address="1 rue X",
        ),
    )
    assert response.status_code == 400
    assert "leave these fields empty" in response.content.decode()
