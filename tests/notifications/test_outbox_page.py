"""The outbox page of the administrators: decision emails held for review, previewed,
edited, sent (with the decision letter in PDF) or cancelled; the sent log."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from notifications.models import OutboundEmail
from tests.factories import MembershipFactory
from tests.notifications.test_letters import pdf_page_count
from tests.web import page
from workflows.services import perform
from workflows.states import DossierState as S

Status = OutboundEmail.Status
LIST_URL = reverse("outbox_list")
SENT_URL = reverse("outbox_sent")
SEND_ALL_URL = reverse("outbox_send_all")


def held(dossier):
    return OutboundEmail.objects.get(application=dossier, status=Status.HELD)


def send_url(dossier):
    return reverse("outbox_send", args=[dossier.pk])


def the_letter(message):
    [(name, content, mimetype)] = message.attachments
    return name, content, mimetype


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, the language of the source strings (the tests read the same
    once the French translation is complete); emails and letters stay in French."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.administrator)
    return client


# Who sees the outbox.


NON_ADMINS = [
    "applicant",
    "other_applicant",
    "instructor",
    "other_instructor",
    "governance",
    "juror",
]


@pytest.mark.parametrize("role", NON_ADMINS)
def test_the_outbox_pages_are_not_found_for_anybody_but_administrators(client, world, role):
    dossier = world.dossier(S.SELECTED)
    email = held(dossier)
    subject = email.subject
    client.force_login(world.roles()[role])

    for url in [
        LIST_URL,
        SENT_URL,
        reverse("outbox_detail", args=[email.pk]),
        reverse("outbox_letter_preview", args=[dossier.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (send_url(dossier), {f"state-{dossier.pk}": S.SELECTED}),
        (SEND_ALL_URL, {"dossier": dossier.pk, f"state-{dossier.pk}": S.SELECTED}),
        (reverse("outbox_edit", args=[email.pk]), {"subject": "Piraté", "body_text": "Piraté"}),
        (reverse("outbox_cancel", args=[email.pk]), {"confirm": "on"}),
    ]:
        assert client.post(url, data).status_code == 404, url

    email.refresh_from_db()
    assert (email.status, email.subject, email.edited_by) == (Status.HELD, subject, None)
    dossier.refresh_from_db()
    assert dossier.state == S.SELECTED


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The list.


def test_held_decision_emails_are_listed_by_dossier_with_their_letter(admin_client, world):
    MembershipFactory(organization=world.organization, user__email="tresoriere@example.org")
    selected = world.dossier(S.SELECTED, data={"select": {"amount": "25000"}})
    declined = world.dossier(S.NOT_SELECTED)
    world.dossier(S.AWAITING_DECISION)  # nothing held yet

    response = admin_client.get(LIST_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "4 emails held for review" in html  # 2 dossiers × 2 members
    content = page(response)
    heading = content.text(f"dossier-{selected.pk}")
    assert heading == f"{selected.reference} — {selected.title}"
    assert content.text(f"dossier-{declined.pk}") == f"{declined.reference} — {declined.title}"
    for email in OutboundEmail.objects.filter(status=Status.HELD):
        row = content.text(f"email-{email.pk}")
        assert email.recipient in row
        assert " ".join(email.subject.split()) in row  # the page text, spaces collapsed
        assert f"decision-{email.application.reference}.pdf" in row
    # The grant above 23,000 € is marked.
    assert "25,000.00 €" in html
    assert "Convention d'objectifs" in html


# Preview and edit.


def test_the_preview_shows_the_text_and_the_html_in_a_sandboxed_frame(admin_client, world):
    dossier = world.dossier(S.SELECTED, title="Projet <b>gras</b>")
    email = held(dossier)

    response = admin_client.get(reverse("outbox_detail", args=[email.pk]))

    assert response.status_code == 200
    content = page(response)
    assert content.text("email-text") == " ".join(email.body_text.split())
    [frame] = content.all("iframe")
    assert frame["sandbox"] == ""
    assert frame["srcdoc"] == email.body_html  # the attribute, once unescaped
    html = response.content.decode()
    assert email.body_html not in html  # never as markup of the page itself
    assert escape(email.body_html) in html
    assert "<b>gras</b>" not in html


def test_an_edited_email_is_sent_as_edited(admin_client, world, on_commit):
    dossier = world.dossier(S.SELECTED, data={"select": {"amount": "15000"}})
    email = held(dossier)
    edited_text = (
        "Bonjour,\n\nVotre projet est retenu : 15 000 €.\nRendez-vous le 3 mars <à la mairie>.\n"
    )

    response = admin_client.post(
        reverse("outbox_edit", args=[email.pk]),
        {"subject": "Votre subvention 2026", "body_text": edited_text},
    )

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == Status.HELD
    assert email.subject == "Votre subvention 2026"
    # Kept as typed, with French typography: a non-breaking space before the colon.
    typeset = edited_text.replace("retenu :", "retenu\u00a0:")
    assert email.body_text == typeset
    assert email.edited_by == world.administrator
    # The HTML is rebuilt from the text, escaped.
    assert "Rendez-vous le 3 mars &lt;à la mairie&gt;." in email.body_html
    assert "<à la mairie>" not in email.body_html
    assert "edited by" in admin_client.get(LIST_URL).content.decode()

    with on_commit():
        admin_client.post(send_url(dossier), {f"state-{dossier.pk}": S.SELECTED})

    message = mail.outbox[-1]
    assert message.subject == "Votre subvention 2026"
    assert message.body == typeset
    [(html, _mimetype)] = message.alternatives
    assert "Votre projet est retenu\u00a0: 15 000 €." in html
    name, content, _mimetype = the_letter(message)
    assert name == f"decision-{dossier.reference}.pdf"


def test_an_edit_needs_a_subject_and_a_text(admin_client, world):
    dossier = world.dossier(S.SELECTED)
    email = held(dossier)
    before = (email.subject, email.body_text, email.body_html)

    response = admin_client.post(
        reverse("outbox_edit", args=[email.pk]), {"subject": "  ", "body_text": ""}
    )

    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") == 2
    email.refresh_from_db()
    assert (email.subject, email.body_text, email.body_html) == before
    assert email.edited_by is None


def test_an_email_sent_meanwhile_can_no_longer_be_edited(admin_client, world, on_commit):
    dossier = world.dossier(S.SELECTED)
    email = held(dossier)
    with on_commit():
        perform(dossier, "notify", world.administrator)  # another administrator sent it

    response = admin_client.post(
        reverse("outbox_edit", args=[email.pk]), {"subject": "Trop tard", "body_text": "Trop tard"}
    )

    assert response.status_code == 409
    assert "no longer waiting for review" in response.content.decode()
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.subject != "Trop tard"
    assert email.edited_by is None


# Send.


def test_sending_one_notifies_the_dossier_and_attaches_the_letter(admin_client, world, on_commit):
    dossier = world.dossier(S.SELECTED, data={"select": {"amount": "25000"}})
    email = held(dossier)

    with on_commit():
        response = admin_client.post(send_url(dossier), {f"state-{dossier.pk}": S.SELECTED})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    dossier.refresh_from_db()
    assert dossier.state == S.NOTIFIED
    email.refresh_from_db()
    assert email.status == Status.SENT
    message = mail.outbox[-1]
    assert message.subject == email.subject
    assert message.to == [world.applicant.email]
    body = message.body.replace("\xa0", " ").replace("\u202f", " ")
    assert "avec une subvention de 25 000,00 €." in body
    assert "une convention d'objectifs sera conclue" in body
    name, content, mimetype = the_letter(message)
    assert name == f"decision-{dossier.reference}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert pdf_page_count(content) >= 1
    follow = admin_client.get(LIST_URL)
    assert f"Decision of {dossier.reference} notified" in follow.content.decode()
    assert "No decision email is waiting for review." in follow.content.decode()


def test_sending_a_dossier_changed_meanwhile_is_refused(admin_client, world, on_commit):
    dossier = world.dossier(S.SELECTED)
    with on_commit():
        # Another administrator reopened the decision after the page was shown.
        perform(dossier, "reopen", world.administrator, reason="Budget revu.")

    with on_commit():
        response = admin_client.post(send_url(dossier), {f"state-{dossier.pk}": S.SELECTED})

    assert response.status_code == 409
    assert "changed meanwhile" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_DECISION
    assert not any(m.subject.endswith("votre projet est retenu") for m in mail.outbox)


def test_send_all_notifies_each_dossier_and_reports_the_ones_changed_meanwhile(
    admin_client, world, on_commit
):
    selected = world.dossier(S.SELECTED)
    declined = world.dossier(S.NOT_SELECTED)
    ineligible = world.dossier(S.INELIGIBLE)
    reopened = world.dossier(S.SELECTED)
    listed = admin_client.get(LIST_URL)
    form = [f for f in page(listed).all("form") if f.get("action") == SEND_ALL_URL]
    assert form, "a Send all button"
    data = {"dossier": [d.pk for d in (selected, declined, ineligible, reopened)]}
    data.update({f"state-{d.pk}": d.state for d in (selected, declined, ineligible, reopened)})
    with on_commit():
        perform(reopened, "reopen", world.administrator, reason="Pièce nouvelle.")
    mail.outbox.clear()

    with on_commit():
        response = admin_client.post(SEND_ALL_URL, data)

    assert response.status_code == 200
    content = page(response)
    for dossier in (selected, declined, ineligible):
        dossier.refresh_from_db()
        assert dossier.state == S.NOTIFIED
        assert content.text(f"outcome-{dossier.pk}").startswith(f"{dossier.reference} Done")
    assert "changed meanwhile" in content.text(f"outcome-{reopened.pk}")
    assert content.text(f"outcome-{reopened.pk}").startswith(f"{reopened.reference} Refused")
    assert len(mail.outbox) == 3
    assert {the_letter(m)[0] for m in mail.outbox} == {
        f"decision-{d.reference}.pdf" for d in (selected, declined, ineligible)
    }
    assert all(the_letter(m)[1].startswith(b"%PDF") for m in mail.outbox)
    assert not OutboundEmail.objects.filter(status=Status.HELD).exists()


def test_send_all_with_nothing_listed_sends_nothing(admin_client, world):
    response = admin_client.post(SEND_ALL_URL, {})

    assert response.status_code == 400
    assert "There is no decision email to send." in response.content.decode()


# Cancel.


def test_a_cancelled_email_is_never_sent(admin_client, world, on_commit):
    colleague = MembershipFactory(
        organization=world.organization, user__email="tresoriere@example.org"
    ).user
    dossier = world.dossier(S.NOT_SELECTED)
    to_cancel = OutboundEmail.objects.get(
        application=dossier, recipient=colleague.email, status=Status.HELD
    )
    url = reverse("outbox_cancel", args=[to_cancel.pk])

    unconfirmed = admin_client.post(url, {})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the cancellation." in unconfirmed.content.decode()
    to_cancel.refresh_from_db()
    assert to_cancel.status == Status.HELD

    assert admin_client.post(url, {"confirm": "on"}).status_code == 302
    to_cancel.refresh_from_db()
    assert to_cancel.status == Status.CANCELLED

    with on_commit():
        admin_client.post(send_url(dossier), {f"state-{dossier.pk}": S.NOT_SELECTED})

    dossier.refresh_from_db()
    assert dossier.state == S.NOTIFIED
    to_cancel.refresh_from_db()
    assert to_cancel.status == Status.CANCELLED
    decision_recipients = [m.to for m in mail.outbox if m.attachments]
    assert decision_recipients == [[world.applicant.email]]


# Reopened decisions.


def test_the_outbox_warns_when_a_reopening_cancelled_decision_emails(admin_client, world):
    dossier = world.dossier(S.SELECTED)
    perform(dossier, "reopen", world.administrator, reason="Le conseil a revu le budget.")

    content = page(admin_client.get(LIST_URL))

    warning = content.text(f"reopened-{dossier.pk}")
    assert f"The decision on {dossier.reference} was reopened" in warning
    assert "its unsent decision email was cancelled and will not be sent" in warning
    assert "Le conseil a revu le budget." in warning

    perform(dossier, "decline", world.administrator, reason="Budget épuisé.")
    content = page(admin_client.get(LIST_URL))
    assert f"The decision on {dossier.reference} was reopened" in content.text(
        f"reopened-{dossier.pk}"
    )
    perform(dossier, "notify", world.administrator)
    assert page(admin_client.get(LIST_URL)).text(f"reopened-{dossier.pk}") == ""


# Letter preview and sent log.


def test_administrators_preview_the_letter_before_sending(admin_client, world):
    decided = world.dossier(S.SELECTED)
    undecided = world.dossier(S.AWAITING_DECISION)

    response = admin_client.get(reverse("outbox_letter_preview", args=[decided.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_page_count(response.content) >= 1
    assert (
        admin_client.get(reverse("outbox_letter_preview", args=[undecided.pk])).status_code == 404
    )


def test_the_sent_log_shows_status_attempts_errors_and_delivery(admin_client, world, on_commit):
    with on_commit():
        dossier = world.dossier(S.ELIGIBLE)
    sent = OutboundEmail.objects.get(application=dossier, event="submit")
    OutboundEmail.objects.filter(pk=sent.pk).update(
        delivery_status="bounced", delivery_detail="bounced 550 mailbox unavailable"
    )
    failed = OutboundEmail.objects.get(application=dossier, event="declare_eligible")
    OutboundEmail.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, attempts=5, last_error="ConnectionRefusedError: refused"
    )
    world.dossier(S.SELECTED)  # a held email: not in the sent log

    response = admin_client.get(SENT_URL)

    assert response.status_code == 200
    content = page(response)
    sent.refresh_from_db()
    row = content.text(f"email-{sent.pk}")
    assert sent.subject in row and sent.recipient in row and dossier.reference in row
    assert "Not delivered: bounced" in row
    assert "550 mailbox unavailable" in row
    assert sent.provider_message_id in row
    failed_row = content.text(f"email-{failed.pk}")
    assert "ConnectionRefusedError: refused" in failed_row
    assert " 5 " in f" {failed_row} "
    assert not any(
        content.text(f"email-{e.pk}") for e in OutboundEmail.objects.filter(status=Status.HELD)
    )

    problems = page(admin_client.get(SENT_URL, {"problems": "1"}))
    assert problems.text(f"email-{sent.pk}")
    assert problems.text(f"email-{failed.pk}")  # failed to send: not delivered either
    failures = page(admin_client.get(SENT_URL, {"status": "failed"}))
    assert failures.text(f"email-{failed.pk}") and not failures.text(f"email-{sent.pk}")

    outbox = admin_client.get(LIST_URL).content.decode()
    assert "1 email did not reach its recipient" in outbox
    assert "1 email could not be handed to the provider." in outbox


def test_the_problems_filter_shows_the_emails_that_failed_to_send(client, world):
    """An email whose attempts are spent did not reach its recipient either: the
    "problems" link of the outbox lists it beside the bounces."""
    dossier = world.dossier(S.SUBMITTED)
    failed = OutboundEmail.objects.filter(application=dossier).first()
    OutboundEmail.objects.filter(pk=failed.pk).update(
        status=OutboundEmail.Status.FAILED, last_error="SMTPServerDisconnected: gone"
    )
    bounced = OutboundEmail.objects.create(
        application=dossier,
        event="note",
        recipient="rebond@example.org",
        subject="Rebond",
        body_text="x",
        idempotency_key=f"bounced-{dossier.pk}",
        status=OutboundEmail.Status.SENT,
        delivery_status="bounced",
    )
    fine = OutboundEmail.objects.create(
        application=dossier,
        event="note",
        recipient="ok@example.org",
        subject="Arrivé",
        body_text="x",
        idempotency_key=f"fine-{dossier.pk}",
        status=OutboundEmail.Status.SENT,
        delivery_status="delivered",
    )
    client.force_login(world.administrator)
    response = client.get(reverse("outbox_sent"), {"problems": "1"})
    listed = {email.pk for email in response.context["page"].object_list}
    assert failed.pk in listed and bounced.pk in listed
    assert fine.pk not in listed
