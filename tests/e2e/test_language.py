"""French by default, English through the language switch of every page, which keeps
the visitor on the page they were reading."""

import re

from django.urls import reverse

from .conftest import E2E

pytestmark = E2E


def test_french_is_the_default_language(site):
    # A browser asking for a language the site does not offer gets French.
    page = site.new_page(locale="de-DE")
    page.goto(reverse("home"))

    assert page.locator("html").get_attribute("lang") == "fr"
    menu = page.get_by_role("navigation", name=re.compile("menu", re.I))
    assert menu.get_by_role("link", name="Accueil").is_visible()
    french = page.get_by_role("button", name="Français")
    assert french.get_attribute("aria-current") == "true"
    assert page.get_by_role("button", name="English").get_attribute("aria-current") is None


def test_switching_to_english_and_back_keeps_the_current_page(page):
    login = reverse("account_login")
    page.goto(login)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Accueil").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()

    assert page.url.endswith(login)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Home", exact=True).is_visible()
    assert page.get_by_role("button", name="English").get_attribute("aria-current") == "true"

    # The choice is remembered from page to page.
    page.goto(reverse("home"))
    assert page.locator("html").get_attribute("lang") == "en"

    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Accueil").is_visible()


def test_the_language_switch_works_with_the_keyboard(page):
    page.goto(reverse("home"))
    english = page.get_by_role("button", name="English")
    for _ in range(30):
        page.keyboard.press("Tab")
        if english.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the English button cannot be reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Home", exact=True).is_visible()
