"""A prize edition's jury in the browser: the administrator assigns the call's dossiers
to the jury in bulk from the jury progress page (a preview, then one email per juror
listing their dossiers); the juror reaches their queue from the menu, sees only the
title and organisation of a dossier until they confirm having no conflict of interest,
confirms on two dossiers and scores them on pages that show the dossier beside the
grid, seeing the jury's average only once their own scores are submitted, and declares
a conflict on the third; the jury's president follows the progress from their queue
and reminds the late juror, whose email is in the outbox. Pages checked with axe-core."""

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
    third = world.dossier(S.IN_JURY, title="Épicerie solidaire")
    dossiers = (first, second, third)

    # The administrator assigns the three jurors to every dossier, in bulk.
    admin = site.new_page(world.administrator, locale=LOCALE)
    admin.goto(reverse("staff_jury_progress", args=[world.call.pk]))
    click_and_wait(admin, admin.get_by_role("link", name="Assign the jurors in bulk"))
    assert_accessible(admin)
    admin.get_by_label("Jurors on each dossier").fill("3")
    click_and_wait(admin, admin.get_by_role("button", name="Preview the distribution"))
    assert "9 new assignments proposed" in admin.locator("#confirm-form").inner_text()
    loads = admin.locator("#loads").inner_text()
    assert "Paul Lenoir\t3" in loads and "Anne Roy\t3" in loads, loads
    click_and_wait(admin, admin.get_by_role("button", name="Confirm and notify the jurors"))
    assigned = OutboundEmail.objects.filter(event="jury_assigned", recipient=world.juror.email)
    assert assigned.count() == 1  # one email per juror per batch, listing the dossiers
    assert all(dossier.reference in assigned.get().body_text for dossier in dossiers)

    # The president has scored everything; the late juror only the first dossier.
    for dossier in dossiers:
        services.confirm_no_conflict(dossier, president)
        services.save_scorecard(dossier, president, {c.pk: 5 for c in grid}, submit=True)
    services.confirm_no_conflict(first, late)
    services.save_scorecard(first, late, {c.pk: 8 for c in grid}, submit=True)

    # The juror goes from the menu to the queue; a dossier shows its title and
    # organisation only, until they confirm having no conflict of interest.
    juror = site.new_page(world.juror, locale=LOCALE)
    juror.goto(reverse("dashboard"))
    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    assert_accessible(juror)
    queue = juror.locator("#queue").inner_text()
    assert all(dossier.reference in queue for dossier in dossiers)
    click_and_wait(juror, juror.get_by_role("link", name=first.reference))
    assert_accessible(juror)
    assert juror.locator("#dossier-title").inner_text() == "Jardin partagé"
    assert juror.locator("#dossier-content").count() == 0
    assert "Un jardin ouvert à tous." not in juror.locator("main").inner_text()
    click_and_wait(
        juror,
        juror.get_by_role(
            "button", name="I confirm I have no conflict of interest with this dossier"
        ),
    )
    assert "Un jardin ouvert à tous." in juror.locator("#dossier-content").inner_text()
    assert juror.locator("#jury-average").count() == 0
    assert "not shown to you now" in juror.locator("#scores-hidden").inner_text()
    juror.get_by_label("Ancrage local").fill("11")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    assert "between 0 and 10" in juror.locator(f"#id_criterion_{grid[0].pk}_error").inner_text()
    juror.get_by_label("Ancrage local").fill("4")
    juror.get_by_label("Caractère innovant").fill("6")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    # (16 + 10 + 10) / 3 scorecards, each out of 20.
    assert (
        "Weighted average: 12.00 / 20 (3 scorecards)" in juror.locator("#jury-average").inner_text()
    )
    assert "Juror 1" in juror.locator("#jury-scores").inner_text()
    assert "Lenoir" not in juror.locator("#jury-scores").inner_text()

    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    click_and_wait(juror, juror.get_by_role("link", name=second.reference))
    click_and_wait(
        juror,
        juror.get_by_role(
            "button", name="I confirm I have no conflict of interest with this dossier"
        ),
    )
    juror.get_by_label("Ancrage local").fill("7")
    juror.get_by_label("Caractère innovant").fill("7")
    click_and_wait(juror, juror.get_by_role("button", name="Submit my scores (final)"))
    assert (
        "Weighted average: 12.00 / 20 (2 scorecards)" in juror.locator("#jury-average").inner_text()
    )

    # The third dossier: the juror declares a conflict of interest with a reason.
    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    click_and_wait(juror, juror.get_by_role("link", name=third.reference))
    juror.get_by_label("Reason (optional)").fill("Je suis bénévole de cette épicerie.")
    click_and_wait(juror, juror.get_by_role("button", name="Declare a conflict of interest"))
    click_and_wait(juror, menu(juror).get_by_role("link", name="Dossiers to score"))
    assert "(2)" in juror.locator("#tab-soumis").inner_text()
    assert "(1)" in juror.locator("#tab-conflits").inner_text()
    assert third.reference not in juror.locator("#queue").inner_text()

    # The president follows the progress and reminds the late juror.
    chair = site.new_page(president, locale=LOCALE)
    chair.goto(reverse("staff_jury_queue"))
    click_and_wait(chair, chair.get_by_role("link", name="Jury progress"))
    assert_accessible(chair)
    assert "3 / 3" in chair.locator("#dossiers").inner_text()
    click_and_wait(chair, chair.get_by_role("link", name="Remind the late juror now"))
    assert "Paul Lenoir" in chair.locator("#late-jurors").inner_text()
    click_and_wait(chair, chair.get_by_role("button", name="Send the reminders"))
    assert "reminded of 2 dossiers" in chair.locator("#reminders").inner_text()
    reminder = OutboundEmail.objects.get(event="jury_reminder")
    assert reminder.recipient == late.email
    assert second.reference in reminder.body_text and third.reference in reminder.body_text
