"""The City's side of an AMI call, end to end in the browser: an instructor examines a
submitted dossier with the call's checklist and declares it eligible; an
administrator consults the governance body on it; a member of that body gives its
opinion, which closes the consultation by itself (it is the only body consulted);
the administrator then decides ten dossiers in bulk (seven selected with their
amounts, three declined with one motivation), reviews the decision emails held in the
outbox (preview of the email and of its PDF letter) and sends them all. Each
applicant receives one decision email with its decision letter in PDF.

Every back-office page of the journey is checked with axe-core (WCAG 2.1 A and AA).
Each person works in their own browser; the browsers ask for English pages, so that
the steps read the same whether or not the French translation is compiled."""

import time
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calls.models import EligibilityCriterion
from reviews.models import Decision, EligibilityReview, Opinion
from tests.factories import OrganizationFactory
from workflows.states import DossierState as S

from .conftest import E2E, assert_accessible

pytestmark = E2E

LOCALE = "en-GB"
# Amounts granted to the selected dossiers, in the order of the table; 25,000 EUR is
# above the 23,000 EUR that require a "convention d'objectifs".
GRANTS = ["12000", "25000", "8000", "9500", "4000", "15000", "7000"]
DECLINED = 3
# WeasyPrint's first letter of a process loads the fonts (seconds on a busy machine);
# sending ten decisions renders ten letters in one request.
LETTERS_TIMEOUT_MS = 90_000


def submit_and_wait(page, button, timeout=None):
    with page.expect_navigation(timeout=timeout):
        button.click()
    errors = page.locator("main .error-summary")
    assert errors.count() == 0, errors.first.inner_text()


# The subjects of the decision emails (templates/notifications/email/decision_*).
SELECTED_SUBJECT = "Dossier {reference}\u00a0: votre projet est retenu"
DECLINED_SUBJECT = "Dossier {reference}\u00a0: décision"


def decision_emails(dossier):
    """The decision emails sent to the members of the dossier's organisation."""
    recipients = set(dossier.organization.memberships.values_list("user__email", flat=True))
    subjects = {
        SELECTED_SUBJECT.format(reference=dossier.reference),
        DECLINED_SUBJECT.format(reference=dossier.reference),
    }
    return [
        message
        for message in mail.outbox
        if recipients & set(message.to) and message.subject in subjects
    ]


def wait_for_emails(dossiers, timeout=10.0):
    """The decision emails leave after the commit of each notification: wait (a little)
    for the last ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(decision_emails(dossier) for dossier in dossiers):
            return
        time.sleep(0.1)


def test_eligibility_opinion_bulk_decision_and_notification(site, world):
    call = world.call
    criterion = EligibilityCriterion.objects.create(
        call=call, label="The association has its seat in Bordeaux"
    )
    dossier = world.dossier(S.SUBMITTED)
    # Nine more dossiers awaiting decision, each of its own association.
    others = [
        world.dossier(
            S.AWAITING_DECISION,
            organization=OrganizationFactory(name=f"Association du quartier n°{n}"),
        )
        for n in range(1, 10)
    ]
    mail.outbox.clear()

    # The instructor examines the eligibility with the call's checklist.
    instructor = site.new_page(world.instructor, locale=LOCALE)
    instructor.goto(reverse("staff_dossier_detail", args=[dossier.pk]))
    with instructor.expect_navigation():
        instructor.get_by_role("link", name="Examine the eligibility").click()
    assert_accessible(instructor)
    checklist = instructor.locator(f"#criterion-{criterion.pk}")
    checklist.get_by_label("Met", exact=True).check()
    instructor.get_by_label("Eligible", exact=True).check()
    submit_and_wait(instructor, instructor.get_by_role("button", name="Record the examination"))
    dossier.refresh_from_db()
    assert dossier.state == S.ELIGIBLE
    assert f"{dossier.reference} is declared eligible" in instructor.locator("main").inner_text()
    review = EligibilityReview.objects.get(application=dossier)
    assert review.outcome == "eligible"
    assert review.reviewer == world.instructor
    assert [entry.get("passed") for entry in review.checklist if "criterion" in entry] == [True]

    # The administrator consults the governance body, opinions due in two weeks.
    admin = site.new_page(world.administrator, locale=LOCALE)
    admin.goto(reverse("staff_dossier_detail", args=[dossier.pk]))
    assert_accessible(admin)
    consult = admin.locator(f'form[action="{reverse("staff_dossier_consult", args=[dossier.pk])}"]')
    due = timezone.localdate() + timedelta(days=14)
    consult.get_by_label("Opinions due by").fill(due.isoformat())
    submit_and_wait(admin, consult.get_by_role("button", name="Consult the governance bodies"))
    dossier.refresh_from_db()
    assert dossier.state == S.IN_CONSULTATION
    assert dossier.consultation_due_at == due

    # A member of the body finds the dossier in their queue and gives its opinion.
    member = site.new_page(world.governance, locale=LOCALE)
    member.goto(reverse("staff_opinion_queue"))
    with member.expect_navigation():
        member.locator("#waiting").get_by_role("link", name=dossier.reference).click()
    assert_accessible(member)
    member.get_by_label("Favourable", exact=True).check()
    member.get_by_label("Motivation").fill(
        "Un projet attendu à La Bastide, porté par une équipe solide."
    )
    submit_and_wait(member, member.get_by_role("button", name="Record the opinion"))
    assert "the consultation is closed" in member.locator("main").inner_text()
    opinion = Opinion.objects.get(application=dossier)
    assert (opinion.body, opinion.author, opinion.verdict) == (
        world.body,
        world.governance,
        "favourable",
    )
    # The only body consulted has answered: the consultation closed by itself.
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_DECISION

    # The administrator decides the ten dossiers in bulk.
    ten = sorted([dossier, *others], key=lambda d: d.reference)
    selected, declined = ten[: len(GRANTS)], ten[len(GRANTS) :]
    assert len(declined) == DECLINED
    admin.goto(reverse("staff_decisions"))
    admin.get_by_label("Call", exact=True).select_option(str(call.pk))
    with admin.expect_navigation():
        admin.get_by_role("button", name="Show the dossiers").click()
    assert admin.locator("#decisions-form tbody tr").count() == 10
    assert_accessible(admin)
    for chosen, amount in zip(selected, GRANTS, strict=True):
        admin.locator(f"#check-{chosen.pk}").check()
        admin.get_by_label(f"Granted amount for {chosen.reference} (EUR)").fill(amount)
    admin.get_by_label(f"Motivation of the selection of {selected[0].reference}").fill(
        "Projet innovant et bien ancré dans le quartier."
    )
    submit_and_wait(admin, admin.get_by_role("button", name="Select the checked dossiers"))
    assert admin.locator("#decisions-form tbody tr").count() == DECLINED
    for refused in declined:
        admin.locator(f"#check-{refused.pk}").check()
    admin.get_by_label("Motivation of the refusal, for all the checked dossiers").fill(
        "Le projet ne répond pas assez précisément au besoin identifié."
    )
    submit_and_wait(admin, admin.get_by_role("button", name="Decline the checked dossiers"))
    assert admin.locator("#no-dossier").is_visible()

    for chosen, amount in zip(selected, GRANTS, strict=True):
        chosen.refresh_from_db()
        assert chosen.state == S.SELECTED, chosen.reference
        decision = Decision.objects.get(application=chosen, is_current=True)
        assert decision.amount == Decimal(amount)
        assert decision.needs_convention == (Decimal(amount) > 23000), chosen.reference
    for refused in declined:
        refused.refresh_from_db()
        assert refused.state == S.NOT_SELECTED, refused.reference
    assert decision_emails(dossier) == [], "a decision email left before its review"

    # The outbox holds one decision email per dossier; the administrator previews one.
    admin.goto(reverse("outbox_list"))
    assert_accessible(admin)
    outbox = admin.locator("main").inner_text()
    for decided in ten:
        assert decided.reference in outbox, decided.reference
    applicant = world.applicant.email
    with admin.expect_navigation():
        admin.get_by_role("link", name=f"Preview, edit or cancel the email to {applicant}").click()
    assert_accessible(admin)
    preview = admin.locator("main").inner_text()
    assert SELECTED_SUBJECT.format(reference=dossier.reference) in preview
    frame = admin.frame_locator("iframe.email-preview")
    assert dossier.reference in frame.locator("body").inner_text()
    letter_link = admin.get_by_role("link", name=f"decision-{dossier.reference}.pdf")
    letter = admin.request.get(letter_link.get_attribute("href"), timeout=LETTERS_TIMEOUT_MS)
    assert letter.status == 200
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.body().startswith(b"%PDF")

    # Send them all.
    admin.goto(reverse("outbox_list"))
    send_all = admin.locator("#send-all").get_by_role("button", name="Send all")
    submit_and_wait(admin, send_all, timeout=LETTERS_TIMEOUT_MS)
    assert admin.locator("#no-held").is_visible()
    for decided in ten:
        decided.refresh_from_db()
        assert decided.state == S.NOTIFIED, decided.reference

    # Each applicant has one decision email, with its letter in PDF.
    wait_for_emails(ten)
    for decided in ten:
        emails = decision_emails(decided)
        assert len(emails) == 1, (decided.reference, [m.subject for m in mail.outbox])
        (email,) = emails
        subject = SELECTED_SUBJECT if decided in selected else DECLINED_SUBJECT
        assert email.subject == subject.format(reference=decided.reference)
        letters = [
            (name, content, kind)
            for name, content, kind in email.attachments
            if kind == "application/pdf"
        ]
        assert [name for name, _content, _kind in letters] == [f"decision-{decided.reference}.pdf"]
        assert letters[0][1].startswith(b"%PDF"), decided.reference
