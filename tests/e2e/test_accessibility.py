"""Every page of the applicant portal passes axe-core's WCAG 2.0/2.1 A and AA rules with
no serious or critical violation, in the real browser, as the person who uses it sees
it: anonymous visitors for the public and account pages, the applicant for their
dashboard, organisation and dossiers. Forms are also checked with their error
messages shown.

One test per audience visits all its pages and reports every page with a problem at
once (a browser test pays for a fresh database each time)."""

from django.urls import reverse

from accounts import services as accounts_services
from calls.dossier_views import sections_for
from tests.factories import verified_email
from workflows.states import DossierState as S

from .conftest import E2E, axe, describe

pytestmark = E2E


def check_pages(page, pages):
    """{page name: problem} for the pages (name → URL) that do not load, fail axe, or
    hold something their Content-Security-Policy refuses (inline code or styles)."""
    problems = {}
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    for name, url in pages.items():
        refused.clear()
        response = page.goto(url)
        if response.status != 200:
            problems[name] = f"{url} answered HTTP {response.status}"
            continue
        violations = axe(page)
        if violations:
            problems[name] = f"{url}\n{describe(violations)}"
        if refused:
            problems[name] = f"{url} refused by its policy: " + "; ".join(refused)
    return problems


def report(problems):
    return "\n\n".join(f"{name}: {problem}" for name, problem in problems.items())


def test_public_and_account_pages(page, world):
    pages = {
        "home": reverse("home"),
        "calls": reverse("public_call_list"),
        "call page": reverse("public_call_detail", args=[world.call.pk]),
        "objectives": reverse("public_objectives"),
        "login": reverse("account_login"),
        "sign-up": reverse("account_signup"),
        "password reset": reverse("account_reset_password"),
    }

    problems = check_pages(page, pages)

    assert problems == {}, report(problems)


def test_applicant_pages(site, world):
    draft = world.dossier(S.DRAFT)
    dossiers = {
        "draft": draft,
        "submitted": world.dossier(S.SUBMITTED),
        "completion requested": world.dossier(S.INCOMPLETE),
        "decision notified": world.dossier(S.NOTIFIED),
    }
    organization = world.organization.pk
    pages = {
        "home (logged in)": reverse("home"),
        "dashboard": reverse("dashboard"),
        **{
            f"dossier page, {name}": reverse("dossier_detail", args=[dossier.pk])
            for name, dossier in dossiers.items()
        },
        **{
            f"draft section {section.slug}": reverse("dossier_edit", args=[draft.pk, section.slug])
            for section in sections_for(draft)
        },
        "check page": reverse("dossier_check", args=[draft.pk]),
        "submitted page": reverse("dossier_submitted", args=[dossiers["submitted"].pk]),
        "withdrawal page": reverse("dossier_withdraw", args=[dossiers["submitted"].pk]),
        "organisations": reverse("org_list"),
        "organisation": reverse("org_detail", args=[organization]),
        "organisation, edit": reverse("org_edit", args=[organization]),
        "organisation, invite": reverse("org_invite", args=[organization]),
        "new organisation": reverse("org_create"),
    }
    page = site.new_page(user=world.applicant)

    problems = check_pages(page, pages)

    assert problems == {}, report(problems)


def test_forms_showing_their_errors(site, world):
    problems = {}
    page = site.new_page()

    def check(name, url, fill):
        page.goto(url)
        fill()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        assert page.locator("main .error-summary, main .errorlist, main .field-errors").count(), (
            f"{name}: no error shown"
        )
        if violations := axe(page):
            problems[name] = describe(violations)

    def wrong_password():
        page.locator("main input[type=email]").fill("inconnu@example.org")
        page.locator("main input[type=password]").fill("mauvais-mot-de-passe")

    def refused_passwords():
        page.locator("main input[type=email]").fill("nouvelle@example.org")
        page.locator("main input[type=password]").nth(0).fill("court")
        page.locator("main input[type=password]").nth(1).fill("different")

    check("login, wrong password", reverse("account_login"), wrong_password)
    check("sign-up, passwords refused", reverse("account_signup"), refused_passwords)

    # The invitation page, for somebody who has no account yet.
    verified_email(world.applicant)
    invitation = accounts_services.invite(
        world.applicant, world.organization, "benevole@example.org"
    )
    page.goto(reverse("org_invitation_accept", args=[invitation.token]))
    if violations := axe(page):
        problems["invitation"] = describe(violations)

    # The applicant's forms.
    page = site.new_page(user=world.applicant)
    draft = world.dossier(S.DRAFT)

    def bad_siret():
        page.locator("main input[name=name]").fill("Association de test")
        page.locator("main input[name=siret]").fill("123")

    def requested_above_total():
        page.locator("main input[name=total_budget]").fill("1000")
        page.locator("main input[name=requested_amount]").fill("5000")

    check("new organisation, bad SIRET", reverse("org_create"), bad_siret)
    check(
        "budget, requested above total",
        reverse("dossier_edit", args=[draft.pk, "budget"]),
        requested_above_total,
    )
    empty = world.dossier(S.DRAFT, title="Brouillon vide")
    empty.objectives.clear()
    page.goto(reverse("dossier_check", args=[empty.pk]))
    assert page.locator("#missing-list li").count()
    if violations := axe(page):
        problems["check page, items missing"] = describe(violations)

    assert problems == {}, report(problems)


def test_the_check_reports_what_a_person_would_be_hindered_by(page, live_server):
    """The helper itself: axe runs in the page and its serious violations come back."""
    page.goto(reverse("home"))
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend",
                '<form><input type="text" name="nameless"></form><p id="pale">Texte pâle</p>');
            // Through the CSS object model: the page's policy refuses style attributes.
            const pale = document.getElementById("pale");
            pale.style.color = "#bbbbbb";
            pale.style.background = "#ffffff";
        }"""
    )

    found = {violation["id"] for violation in axe(page)}

    assert {"label", "color-contrast"} <= found
