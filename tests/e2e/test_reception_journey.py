"""A paper dossier in the browser, from the counter to the post: an agent at the counter
(an instructor of the call, who has the reception permission) logs in from the landing
page with their password and authenticator code, creates an organisation that has no
account and no email address (a postal address only), enters its paper dossier on the
open call with its date of receipt, types it in section by section, attaches the scan
(a real PDF) and submits it. Having entered it, the agent is not offered its
eligibility (separation of duties); another instructor of the call finds it in their
queue and declares it eligible. The organisation's letters (acknowledgement,
eligibility) wait in "Letters to post": the agent opens one as a PDF and marks it as
posted, which the audit trail records. An instructor of another call does not act on
the dossier. Every page visited is checked with axe-core."""

from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from calls.models import Application, Attachment
from notifications.models import Letter, OutboundEmail
from tests.factories import CallFactory, UserFactory, enrol_totp, totp_code
from workflows import rules
from workflows.models import AuditEvent
from workflows.states import DossierState as S

from .conftest import E2E, assert_accessible
from .test_journey import small_pdf

pytestmark = E2E

LOCALE = "en-GB"
PASSWORD = "mot-de-passe-test"  # tests/factories.py
POSTAL = "12 rue des Faures\n33800 Bordeaux"


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def no_errors(page):
    errors = page.locator("main .error-summary")
    assert errors.count() == 0, errors.first.inner_text()


def save_section(page):
    click_and_wait(page, page.locator("main button[name=action][value=continue]"))
    no_errors(page)
    assert_accessible(page)


def staff_menu(page):
    return page.get_by_role("navigation", name="Staff space")


def log_in(site, user):
    """From the landing page, with the password then the authenticator's code."""
    secret = enrol_totp(user)
    page = site.new_page(locale=LOCALE)
    page.goto("/")
    assert_accessible(page)
    click_and_wait(
        page, page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Log in")
    )
    assert_accessible(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    click_and_wait(page, page.locator("main form button[type=submit]").first)
    page.locator("main input[name=code]").fill(totp_code(secret))
    click_and_wait(page, page.locator("main form button[type=submit]").first)
    assert page.get_by_role("button", name="Log out").is_visible()
    return page


def test_a_paper_dossier_from_the_counter_to_the_letters_posted(site, world):
    call = world.call
    agent_user = world.instructor
    second_user = world.other_instructor
    call.instructors.add(second_user)
    received_on = timezone.localdate()

    # The agent logs in and goes to the reception from the staff menu.
    agent = log_in(site, agent_user)
    click_and_wait(agent, staff_menu(agent).get_by_role("link", name="Enter a paper dossier"))
    assert_accessible(agent)

    # The organisation has no account and no email: its postal address only.
    click_and_wait(
        agent, agent.get_by_role("link", name="Create an organisation without an account")
    )
    assert_accessible(agent)
    agent.get_by_label("Name of the organisation").fill("Collectif des Capucins")
    agent.get_by_label("Kind of organisation").select_option(Organization.Kind.ASSOCIATION)
    agent.get_by_label("Postal address").fill(POSTAL)
    click_and_wait(agent, agent.locator("main form button[type=submit]"))
    no_errors(agent)
    organization = Organization.objects.get(name="Collectif des Capucins")
    assert organization.contact_email == "" and not organization.memberships.exists()
    assert_accessible(agent)

    # The paper dossier, on the open call, with its date of receipt.
    agent.get_by_label("Call").select_option(str(call.pk))
    agent.get_by_label("By post").check()
    agent.get_by_label("Date of receipt (paper dossier)").fill(received_on.isoformat())
    agent.get_by_label("Title of the project").fill("Jardin partagé des Capucins")
    click_and_wait(agent, agent.get_by_role("button", name="Enter the dossier"))
    no_errors(agent)
    dossier = Application.objects.get(organization=organization)
    assert (dossier.state, dossier.channel, dossier.entered_by) == (
        S.DRAFT,
        Application.Channel.PAPER,
        agent_user,
    )
    assert dossier.received_on == received_on
    assert agent.url.endswith(reverse("dossier_edit", args=[dossier.pk, "projet"]))
    assert_accessible(agent)

    # Typed in section by section, as the call requires.
    agent.get_by_label("Summary of the project").fill(
        "Un jardin partagé ouvert aux habitants du quartier, deux après-midi par semaine."
    )
    save_section(agent)
    objectives = agent.locator("main input[type=checkbox]")
    objectives.nth(0).check()
    objectives.nth(1).check()
    save_section(agent)
    agent.locator("main input[type=checkbox]").first.check()  # a district
    save_section(agent)
    agent.get_by_label("Who are the people reached?").fill("Des familles du quartier.")
    agent.get_by_label("How many people, approximately?").fill("80")
    save_section(agent)
    agent.get_by_label("Total budget of the project (EUR)").fill("12000")
    agent.get_by_label("Amount requested from the City (EUR)").fill("5000")
    save_section(agent)

    # The scan of the paper dossier, for the required document.
    assert agent.url.endswith(reverse("dossier_edit", args=[dossier.pk, "documents"]))
    upload = agent.locator("main form.upload-form").first
    upload.locator("input[type=file]").set_input_files(
        {"name": "statuts-scan.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    click_and_wait(agent, upload.locator("button[type=submit]"))
    no_errors(agent)
    assert agent.get_by_role("link", name="statuts-scan.pdf").first.is_visible()
    assert_accessible(agent)
    [scan] = Attachment.objects.filter(application=dossier)
    assert scan.uploaded_by == agent_user

    # Checked, then submitted on behalf of the organisation.
    agent.goto(reverse("dossier_check", args=[dossier.pk]))
    assert_accessible(agent)
    assert agent.locator("#missing-list").count() == 0
    click_and_wait(agent, agent.get_by_role("button", name="Submit the dossier"))
    no_errors(agent)
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    assert dossier.reference in agent.locator("main").inner_text()
    assert_accessible(agent)
    assert not OutboundEmail.objects.filter(recipient=agent_user.email).exists()

    # The agent finds it among the dossiers to instruct, but is not offered its
    # eligibility: who entered a dossier does not instruct it.
    click_and_wait(agent, staff_menu(agent).get_by_role("link", name="Dossiers to instruct"))
    assert_accessible(agent)
    click_and_wait(agent, agent.get_by_role("link", name=dossier.reference))
    assert_accessible(agent)
    assert agent.get_by_role("link", name="Examine the eligibility").count() == 0
    assert "separation of duties" in agent.locator("#separation-of-duties").inner_text()
    agent.goto(reverse("staff_eligibility", args=[dossier.pk]))  # typed in: sent back
    assert agent.url.endswith(reverse("staff_dossier_detail", args=[dossier.pk]))
    assert "separation of duties" in agent.locator("main").inner_text()
    assert dossier.state == S.SUBMITTED

    # Another instructor of the call declares it eligible.
    second = log_in(site, second_user)
    click_and_wait(second, staff_menu(second).get_by_role("link", name="Dossiers to instruct"))
    click_and_wait(second, second.get_by_role("link", name=dossier.reference))
    assert_accessible(second)
    click_and_wait(second, second.get_by_role("link", name="Examine the eligibility"))
    assert_accessible(second)
    second.get_by_label("Eligible", exact=True).check()
    click_and_wait(second, second.get_by_role("button", name="Record the examination"))
    no_errors(second)
    dossier.refresh_from_db()
    assert dossier.state == S.ELIGIBLE
    assert f"{dossier.reference} is declared eligible" in second.locator("main").inner_text()
    assert_accessible(second)

    # The letters wait in the queue; the agent prints one and marks it as posted.
    letters = list(Letter.objects.filter(application=dossier).order_by("pk"))
    assert [letter.event for letter in letters] == ["submit", "declare_eligible"]
    assert all(letter.status == Letter.Status.TO_POST for letter in letters)
    assert all(letter.recipient_address == POSTAL for letter in letters), [
        letter.recipient_address for letter in letters
    ]
    click_and_wait(agent, staff_menu(agent).get_by_role("link", name="Letters to post"))
    assert_accessible(agent)
    queue = agent.locator("main").inner_text()
    assert all(letter.subject in queue for letter in letters), queue
    first = letters[0]
    card = agent.locator(".letter-card").filter(has_text=first.subject)
    href = card.get_by_role("link", name="Print (PDF)").get_attribute("href")
    assert href == reverse("letter_pdf", args=[first.pk])
    pdf = agent.request.get(href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    click_and_wait(agent, card.get_by_role("button", name="Mark as posted"))
    no_errors(agent)
    assert_accessible(agent)
    first.refresh_from_db()
    assert (first.status, first.posted_by) == (Letter.Status.POSTED, agent_user)
    posted = agent.get_by_role("region", name="Recently posted").inner_text()
    assert first.subject in posted, posted
    event = AuditEvent.objects.get(event="letter.posted")
    assert (event.actor, event.application_id) == (agent_user, dossier.pk)

    # An instructor of another call has the reception permission, but not on this call:
    # the dossier is not in their reception list and its pages answer "not found".
    outsider = UserFactory(email="instructeur-autre-appel@example.org", roles=[rules.INSTRUCTORS])
    CallFactory().instructors.add(outsider)
    other = site.new_page(outsider, locale=LOCALE)
    other.goto("/")
    click_and_wait(other, staff_menu(other).get_by_role("link", name="Enter a paper dossier"))
    assert dossier.reference not in other.locator("main").inner_text()
    response = other.goto(reverse("dossier_check", args=[dossier.pk]))
    assert response.status == 404
    assert_accessible(other)


def test_every_field_in_error_is_outlined_in_red(site, world):
    """The organisation's form sent empty: the name (a text input) is outlined like the
    kind (a select), not only the select (the text inputs' own rule came later)."""
    page = site.new_page(world.instructor, locale=LOCALE)
    page.goto(reverse("reception_organisation_create"))
    click_and_wait(page, page.locator("main form button[type=submit]"))
    assert page.locator("main .error-summary").count() == 1

    def border(label):
        return page.get_by_label(label).evaluate(
            "(field) => getComputedStyle(field).borderTopWidth"
        )

    assert border("Name of the organisation") == "3px"
    assert border("Kind of organisation") == "3px"
    assert border("Postal address") == "2px"  # not in error
    assert_accessible(page)
