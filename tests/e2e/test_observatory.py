"""The observatory's pages in a real browser: the public page (with hidden cells) and the
staff page pass axe-core's WCAG 2.0/2.1 A and AA rules with no violation at all, whatever
its impact, fit a phone's screen (390 px) as well as a desktop's, and their filter form is
reached, filled and sent with the keyboard alone."""

import pytest
from django.urls import reverse

from workflows.states import DossierState as S

from .conftest import E2E, axe, describe

pytestmark = E2E


@pytest.fixture
def figures(world):
    """A few notified decisions (fewer than five: the public counts are hidden) and
    dossiers under instruction, over two districts and two channels."""
    world.dossier(S.NOTIFIED, districts=["sud"], channel="paper")
    world.dossier(S.NOTIFIED, districts=["sud", "centre"])
    world.dossier(S.SUBMITTED, districts=["bastide"], channel="counter")
    world.dossier(S.ELIGIBLE)
    return world


def pages(world):
    return {
        "public observatory": (None, reverse("public_observatory")),
        "staff observatory": (world.administrator, reverse("staff_observatory")),
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_the_observatory_pages_have_no_axe_violation(site, figures, width):
    problems = {}
    for name, (user, url) in pages(figures).items():
        page = site.new_page(user=user)
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        if violations := axe(page, impacts=None):
            problems[name] = describe(violations)
        # The page never scrolls sideways (the tables do, in their box), and every
        # caption is read whole on the screen, not cut by its table's box.
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (name, scroll_width)
        cut = page.evaluate(
            """(width) => [...document.querySelectorAll("table.observatory caption span")]
                .filter((span) => span.getBoundingClientRect().right > width)
                .map((span) => span.textContent)""",
            width,
        )
        assert cut == [], (name, cut)
        # The tables grow with their rows: none scrolls down inside its box.
        inner = page.evaluate(
            """() => [...document.querySelectorAll(".observatory-scroll")]
                .filter((box) => box.scrollHeight > box.clientHeight + 1).length"""
        )
        assert inner == 0, (name, inner)
    assert problems == {}, "\n\n".join(f"{n}: {p}" for n, p in problems.items())


def test_the_public_page_shows_hidden_amounts_as_a_word(site, figures):
    page = site.new_page()
    page.goto(reverse("public_observatory"))
    total = page.locator("table:has(#total-caption) tbody tr")
    cells = total.locator("td")
    assert cells.nth(0).inner_text() == "< 5"
    assert cells.nth(3).inner_text().startswith("masqué")
    # Its explanation is read out, not drawn (one pixel), and shown on hover.
    hidden = cells.nth(3).locator(".visually-hidden")
    assert hidden.text_content() == " (moins de 5 dossiers)"
    assert hidden.bounding_box()["width"] <= 1
    assert cells.nth(3).locator(".masked").get_attribute("title") == "moins de 5 dossiers"


@pytest.mark.parametrize("audience", ["public observatory", "staff observatory"])
def test_the_filter_form_is_sent_with_the_keyboard(site, figures, audience):
    user, url = pages(figures)[audience]
    page = site.new_page(user=user)
    page.goto(url)
    # From the top of the page, Tab reaches the first filter.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_call":
            break
    else:
        pytest.fail("Tab never reaches the call filter")
    # Tab to the kind of call, choose the first kind with the arrow key, Tab to the
    # button and press Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_kind"
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_kind").input_value() == "ami"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(url + "?call=&year=&kind=ami")
    assert page.locator("#id_kind").input_value() == "ami"
    assert page.locator("#total-caption").is_visible()
