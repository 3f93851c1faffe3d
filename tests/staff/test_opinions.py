"""Opinions of the governance bodies: administrators open the consultation (one
dossier or a selection) with a due date; each body's members see their queue and
one of them records the body's opinion; the consultation closes by itself once
every body answered, or an administrator closes it with a reason; members of the
bodies that have not answered are reminded before the due date."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from calls.models import Application
from notifications.models import OutboundEmail
from reviews import services
from reviews.models import GovernanceBody, Opinion
from tests.factories import UserFactory
from tests.web import page
from workflows import rules
from workflows.states import DossierState as S

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def stored(dossier):
    return Application.objects.get(pk=dossier.pk)


def stored_state(dossier):
    return Application.objects.values_list("state", flat=True).get(pk=dossier.pk)


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def second_body(world, email="citoyen@example.org"):
    """One more body consulted on the call, with one member."""
    body = GovernanceBody.objects.create(name="Conseil citoyen")
    member = UserFactory(email=email, roles=[rules.GOVERNANCE_MEMBERS])
    body.members.add(member)
    world.call.governance_bodies.add(body)
    return body, member


def give(client, dossier, body, verdict="favourable", motivation="Projet utile.", **extra):
    data = {"body": body.pk, "verdict": verdict, "motivation": motivation, **extra}
    return client.post(reverse("staff_opinion", args=[dossier.pk]), data)


# Opening the consultation.


def test_bulk_consultation_reports_the_dossier_in_the_wrong_state(client, world, on_commit):
    first, second = world.dossier(S.ELIGIBLE), world.dossier(S.ELIGIBLE)
    submitted = world.dossier(S.SUBMITTED)
    client.force_login(world.administrator)
    due = in_days(14)
    mail.outbox.clear()

    with on_commit():
        response = client.post(
            reverse("staff_consultations"),
            {
                "call": world.call.pk,
                "dossier": [first.pk, submitted.pk, second.pk],
                f"state-{first.pk}": "eligible",
                f"state-{second.pk}": "eligible",
                f"state-{submitted.pk}": "submitted",
                "due_at": due.isoformat(),
            },
        )

    assert response.status_code == 400  # not everything went through
    shown = page(response)
    assert shown.text(f"outcome-{first.pk}").startswith(first.reference)
    assert "Done" in shown.text(f"outcome-{first.pk}")
    refused = shown.text(f"outcome-{submitted.pk}")
    assert submitted.reference in refused and "Refused" in refused
    assert "not possible in the dossier's current state" in refused
    for dossier in (first, second):
        assert stored_state(dossier) == S.IN_CONSULTATION
        assert stored(dossier).consultation_due_at == due
    assert stored_state(submitted) == S.SUBMITTED
    assert stored(submitted).consultation_due_at is None
    # The members of the body are told, with the due date.
    to_members = [m for m in mail.outbox if world.governance.email in m.to]
    assert len(to_members) == 2
    with translation.override("fr"):
        assert all(dateformat.format(due, "j F Y") in m.body for m in to_members)


def test_a_due_date_in_the_past_opens_nothing(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)

    response = client.post(
        reverse("staff_consultations"),
        {
            "call": world.call.pk,
            "dossier": [dossier.pk],
            f"state-{dossier.pk}": "eligible",
            "due_at": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 400
    assert "must be after today" in page(response).text("error")
    assert stored_state(dossier) == S.ELIGIBLE


@pytest.mark.parametrize("role", ["instructor", "governance", "applicant"])
def test_only_administrators_open_consultations(client, world, role):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.roles()[role])

    assert client.get(reverse("staff_consultations")).status_code == 404
    response = client.post(
        reverse("staff_consultations"),
        {
            "call": world.call.pk,
            "dossier": [dossier.pk],
            f"state-{dossier.pk}": "eligible",
            "due_at": in_days(10).isoformat(),
        },
    )
    assert response.status_code == 404
    assert stored_state(dossier) == S.ELIGIBLE


def test_one_dossier_is_sent_for_opinions_from_its_staff_page(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)
    url = reverse("staff_dossier_consult", args=[dossier.pk])

    response = client.post(url, {"expected_state": "eligible", "due_at": ""})
    assert response.status_code == 400
    assert "Give the date by which opinions are due." in page(response).text(
        "id_consultation_due_at_error"
    )
    assert stored_state(dossier) == S.ELIGIBLE

    response = client.post(url, {"expected_state": "eligible", "due_at": in_days(7).isoformat()})

    assert response.status_code == 302
    assert stored_state(dossier) == S.IN_CONSULTATION
    assert stored(dossier).consultation_due_at == in_days(7)


# The members' queue.


def test_the_queue_shows_only_the_dossiers_of_the_members_bodies(client, world):
    mine = world.dossier(S.IN_CONSULTATION)
    Application.objects.filter(pk=mine.pk).update(consultation_due_at=in_days(5))
    not_yet = world.dossier(S.ELIGIBLE)
    # Another call consults another body only.
    from tests.conftest import World

    elsewhere = World("ami")
    theirs = elsewhere.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)

    response = client.get(reverse("staff_opinion_queue"))

    assert response.status_code == 200
    shown = page(response)
    waiting = shown.text("waiting")
    assert mine.reference in waiting
    assert f'<time datetime="{in_days(5).isoformat()}">' in response.content.decode()
    assert "not answered yet" in shown.text(f"queue-{mine.pk}")
    content = response.content.decode()
    assert theirs.reference not in content
    assert not_yet.reference not in content

    client.force_login(elsewhere.governance)
    content = client.get(reverse("staff_opinion_queue")).content.decode()
    assert theirs.reference in content and mine.reference not in content


def test_the_queue_shows_which_bodies_answered(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    body, member = second_body(world)
    body.members.add(world.governance)  # a member of both bodies
    services.record_opinion(dossier, body, member, "reserved", "Sous réserve.")
    client.force_login(world.governance)

    row = page(client.get(reverse("staff_opinion_queue"))).text(f"queue-{dossier.pk}")

    assert "Conseil citoyen: answered (Favourable with reservations)" in row
    assert f"{world.body.name}: not answered yet" in row


def test_people_outside_the_bodies_have_no_queue(client, world):
    queue = reverse("staff_opinion_queue")
    for user in (world.applicant, world.instructor, world.juror):
        client.force_login(user)
        assert client.get(queue).status_code == 404
        assert f'href="{queue}"' not in client.get(reverse("dashboard")).content.decode()
    client.force_login(world.governance)
    assert f'href="{queue}"' in client.get(reverse("dashboard")).content.decode()


# Giving the opinion.


def test_a_member_gives_the_opinion_and_the_last_one_closes_the_consultation(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    body, member = second_body(world)
    client.force_login(world.governance)

    response = give(client, dossier, world.body, "favourable", "Projet très utile au quartier.")

    assert response.status_code == 302 and response["Location"] == reverse("staff_opinion_queue")
    opinion = Opinion.objects.get(application=dossier, body=world.body)
    assert opinion.verdict == "favourable" and opinion.author == world.governance
    assert opinion.motivation == "Projet très utile au quartier."
    assert stored_state(dossier) == S.IN_CONSULTATION  # the other body has not answered

    client.force_login(member)
    response = give(client, dossier, body, "unfavourable", "Doublon avec une action existante.")

    assert response.status_code == 302
    assert stored_state(dossier) == S.AWAITING_DECISION
    follow = client.get(response["Location"])
    assert "the consultation is closed" in follow.content.decode()


def test_an_opinion_with_a_document_is_downloadable_by_staff_only(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)
    document = SimpleUploadedFile("compte-rendu séance.pdf", PDF, content_type="application/pdf")

    response = give(
        client, dossier, world.body, "reserved", "Voir le compte rendu.", document=document
    )

    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.document.name.endswith(".pdf")
    assert "séance" not in opinion.document.name  # stored under a random name
    link = reverse("staff_opinion_document", args=[dossier.pk, opinion.pk])
    client.force_login(world.administrator)
    staff_page = client.get(reverse("staff_dossier_detail", args=[dossier.pk]))
    assert f'href="{link}"' in staff_page.content.decode()
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    for outsider in (world.applicant, world.other_instructor):
        client.force_login(outsider)
        assert client.get(link).status_code == 404


def test_a_document_that_is_not_a_document_is_refused(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)
    program = SimpleUploadedFile("avis.pdf", b"MZ\x90\x00 program", content_type="application/pdf")

    response = give(client, dossier, world.body, document=program)

    assert response.status_code == 400
    assert "is a program" in page(response).text("id_opinion_document_error")
    assert not Opinion.objects.exists()
    assert stored_state(dossier) == S.IN_CONSULTATION


def test_an_opinion_needs_a_verdict_and_a_motivation(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)

    response = client.post(
        reverse("staff_opinion", args=[dossier.pk]), {"body": world.body.pk, "motivation": ""}
    )

    assert response.status_code == 400
    errors = page(response).text("error")
    assert "Choose an opinion." in errors and "Give the motivation of the opinion." in errors
    assert not Opinion.objects.exists()


def test_a_member_of_a_body_not_consulted_cannot_give_an_opinion(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    outsider_body = GovernanceBody.objects.create(name="Comité des fêtes")
    outsider = UserFactory(email="comite@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    outsider_body.members.add(outsider)
    client.force_login(outsider)

    assert client.get(reverse("staff_opinion", args=[dossier.pk])).status_code == 404
    response = give(client, dossier, outsider_body)
    assert response.status_code == 404
    response = give(client, dossier, world.body)
    assert response.status_code == 404

    assert not Opinion.objects.exists()
    assert stored_state(dossier) == S.IN_CONSULTATION


def test_a_member_cannot_answer_for_another_body(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    body, _member = second_body(world)
    client.force_login(world.governance)

    response = give(client, dossier, body)

    assert response.status_code == 400
    assert "Choose one of your bodies consulted on this dossier." in page(response).text("error")
    assert not Opinion.objects.exists()


def test_a_body_answers_once(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    second_body(world)
    colleague = UserFactory(email="collegue@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    world.body.members.add(colleague)
    client.force_login(world.governance)
    give(client, dossier, world.body, "favourable", "Bien.")

    client.force_login(colleague)
    shown = page(client.get(reverse("staff_opinion", args=[dossier.pk])))
    assert "opinion-form" not in {form.get("id") for form in shown.all("form")}
    assert "Favourable, given by" in shown.text(f"my-body-{world.body.pk}")
    response = give(client, dossier, world.body, "unfavourable", "Non.")

    assert response.status_code == 409
    assert "one opinion per dossier" in page(response).text("unsent")
    assert Opinion.objects.get().verdict == "favourable"


# Closing by an administrator.


def test_an_administrator_closes_the_consultation_with_a_reason(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.administrator)
    url = reverse("staff_dossier_transition", args=[dossier.pk, "close_consultation"])

    response = client.post(url, {"expected_state": "in_consultation", "reason": ""})

    assert response.status_code == 400
    shown = page(response)
    assert "give the reason for closing now" in shown.text("id_close_consultation_reason_error")
    assert stored_state(dossier) == S.IN_CONSULTATION

    response = client.post(
        url, {"expected_state": "in_consultation", "reason": "Délai de la commission dépassé."}
    )

    assert response.status_code == 302
    assert stored_state(dossier) == S.AWAITING_DECISION
    client.force_login(world.governance)
    shown = page(client.get(reverse("staff_opinion", args=[dossier.pk])))
    assert "The consultation on this dossier is closed." in shown.text("closed")
    assert give(client, dossier, world.body).status_code == 409
    assert not Opinion.objects.exists()


# Reminders.


def reminder_rows():
    return OutboundEmail.objects.filter(event="opinion_reminder")


def test_members_of_silent_bodies_are_reminded_once_before_the_due_date(world, on_commit):
    dossier = world.dossier(S.IN_CONSULTATION)
    body, member = second_body(world)
    services.record_opinion(dossier, body, member, "favourable", "Bien.")
    Application.objects.filter(pk=dossier.pk).update(consultation_due_at=in_days(3))
    mail.outbox.clear()

    with on_commit():
        assert services.send_opinion_reminders() == 1

    [email] = mail.outbox
    assert email.to == [world.governance.email]
    assert dossier.reference in email.subject and world.body.name in email.subject
    assert f"/gestion/avis/{dossier.pk}/" in email.body
    with translation.override("fr"):
        assert dateformat.format(in_days(3), "j F Y") in email.body
    # A second run writes nothing new; the member of the body that answered gets nothing.
    assert services.send_opinion_reminders() == 0
    assert reminder_rows().count() == 1
    assert not reminder_rows().filter(recipient=member.email).exists()

    # One day before, the last reminder.
    assert services.send_opinion_reminders(today=in_days(2)) == 1
    assert services.send_opinion_reminders(today=in_days(2)) == 0
    assert reminder_rows().count() == 2


def test_no_reminder_too_early_nor_once_the_consultation_closed(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    Application.objects.filter(pk=dossier.pk).update(consultation_due_at=in_days(10))
    assert services.send_opinion_reminders() == 0

    services.record_opinion(dossier, world.body, world.governance, "favourable", "Bien.")
    assert stored_state(dossier) == S.AWAITING_DECISION
    assert services.send_opinion_reminders(today=in_days(9)) == 0
    assert not reminder_rows().exists()


def test_the_reminder_command_reports_what_it_wrote(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    Application.objects.filter(pk=dossier.pk).update(consultation_due_at=in_days(1))
    out = StringIO()

    call_command("send_opinion_reminders", stdout=out)
    call_command("send_opinion_reminders", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 opinion reminder email(s) written to the outbox.",
        "0 opinion reminder email(s) written to the outbox.",
    ]


def test_the_reminder_task_writes_the_reminders(world):
    from reviews.tasks import send_opinion_reminders

    dossier = world.dossier(S.IN_CONSULTATION)
    Application.objects.filter(pk=dossier.pk).update(consultation_due_at=in_days(2))

    result = send_opinion_reminders.enqueue()

    assert result.return_value == 1
    assert reminder_rows().get().recipient == world.governance.email


def test_the_opinion_page_says_on_behalf_of_which_body(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)

    shown = page(client.get(reverse("staff_opinion", args=[dossier.pk])))

    assert shown.text("on-behalf") == f"On behalf of: {world.body.name}."
    assert shown.unlabelled_fields() == []
    # A member of two consulted bodies chooses.
    body, _member = second_body(world)
    body.members.add(world.governance)
    shown = page(client.get(reverse("staff_opinion", args=[dossier.pk])))
    assert "id_opinion_body" in {field.get("id") for field in shown.fields()}
    assert shown.unlabelled_fields() == []
