"""Every role finds its pages by clicks. For each role (administrator, instructor,
governance member, juror, applicant, and a juror who is also a member of an
organisation), the person logs in through the login form (staff with their
authenticator app's code), lands on their page, and the test crawls the site from there
by the links the pages show (same site, GET, bounded): every page of the role's menus,
and the staff pages of their work, are reached without typing a URL. Each of those pages
has no axe-core violation at 1,280 px and at 390 px, and never scrolls sideways; the
staff pages are kept as screenshots at both widths under test-results/crawl/.

One test, one browser for the module, a bounded crawl (well under two minutes)."""

from collections import deque
from datetime import timedelta
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone

from calls.models import Application
from notifications.models import OutboundEmail
from reviews import services
from tests.factories import MembershipFactory, UserFactory, enrol_totp, totp_code, verified_email
from workflows import rules
from workflows.states import DossierState as S

from .conftest import ARTIFACTS, E2E, axe, describe

pytestmark = E2E

PASSWORD = "mot-de-passe-test"
MAX_PAGES = 40  # pages opened per role, at most
WIDTHS = (1280, 390)
# Links the crawl does not follow: account pages (passwords, factors), downloads,
# the admin, the API, the language switch and the development pages.
SKIPPED_PREFIXES = ("/comptes/", "/admin/", "/api/", "/i18n/", "/dev/", "/anymail/")
SKIPPED_PARTS = (
    "export",
    ".csv",
    ".json",
    ".xlsx",
    ".pdf",
    "piece-jointe",
    "/document/",
    "/lettre",
)


def log_in(page, user, secret=None):
    page.goto(reverse("account_login"))
    page.locator("main input[name=login]").fill(user.email)
    page.locator("main input[type=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if secret is not None:
        assert urlsplit(page.url).path == reverse("mfa_authenticate")
        page.locator("main input[name=code]").fill(totp_code(secret))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()


def _followed(href, origin):
    parts = urlsplit(href)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path
    if path.startswith(SKIPPED_PREFIXES) or any(part in path for part in SKIPPED_PARTS):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(page, targets):
    """Breadth-first from the page where the person landed, following the links the
    pages show, until every target is reached or MAX_PAGES are opened. Returns the
    targets reached."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    start = _followed(page.url, origin)
    seen, queue, reached, opened = {start}, deque([start]), set(), 0
    while queue and opened < MAX_PAGES and reached != targets:
        url = queue.popleft()
        if url != start:
            response = page.goto(url)
            opened += 1
            if response is None or response.status != 200:
                continue
        if url in targets:
            reached.add(url)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        # The links of the menus and of the page's own content first, in page order.
        for href in hrefs:
            link = _followed(href.split("#")[0], origin)
            if link and link not in seen:
                seen.add(link)
                queue.append(link)
    return reached


def check_pages(page, role, pages, *, keep):
    """axe and sideways scroll at both widths; screenshots of the staff pages."""
    problems = {}
    folder = ARTIFACTS / "crawl"
    folder.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            page.goto(url)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > page.evaluate("window.innerWidth"):
                problems[f"{name} at {width} px: scrollWidth"] = scroll
            violations = axe(page)
            if violations:
                problems[f"{name} at {width} px: axe"] = describe(violations)
            if keep:
                page.screenshot(path=str(folder / f"{role}-{name}-{width}.png"), full_page=True)
    return problems


def scene(world):
    consulted = world.dossier(S.IN_CONSULTATION, title="Maraude solidaire")
    Application.objects.filter(pk=consulted.pk).update(
        consultation_due_at=timezone.localdate() + timedelta(days=6)
    )
    awaiting = world.dossier(S.AWAITING_DECISION, title="Repair café du quartier")
    submitted = world.dossier(S.SUBMITTED, title="Épicerie solidaire")
    world.call.jury_scores = True
    world.call.save(update_fields=["jury_scores"])
    world.jury.scoring_deadline = timezone.localdate() + timedelta(days=10)
    world.jury.save()
    in_jury = world.dossier(S.IN_JURY, title="Jardin partagé")
    services.assign_juror(in_jury, world.juror, world.administrator)
    two_hats = UserFactory(
        email="deux-casquettes@example.org", first_name="Lise", roles=[rules.JURORS]
    )
    world.jury.members.add(two_hats)
    MembershipFactory(user=two_hats, organization=world.other_organization)
    services.assign_juror(in_jury, two_hats, world.administrator)
    email = OutboundEmail.objects.filter(application=awaiting).first()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, last_error="550 mailbox unavailable"
    )
    return submitted, consulted, in_jury, awaiting, two_hats


def test_every_role_reaches_its_pages_by_clicks(site, world):
    submitted, consulted, in_jury, awaiting, two_hats = scene(world)
    call = world.call.pk
    home, dashboard, orgs = reverse("staff_home"), reverse("dashboard"), reverse("org_list")
    roles = {
        "administrator": (
            world.administrator,
            home,
            {
                "queue": home,
                "dossiers": reverse("staff_dossier_list"),
                "calls": reverse("staff_call_list"),
                "consultations": reverse("staff_consultations"),
                "juries": reverse("staff_juries"),
                "jury-progress": reverse("staff_jury_progress", args=[call]),
                "ranking": reverse("staff_ranking", args=[call]),
                "deliberation": reverse("staff_deliberation", args=[call]),
                "decisions": reverse("staff_decisions"),
                "emails-held": reverse("outbox_list"),
                "emails-sent": reverse("outbox_sent"),
                "emails-failing": reverse("outbox_sent") + "?status=failed",
                "observatory": reverse("staff_observatory"),
                "audit": reverse("staff_audit"),
                "dossier": reverse("staff_dossier_detail", args=[awaiting.pk]),
            },
        ),
        "instructor": (
            world.instructor,
            home,
            {
                "queue": home,
                "to-instruct": reverse("staff_dossier_list") + "?state=submitted",
                "calls": reverse("staff_call_list"),
                "observatory": reverse("staff_observatory"),
                "dossier": reverse("staff_dossier_detail", args=[submitted.pk]),
            },
        ),
        "governance": (
            world.governance,
            home,
            {
                "queue": home,
                "opinions": reverse("staff_opinion_queue"),
                "opinion": reverse("staff_opinion", args=[consulted.pk]),
            },
        ),
        "juror": (
            world.juror,
            home,
            {
                "queue": home,
                "to-score": reverse("staff_jury_queue"),
                "scorecard": reverse("staff_scorecard", args=[in_jury.pk]),
            },
        ),
        "two-hats": (
            two_hats,
            home,
            {
                "queue": home,
                "to-score": reverse("staff_jury_queue"),
                "scorecard": reverse("staff_scorecard", args=[in_jury.pk]),
                "my-dossiers": dashboard,
                "my-organisations": orgs,
            },
        ),
        "applicant": (
            world.applicant,
            dashboard,
            {
                "my-dossiers": dashboard,
                "my-organisations": orgs,
                "dossier": reverse("dossier_detail", args=[awaiting.pk]),
                "calls": reverse("public_call_list"),
            },
        ),
    }
    unreached, problems = {}, {}
    for role, (user, landing, pages) in roles.items():
        secret = enrol_totp(user) if rules.is_staff_member(user) else None
        if secret is None:
            verified_email(user)
        page = site.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        log_in(page, user, secret)
        assert urlsplit(page.url).path == landing, f"{role} landed on {page.url}"
        missing = set(pages.values()) - crawl(page, set(pages.values()))
        if missing:
            unreached[role] = sorted(missing)
        problems.update(
            {
                f"{role} {key}": value
                for key, value in check_pages(
                    page, role, pages, keep=rules.is_staff_member(user)
                ).items()
            }
        )
        page.context.close()

    assert unreached == {}, "pages not reached by clicks from the landing page"
    assert problems == {}, "\n".join(f"{key}: {value}" for key, value in problems.items())
