"""Withdrawing a declared interest in the browser, by keyboard: on their declared
interests page the juror follows "Withdraw…", reads which dossier gets its conflict of
interest lifted and which keeps it, confirms, and finds the lifted dossier back in their
queue to confirm. Pages checked with axe-core."""

from django.urls import reverse

from reviews import services
from tests.factories import assign_confirmed
from workflows.services import perform
from workflows.states import DossierState as S

from .conftest import E2E, assert_accessible

pytestmark = E2E

LOCALE = "en-GB"


def test_a_juror_withdraws_an_interest_after_reading_what_it_changes(site, prize_world):
    world = prize_world
    open_jury = world.dossier(S.IN_JURY, title="Jardin partagé")
    closed = world.dossier(S.IN_JURY, title="Repair café")
    for dossier in (open_jury, closed):
        assign_confirmed(dossier, world.juror, world.administrator)
    services.declare_interest(world.juror, world.organization, "board")
    perform(closed, "close_jury", world.administrator)

    page = site.new_page(world.juror, locale=LOCALE)
    page.goto(reverse("staff_interests"))
    link = page.get_by_role("link", name=f"Withdraw the interest in {world.organization.name}")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    lifted = page.locator(f"#effect-{open_jury.pk}").inner_text()
    kept = page.locator(f"#effect-{closed.pk}").inner_text()
    assert "Conflict lifted" in lifted and "to confirm" in lifted
    assert "Conflict kept" in kept and "closed" in kept

    page.get_by_role("button", name="Confirm the withdrawal").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert open_jury.reference in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto(reverse("staff_jury_queue"))
    queue = page.locator("#queue").inner_text()
    assert open_jury.reference in queue and "To confirm" in queue
    assert closed.reference not in queue
