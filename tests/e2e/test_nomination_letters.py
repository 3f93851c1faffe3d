"""In the browser, as reception staff: the letter of a nomination is in the letters-to-post
queue, and the staff record the carrier's answer received by phone from the nomination's
page, with the keyboard; the pages pass axe-core's WCAG A and AA rules, with and without
the form's errors shown."""

from django.urls import reverse

from calls import nominations
from calls.models import Nomination
from tests.factories import MembershipFactory, OrganizationFactory

from .conftest import E2E, axe, describe
from .test_accessibility import check_pages, report

pytestmark = E2E


def test_staff_find_the_letter_and_record_the_answer_by_keyboard(site, prize_world):
    service = OrganizationFactory(
        name="Direction du développement social urbain", kind="city_service", siret="", rna=""
    )
    agent = MembershipFactory(organization=service, user__email="agent.dsu@example.org").user
    carrier = OrganizationFactory(
        name="Jardins partagés de Bacalan",
        siret="",
        rna="",
        contact_email="",
        address="5 rue Achard\n33300 Bordeaux",
    )
    nomination = nominations.nominate(
        call=prize_world.call,
        user=agent,
        title="Potager des enfants du Lac",
        summary="Un potager cultivé avec les écoles.",
        motivation="Quarante enfants y jardinent chaque semaine.",
        nominating_organization=service,
        organization=carrier,
    )
    page = site.new_page(prize_world.instructor)
    detail = reverse("nomination_detail", args=[nomination.pk])
    problems = check_pages(
        page,
        {
            "letters to post": reverse("letter_queue"),
            "nomination, staff": detail,
            "nominations of the edition": reverse("staff_nominations", args=[prize_world.call.pk]),
        },
    )
    assert not problems, report(problems)

    page.goto(reverse("letter_queue"))
    assert "Potager des enfants du Lac" in page.locator("main").inner_text()

    # Submitted empty: the errors are shown, linked to their fields, and pass axe.
    page.goto(detail)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la réponse").click()
    summary = page.locator("main .error-summary")
    assert "Indiquez si l'organisation accepte ou décline." in summary.inner_text()
    if violations := axe(page):
        raise AssertionError(describe(violations))

    # With the keyboard only: the radio buttons, then the button.
    page.get_by_role("radio", name="Elle accepte la proposition").focus()
    page.keyboard.press("Space")
    page.get_by_role("radio", name="Par téléphone").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Enregistrer la réponse").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "est enregistrée" in page.locator("body").inner_text()
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.ACCEPTED
    assert nomination.answered_by == prize_world.instructor
