"""Browser tests: Playwright drives Debian's chromium (``/usr/bin/chromium``, installed
by ``scripts/install_system_deps.sh``; no browser build is ever downloaded) against
pytest-django's ``live_server`` (127.0.0.1, stopped at the end of the run).

The live server answers from another thread of this process, so every browser test
uses a real (transactional) database: ``pytestmark = E2E`` in each module marks it
``e2e`` and asks for ``serialized_rollback`` so that the data loaded by migrations (the
28 objectives, the role groups) is there again after each test's flush.

Without chromium the tests are skipped with the reason, except under CI (``CI`` set),
where they fail: the browser tests must run there.
"""

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
AXE_SCRIPT = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 30_000

E2E = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(reason: str):
    if in_ci():
        pytest.fail(f"{reason}: the browser tests must run under CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser(transactional_db):
    """A headless chromium for one test, started once the test database is ready.

    Playwright's sync API marks its asyncio loop as running in this thread between its
    calls. Django's guard against the ORM in async code would see it, so the guard is
    off while the browser runs (the test code is synchronous). asgiref then also gives
    this thread other database connection objects than the ones set up for the test
    (by the time the browser starts, the test's database is ready, and rows are shared
    through the database itself): they are closed before the browser stops."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(
            f"{CHROMIUM} is missing: run `bash scripts/install_system_deps.sh` (or `make install`)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: run `make install`")
    guard = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:
            _unavailable(f"{CHROMIUM} does not start: {str(error).splitlines()[0]}")
        yield browser
        browser.close()
    finally:
        connections.close_all()
        playwright.stop()
        if guard is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = guard


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, on the loopback address only (its default,
    ``localhost``, may also mean ``::1``)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


_failed = pytest.StashKey[bool]()


@pytest.fixture
def site(request, live_server, browser):
    """The live server and a way to open browser contexts on it (one per person). When
    the test fails, each page is kept as a screenshot and HTML under test-results/."""
    site = Site(live_server.url, browser)
    yield site
    if request.node.stash.get(_failed, False):
        site.keep_pages(ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name))
    site.close()


@pytest.fixture
def page(site):
    """A page of a fresh browser context (anonymous, French)."""
    return site.new_page()


class Site:
    def __init__(self, url, browser):
        self.url = url.rstrip("/")
        self.browser = browser
        self.contexts = []

    def new_page(self, user=None, locale="fr-FR"):
        context = self.browser.new_context(locale=locale, base_url=self.url)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        if user is not None:
            self.log_in(context, user)
        return context.new_page()

    def log_in(self, context, user):
        """A session for ``user`` without going through the login form (which the
        journey tests use for real)."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "domain": urlsplit(self.url).hostname,
                    "path": "/",
                }
            ]
        )

    def keep_pages(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(self.contexts):
            for p, page in enumerate(context.pages):
                name = folder / f"context{c}-page{p}"
                try:
                    page.screenshot(path=f"{name}.png", full_page=True)
                    Path(f"{name}.html").write_text(page.content(), encoding="utf-8")
                except Exception as error:  # a closed or crashed page: keep what we can
                    Path(f"{name}.txt").write_text(repr(error), encoding="utf-8")
        print(f"\nBrowser pages of the failed test kept in {folder}")

    def close(self):
        for context in self.contexts:
            context.close()


def axe(page, tags=AXE_TAGS, impacts=AXE_IMPACTS):
    """The serious and critical violations (``impacts``; ``None``: every violation, minor
    and moderate too) of the WCAG 2.0/2.1 A and AA rules of axe-core on the page as it
    is now: a list of {id, impact, help, nodes: [target, summary]}."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the pages' Content-Security-Policy
        # refuses inline scripts, which add_script_tag(content=...) would insert.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations;
        }""",
        tags,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                {"target": node["target"], "summary": node.get("failureSummary", "")}
                for node in violation["nodes"]
            ],
        }
        for violation in results
        if impacts is None or violation["impact"] in impacts
    ]


def describe(violations) -> str:
    """A readable account of axe violations for an assertion message."""
    return json.dumps(violations, indent=2, ensure_ascii=False)


def assert_accessible(page):
    violations = axe(page)
    assert violations == [], f"{page.url}: axe violations\n{describe(violations)}"
