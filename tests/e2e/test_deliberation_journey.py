"""A prize edition from its ranking to its public laureates, in the browser: the
administrator opens the deliberation screen, asks for the suggested selection, moves
its special prize to another association (the counters follow the boxes), records it,
declines the others with one motivation, records the minutes of the meeting, notifies
every decision from the outbox, and publishes the laureates; the public laureates page
shows them after the publication and not before. Pages checked with axe-core."""

from django.urls import reverse

from reviews.models import Decision
from tests.deliberation.conftest import Edition

from .conftest import E2E, assert_accessible

pytestmark = E2E

LOCALE = "en-GB"


def submit_and_wait(page, button):
    with page.expect_navigation():
        button.click()


def test_deliberation_minutes_notification_and_publication(site, prize_world):
    edition = Edition(prize_world)
    call = edition.call
    call.highlighted_count = 3
    call.special_prize_count = 1
    call.save()
    # Best first: A and B cover objective 1, D objective 2, the company objective 9.
    a = edition.scored([(5, 10)], objectives=(1,))
    b = edition.scored([(5, 9)], objectives=(1,))
    d = edition.scored([(4, 4)], objectives=(2,))
    company = edition.scored([(2, 2)], objectives=(9,), organization=edition.company)

    visitor = site.new_page(locale=LOCALE)
    assert visitor.goto(reverse("public_laureates_edition", args=[call.pk])).status == 404

    admin = site.new_page(edition.admin, locale=LOCALE)
    admin.goto(reverse("staff_call_detail", args=[call.pk]))
    with admin.expect_navigation():
        admin.get_by_role("link", name="Deliberation", exact=True).click()
    assert_accessible(admin)
    submit_and_wait(admin, admin.get_by_role("button", name="Suggest a selection"))
    assert_accessible(admin)
    suggested = admin.locator("#suggested-caption")
    assert "3 actions" in suggested.inner_text()
    assert admin.locator(f"#check-{a.pk}").is_checked()
    assert admin.locator(f"#check-{d.pk}").is_checked()
    assert admin.locator(f"#check-{company.pk}").is_checked()
    assert "Covers objective 9" in admin.locator(f"#row-{company.pk}").inner_text()
    assert admin.locator(f"#special-{a.pk}").is_checked()
    counters = admin.locator("#counters")
    assert admin.locator('[data-counter="highlighted"]').inner_text() == "3"
    assert admin.locator('[data-counter="covered"]').inner_text() == "3"

    # The special prize goes to D instead of A; the counters follow.
    admin.locator(f"#special-{a.pk}").uncheck()
    assert admin.locator('[data-counter="special"]').inner_text() == "0"
    admin.locator(f"#special-{d.pk}").check()
    assert admin.locator('[data-counter="special"]').inner_text() == "1"
    admin.get_by_label("Motivation").fill("Actions retenues par le jury réuni le 20 novembre.")
    submit_and_wait(admin, admin.get_by_role("button", name="Highlight the checked actions"))
    assert "3 decisions recorded" in admin.locator("main").inner_text()
    assert "3 / 3" in counters.inner_text()
    assert Decision.objects.get(application=d).special_prize
    assert not Decision.objects.get(application=a).special_prize

    # B is declined with one motivation.
    admin.locator(f"#check-{b.pk}").check()
    admin.get_by_label("Motivation").fill("Moins bien classée, objectif déjà couvert.")
    submit_and_wait(admin, admin.get_by_role("button", name="Decline the checked dossiers"))
    assert Decision.objects.filter(application__call=call).count() == 4

    # The minutes of the meeting.
    with admin.expect_navigation():
        admin.get_by_role("link", name="Minutes", exact=True).click()
    admin.get_by_label("Date of the meeting").fill("2026-11-20")
    admin.get_by_label("Members present").fill("Mme Dupont, présidente\nM. Martin\nMme Nguyen")
    admin.get_by_label("Quorum").fill("3 membres sur 4 : quorum atteint.")
    submit_and_wait(admin, admin.get_by_role("button", name="Record the minutes"))
    assert "The minutes of the deliberation are recorded" in admin.locator("main").inner_text()
    assert_accessible(admin)
    pdf = admin.request.get(reverse("staff_minutes_pdf", args=[call.pk]), timeout=90_000)
    assert pdf.body().startswith(b"%PDF")

    # Every decision is notified from the outbox, filtered on the edition.
    admin.goto(reverse("outbox_list") + f"?call={call.pk}")
    submit_and_wait(admin, admin.get_by_role("button", name="Send all"))
    for dossier in (a, b, d, company):
        dossier.refresh_from_db()
        assert dossier.state == "notified", dossier.reference

    # Publication, confirmed.
    admin.goto(reverse("staff_laureates", args=[call.pk]))
    assert_accessible(admin)
    admin.get_by_label("I confirm the publication").check()
    submit_and_wait(admin, admin.get_by_role("button", name="Publish the laureates"))
    assert "are published" in admin.locator("main").inner_text()

    visitor.goto(reverse("public_laureates_edition", args=[call.pk]))
    assert_accessible(visitor)
    special = visitor.locator("#special-title + article").inner_text()
    assert d.title in special
    text = visitor.locator("main").inner_text()
    assert a.title in text and company.title in text and b.title not in text
