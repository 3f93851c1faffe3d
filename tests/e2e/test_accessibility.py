"""Every page of the applicant portal passes axe-core's WCAG 2.0/2.1 A and AA rules with
no serious or critical violation, in the real browser, as the person who uses it sees
it: anonymous visitors for the public and account pages, the applicant for their
dashboard, organisation and dossiers. Forms are also checked with their error
messages shown.

One test per audience visits all its pages and reports every page with a problem at
once (a browser test pays for a fresh database each time)."""

from django.urls import reverse

from workflows.states import DossierState as S

from .conftest import E2E, axe, describe

pytestmark = E2E


def check_pages(page, pages):
    """{page name: problem} for the pages (name → URL) that do not load or fail axe."""
    problems = {}
    for name, url in pages.items():
        response = page.goto(url)
        if response.status != 200:
            problems[name] = f"{url} answered HTTP {response.status}"
            continue
        violations = axe(page)
        if violations:
            problems[name] = f"{url}\n{describe(violations)}"
    return problems


def report(problems):
    return "\n\n".join(f"{name}: {problem}" for name, problem in problems.items())


def test_public_and_account_pages(page, world):
    pages = {
        "home": reverse("home"),
        "login": reverse("account_login"),
        "sign-up": reverse("account_signup"),
        "password reset": reverse("account_reset_password"),
    }

    problems = check_pages(page, pages)

    assert problems == {}, report(problems)


def test_applicant_pages(site, world):
    drafts = world.dossier(S.DRAFT)
    dossiers = {
        "draft": drafts,
        "submitted": world.dossier(S.SUBMITTED),
        "completion requested": world.dossier(S.INCOMPLETE),
        "decision notified": world.dossier(S.NOTIFIED),
    }
    pages = {
        "home (logged in)": reverse("home"),
        "dashboard": reverse("dashboard"),
        **{
            f"dossier page, {name}": reverse("dossier_detail", args=[dossier.pk])
            for name, dossier in dossiers.items()
        },
    }
    page = site.new_page(user=world.applicant)

    problems = check_pages(page, pages)

    assert problems == {}, report(problems)


def test_forms_showing_their_errors(page, world):
    problems = {}
    page.goto(reverse("account_login"))
    page.locator("main input[type=email]").fill("inconnu@example.org")
    page.locator("main input[type=password]").fill("mauvais-mot-de-passe")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("main .errorlist, main [role=alert], main .field-errors").count()
    if violations := axe(page):
        problems["login, wrong password"] = describe(violations)

    page.goto(reverse("account_signup"))
    page.locator("main input[type=email]").fill("nouvelle@example.org")
    passwords = page.locator("main input[type=password]")
    passwords.nth(0).fill("court")
    passwords.nth(1).fill("different")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("main .errorlist, main [role=alert], main .field-errors").count()
    if violations := axe(page):
        problems["sign-up, passwords refused"] = describe(violations)

    assert problems == {}, report(problems)


def test_the_check_reports_what_a_person_would_be_hindered_by(page, live_server):
    """The helper itself: axe runs in the page and its serious violations come back."""
    page.goto(reverse("home"))
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend",
                '<form><input type="text" name="nameless"></form>'
                + '<p style="color: #bbbbbb; background: #ffffff">Texte pâle</p>');
        }"""
    )

    found = {violation["id"] for violation in axe(page)}

    assert {"label", "color-contrast"} <= found
