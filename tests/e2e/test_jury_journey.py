"""A prize edition's jury in the browser: the administrator assigns a juror to two
dossiers from their staff pages (the juror is emailed); the juror reaches their queue
from the menu, scores both dossiers on pages that show the dossier beside the grid, and
sees the jury's average only once their own scores are submitted; the jury's president
follows the progress from their queue and reminds the late juror, whose email is in
the outbox. Pages checked with axe-core."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from calls.models import ScoringCriterion
from notifications.models import OutboundEmail
from reviews import services
from tests.factories import UserFactory
from workflows import rules
from workflows.states import DossierState as S

from .conftest import E2E, assert_accessible

pytestmark = E2E

LOCALE = "en-GB"


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def menu(page):
    return page.get_by_role("navigation", name="Staff space")


def test_a_juror_scores_and_the_president_reminds_a_late_juror(site, prize_world):
    world = prize_world
    late = UserFactory(
        email="jure-en-retard@example.org",
        first_name="Paul",
        last_name="Lenoir",
        roles=[rules.JURORS],
    )
    president = UserFactory(
        email="presidente@example.org", first_name="Anne", last_name="Roy", roles=[rules.JURORS]
    )
    world.jury.members.add(late, president)
    world.jury.president = president
    world.jury.scoring_deadline = timezone.localdate() + timedelta(days=10)
    world.jury.save()
    grid = [
        ScoringCriterion.objects.create(
            call=world.call, label=label, weight=Decimal("1"), max_score=10
        )
        for label in ("Ancrage local", "Caractère innovant")
    ]
    first = world.dossier(S.IN_JURY, title="Jardin partagé", summary="Un jardin ouvert à tous.")
    second = world.dossier(S.IN_JURY, title="Repair café")
    for dossier in (first, second):
        services.assign_juror(dossier, late, by=world.administrator)
    services.save_scorecard(first, late, {c.pk: 8 for c in grid}, submit=True)

    # The administrator assigns the juror to both dossiers from their staff pages.
    admin = site.new_page(world.administrator, locale=LOCALE)
    for dossier in (first, second):
        admin.goto(reverse("staff_dossier_detail", args=[dossier.pk]))
        admin.get_by_label("Assign a juror of the call's jury").select_option(str(world.juror.pk))
        click_and_wait(admin, admin.get_by_role("button", name="Assign", exact=True))
        assert "is assigned to" in admin.locator("main").inner_text()
    assigned = OutboundEmail.objects.filter(event="jury_assigned", recipient=world.juror.email)
    assert assigned.count() == 2
    assert all(first.reference in e.body_text or second.reference in e.body_text for e in assigned)

    # The juror goes from the menu to the queue, then scores both dossiers.
    juror = site.new_page(world.juror, locale=LOCALE)
    juror.goto(reverse("dashboard"))
    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    assert_accessible(juror)
    queue = juror.locator("#queue").inner_text()
    assert first.reference in queue and second.reference in queue
    click_and_wait(juror, juror.get_by_role("link", name=first.reference))
    assert_accessible(juror)
    assert "Un jardin ouvert à tous." in juror.locator("#dossier-content").inner_text()
    assert juror.locator("#jury-average").count() == 0
    assert "not shown to you now" in juror.locator("#scores-hidden").inner_text()
    juror.get_by_label("Ancrage local").fill("11")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    assert "between 0 and 10" in juror.locator(f"#id_criterion_{grid[0].pk}_error").inner_text()
    juror.get_by_label("Ancrage local").fill("4")
    juror.get_by_label("Caractère innovant").fill("6")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    assert (
        "Weighted average: 13.00 / 20 (2 scorecards)" in juror.locator("#jury-average").inner_text()
    )
    assert "Juror 1" in juror.locator("#jury-scores").inner_text()
    assert "Lenoir" not in juror.locator("#jury-scores").inner_text()

    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    click_and_wait(juror, juror.get_by_role("link", name=second.reference))
    juror.get_by_label("Ancrage local").fill("7")
    juror.get_by_label("Caractère innovant").fill("7")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    assert (
        "Weighted average: 14.00 / 20 (1 scorecard)" in juror.locator("#jury-average").inner_text()
    )
    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    assert "Submitted (2)" in juror.locator("#tab-soumis").inner_text()

    # The president follows the progress and reminds the late juror.
    chair = site.new_page(president, locale=LOCALE)
    chair.goto(reverse("staff_jury_queue"))
    click_and_wait(chair, chair.get_by_role("link", name="Jury progress"))
    assert_accessible(chair)
    assert "1 / 2" in chair.locator("#dossiers").inner_text()
    click_and_wait(chair, chair.get_by_role("link", name="Remind the late juror now"))
    assert "Paul Lenoir" in chair.locator("#late-jurors").inner_text()
    click_and_wait(chair, chair.get_by_role("button", name="Send the reminders"))
    assert "reminded of 1 dossier" in chair.locator("#reminders").inner_text()
    reminder = OutboundEmail.objects.get(event="jury_reminder")
    assert reminder.recipient == late.email
    assert second.reference in reminder.body_text
