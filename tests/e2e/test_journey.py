"""The whole journey of an association, end to end in the browser, and the City's
answer: sign-up, the verification link of the email, the organisation, a draft built
section by section with a real PDF, submission and its reference number; then an
instructor (in their own browser) asks for a completion, the association answers it
and sends the dossier again.

The browsers ask for English pages, so that the steps read the same whether or not the
French translation is compiled."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Organization
from calls.models import Application
from tests.factories import enrol_totp, totp_code
from workflows.states import DossierState as S

from .conftest import E2E, assert_accessible

pytestmark = E2E

EMAIL = "presidente@amis-de-la-bastide.example.org"
PASSWORD = "Solidarite-Bastide-2026"
INSTRUCTOR_PASSWORD = "mot-de-passe-test"  # tests/factories.py
LINK = re.compile(r"https?://[^\s\"'<>]+")


def small_pdf() -> bytes:
    """A real one-page PDF (objects, cross-reference table, trailer), a few hundred bytes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    text = b"BT /F1 18 Tf 72 770 Td (Statuts de l'association) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


def links_in_last_email_to(address):
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no email to {address}"
    return LINK.findall(messages[-1].body)


def save_section(page, action="continue"):
    with page.expect_navigation():
        page.locator(f"main button[name=action][value={action}]").click()
    errors = page.locator("main .error-summary")
    assert errors.count() == 0, errors.first.inner_text()


def test_an_association_applies_completes_and_resubmits(site, world):
    call = world.call
    page = site.new_page(locale="en-GB")

    # Sign-up from the call page.
    page.goto(reverse("public_call_detail", args=[call.pk]))
    with page.expect_navigation():
        page.get_by_role("link", name="Create an account to apply").click()
    page.get_by_label("Email").fill(EMAIL)
    passwords = page.locator("main input[type=password]")
    passwords.nth(0).fill(PASSWORD)
    passwords.nth(1).fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    assert_accessible(page)  # "check your mailbox"

    # The verification email, through the outbox, and its link.
    confirm = [link for link in links_in_last_email_to(EMAIL) if "confirm" in link]
    assert len(confirm) == 1, links_in_last_email_to(EMAIL)
    page.goto(confirm[0])
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert EmailAddress.objects.get(email=EMAIL).verified
    if page.get_by_role("button", name="Log out").count() == 0:
        page.goto(reverse("account_login"))
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    assert page.get_by_role("button", name="Log out").is_visible()

    # The organisation, created from the call page.
    page.goto(reverse("public_call_detail", args=[call.pk]))
    with page.expect_navigation():
        page.get_by_role("link", name="Create an organisation").click()
    page.get_by_label("Name of the organisation").fill("Les Amis de la Bastide")
    page.get_by_label("Kind of organisation").select_option(Organization.Kind.ASSOCIATION)
    page.get_by_label("SIRET number").fill("732 829 320 00074")
    page.get_by_label("RNA number").fill("W332012345")
    page.get_by_label("Postal address").fill("12 rue de la Benauge, 33100 Bordeaux")
    page.get_by_label("Contact email address").fill(EMAIL)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    organization = Organization.objects.get(name="Les Amis de la Bastide")
    assert organization.siret == "73282932000074"

    # A draft started from the call page.
    page.goto(reverse("public_call_detail", args=[call.pk]))
    page.locator("#apply").get_by_label("title", exact=False).first.fill(
        "Permanences d'accès aux droits à La Bastide"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Apply: start my dossier").click()
    dossier = Application.objects.get(organization=organization)
    assert dossier.state == S.DRAFT

    # Section by section.
    page.goto(reverse("dossier_edit", args=[dossier.pk, "projet"]))
    page.get_by_label("Summary of the project").fill(
        "Des permanences juridiques gratuites, deux soirs par semaine, au centre social."
    )
    save_section(page)
    objectives = page.locator("main input[type=checkbox]")
    objectives.nth(0).check()
    objectives.nth(1).check()
    save_section(page)
    page.get_by_label("La Bastide").check()
    save_section(page)
    page.get_by_label("Who are the people reached?").fill("Des familles du quartier.")
    page.get_by_label("How many people, approximately?").fill("120")
    save_section(page)
    page.get_by_label("Total budget of the project (EUR)").fill("24000")
    page.get_by_label("Amount requested from the City (EUR)").fill("9500")
    save_section(page)

    # The documents: a real PDF for the required document.
    assert page.url.endswith(reverse("dossier_edit", args=[dossier.pk, "documents"]))
    upload = page.locator("main form.upload-form").first
    upload.locator("input[type=file]").set_input_files(
        {"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    with page.expect_navigation():
        upload.locator("button[type=submit]").click()
    assert page.get_by_role("link", name="statuts.pdf").first.is_visible()

    # The check page lists nothing missing; submitting shows the reference.
    page.goto(reverse("dossier_check", args=[dossier.pk]))
    assert page.locator("#missing-list").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the dossier").click()
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    assert dossier.reference in page.locator("main").inner_text()
    assert any(
        dossier.reference in message.subject + message.body
        for message in mail.outbox
        if EMAIL in message.to
    ), "no confirmation email with the reference"

    # The instructor, in their own browser, asks for a completion.
    # Staff log in with their password and the code of their authenticator app.
    instructor = world.instructor
    secret = enrol_totp(instructor)
    staff = site.new_page(locale="en-GB")
    staff.goto(reverse("account_login"))
    staff.get_by_label("Email").fill(instructor.email)
    staff.get_by_label("Password").fill(INSTRUCTOR_PASSWORD)
    with staff.expect_navigation():
        staff.locator("main form button[type=submit]").first.click()
    staff.locator("main input[name=code]").fill(totp_code(secret))
    with staff.expect_navigation():
        staff.locator("main form button[type=submit]").first.click()
    staff.goto(reverse("dossier_detail", args=[dossier.pk]))
    request = staff.locator(
        f'form[action="{reverse("dossier_transition", args=[dossier.pk, "request_completion"])}"]'
    )
    request.locator("textarea").fill("Merci de joindre le budget prévisionnel détaillé.")
    with staff.expect_navigation():
        request.locator("button[type=submit]").click()
    dossier.refresh_from_db()
    assert dossier.state == S.INCOMPLETE

    # The association sees what is asked, completes the dossier and sends it again.
    page.goto(reverse("dossier_detail", args=[dossier.pk]))
    asked = page.locator("#completion-request")
    assert "budget prévisionnel détaillé" in asked.inner_text()
    with page.expect_navigation():
        asked.get_by_role("link", name="Edit the dossier").click()
    page.goto(reverse("dossier_edit", args=[dossier.pk, "budget"]))
    page.get_by_label("Total budget of the project (EUR)").fill("25000")
    save_section(page)
    page.goto(reverse("dossier_check", args=[dossier.pk]))
    with page.expect_navigation():
        page.get_by_role("button", name="Send the completed dossier").click()
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    assert str(dossier.total_budget) in {"25000", "25000.00"}
    assert [log.transition for log in dossier.transition_logs.all()] == [
        "submit",
        "request_completion",
        "resubmit",
    ]
