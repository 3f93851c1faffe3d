"""The applicant's main journey works with the keyboard alone (Tab, Enter, Space, and
typing in the fields): the skip link first, then the login form, the dashboard, the
dossier page and the draft form. Every element that takes the focus on the way shows
it (a visible outline or shadow on ``:focus-visible``)."""

from allauth.account.models import EmailAddress
from django.urls import reverse

from calls.models import Application
from workflows.states import DossierState as S

from .conftest import E2E

pytestmark = E2E

PASSWORD = "mot-de-passe-test"  # tests/factories.py
MAX_TABS = 80

FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
        tag: element.tagName.toLowerCase(),
        text: (element.innerText || element.value || element.name || "").trim().slice(0, 60),
        focus_visible: element.matches(":focus-visible"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== "none",
        on_screen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
    };
}"""


def assert_focus_visible(page):
    focused = page.evaluate(FOCUSED)
    assert focused is not None, f"{page.url}: nothing has the focus"
    assert focused["focus_visible"] and (focused["outline"] or focused["shadow"]), (
        f"{page.url}: the focus on {focused} is not visible"
    )
    assert focused["on_screen"], f"{page.url}: the focused {focused} is off screen"


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator):
    """Press Tab until ``locator`` has the focus, checking that each element reached
    on the way shows its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if is_focused(locator):
            return
    raise AssertionError(f"{page.url}: {locator} cannot be reached with Tab")


def test_the_skip_link_comes_first_and_leads_to_the_content(page, world):
    page.goto(reverse("home"))

    page.keyboard.press("Tab")

    skip = page.locator("a.skip-link")
    assert is_focused(skip)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # The next Tab goes to the first link of the content, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert_focus_visible(page)


def test_the_main_journey_works_with_the_keyboard_alone(page, world):
    applicant = world.applicant
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    draft = world.dossier(S.DRAFT)
    page.goto(reverse("home"))

    # The login link, the login form, Enter to log in.
    tab_to(page, page.locator(f'a[href="{reverse("account_login")}"]').first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.locator("main input[type=email]"))
    page.keyboard.type(applicant.email)
    page.keyboard.press("Tab")
    assert is_focused(page.locator("main input[type=password]"))
    assert_focus_visible(page)
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("dashboard")), page.url

    # The dashboard lists the draft: open it.
    detail = reverse("dossier_detail", args=[draft.pk])
    tab_to(page, page.locator(f'main a[href="{detail}"]').first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(detail)

    # The dossier page leads to the draft form.
    project = reverse("dossier_edit", args=[draft.pk, "projet"])
    tab_to(page, page.locator(f'main a[href="{project}"]').first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(project)

    # The project section: a new title (Tab selects the field's text), Space on the
    # button that saves and goes on.
    tab_to(page, page.get_by_label("Project title", exact=False).or_(page.locator("#id_title")))
    page.keyboard.type("Permanence juridique à Bordeaux Sud")
    tab_to(page, page.locator("main button[name=action][value=continue]"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    draft.refresh_from_db()
    assert draft.title == "Permanence juridique à Bordeaux Sud"

    # The objectives section: Space ticks a box, Enter on "Save" saves it.
    assert page.url.endswith(reverse("dossier_edit", args=[draft.pk, "objectifs"]))
    before = set(draft.objectives.values_list("pk", flat=True))
    unticked = page.locator("main input[type=checkbox]:not(:checked)").first
    box = page.locator(f"#{unticked.get_attribute('id')}")
    value = int(box.get_attribute("value"))
    tab_to(page, box)
    page.keyboard.press("Space")
    assert box.is_checked()
    tab_to(page, page.locator("main button[name=action][value=save]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    chosen = Application.objects.get(pk=draft.pk).objectives.values_list("pk", flat=True)
    assert set(chosen) == before | {value}
