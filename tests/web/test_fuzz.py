"""Hostile and clumsy input on every form: no 500.

Every page of the site (the back office's from the access matrix, the others from
``PAGES`` here) is opened as a role allowed to use it, and every POST form found on it,
plus the action the access matrix posts, is sent again and again with its fields
replaced: empty, 10,000 characters, NUL and control characters, HTML, huge, negative
and zero numbers, an id that is not a number. Each POST runs in a savepoint rolled back
afterwards, so that every variant meets the page as it was. Any answer 5xx or
exception is a failure. The ids of the URLs: beyond 18 digits "page not found", at 18
digits (past every row) "page not found" too, never an error.

A URL of the site missing from both tables (or from ``NO_FORM``) fails
``test_every_url_is_fuzzed``: a new form cannot ship untried."""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter

from tests.staff.test_access_matrix import (
    ADMINISTRATOR,
    ANONYMOUS,
    APPLICANT,
    ROLES,
    TABLE,
    Scene,
    _nomination,
)
from workflows.states import DossierState as S

LONG = "x" * 10_000
KINDS = {
    "empty": "",
    "10,000 characters": LONG,
    "control characters": "motif\x00 avec\x01 des\x07 contrôles\x1b\x7f",
    "HTML": '<script>alert("x")</script><img src=x onerror=alert(1)>"\'',
    "huge number": "9" * 25,
    "negative number": "-12",
    "zero": "0",
    "wrong id": "abc",
}
# Kinds also tried field by field (the other fields keep their valid value).
ONE_BY_ONE = ("control characters", "huge number", "wrong id")
MAX_FIELDS = 20

# ------------------------------------------------------------------ the other pages


@dataclass
class Page:
    build: object  # (scene) -> url
    role: str


def _dossier(state, name, *extra):
    def build(scene):
        dossier = (
            scene.world.dossier(state) if state in (S.DRAFT, S.INCOMPLETE) else scene.dossier(state)
        )
        return reverse(name, args=[dossier.pk, *extra])

    return build


def _documents_section(scene):
    """The documents section of a draft holding a document (its replace and delete
    forms)."""
    dossier = scene.world.dossier(S.DRAFT)
    _add_attachment(scene, dossier)
    return reverse("dossier_edit", args=[dossier.pk, "documents"])


def _section(scene):
    """The first section of a draft."""
    dossier = scene.world.dossier(S.DRAFT)
    page = Client()
    page.force_login(scene.world.applicant)
    detail = page.get(reverse("dossier_detail", args=[dossier.pk])).content.decode()
    prefix = reverse("dossier_edit", args=[dossier.pk, "x"]).rsplit("x/", 1)[0]
    start = detail.index(prefix)
    return detail[start : detail.index('"', start)]


def _attachment(name):
    def build(scene):
        dossier = scene.world.dossier(S.DRAFT)
        attachment = _add_attachment(scene, dossier)
        return reverse(name, args=[dossier.pk, attachment.pk])

    return build


def _add_attachment(scene, dossier):
    from calls import services as dossier_services
    from tests.staff.test_access_matrix import pdf_upload

    upload, _inspected = pdf_upload()
    document = dossier.call.required_documents.first()
    return dossier_services.add_attachment(
        dossier, scene.world.applicant, upload, required_document=document
    )


def _fixed(name, *args, query=""):
    def build(scene):
        return reverse(name, args=args) + query

    return build


def _organization(name):
    def build(scene):
        return reverse(name, args=[scene.world.organization.pk])

    return build


def _call(name):
    def build(scene):
        return reverse(name, args=[scene.world.call.pk])

    return build


def _create(scene):
    return reverse("dossier_create") + f"?call={scene.world.call.pk}"


def _nominate(scene):
    return reverse("nomination_create", args=[_nomination(scene).call_id])


def _nomination_page(name):
    def build(scene):
        return reverse(name, args=[_nomination(scene).pk])

    return build


PAGES = {
    "home": Page(_fixed("home"), ANONYMOUS),
    "public_observatory": Page(
        _fixed("public_observatory", query="?call=abc&year=99999&kind=x"), ANONYMOUS
    ),
    "public_call_list": Page(_fixed("public_call_list", query="?q=aide&page=2"), ANONYMOUS),
    "public_call_detail": Page(_call("public_call_detail"), APPLICANT),
    "dashboard": Page(_fixed("dashboard"), APPLICANT),
    "dossier_create": Page(_create, APPLICANT),
    "dossier_detail": Page(_dossier(S.SUBMITTED, "dossier_detail"), APPLICANT),
    "dossier_draft": Page(_dossier(S.DRAFT, "dossier_detail"), APPLICANT),
    "dossier_edit": Page(_section, APPLICANT),
    "dossier_edit_documents": Page(_documents_section, APPLICANT),
    "dossier_check": Page(_dossier(S.DRAFT, "dossier_check"), APPLICANT),
    "dossier_incomplete": Page(_dossier(S.INCOMPLETE, "dossier_detail"), APPLICANT),
    "dossier_withdraw": Page(_dossier(S.SUBMITTED, "dossier_withdraw"), APPLICANT),
    "dossier_attachment_delete": Page(_attachment("dossier_attachment_delete"), APPLICANT),
    "nomination_create": Page(_nominate, APPLICANT),
    "nomination_list": Page(_fixed("nomination_list"), APPLICANT),
    "nomination_detail": Page(_nomination_page("nomination_detail"), APPLICANT),
    "nomination_decline": Page(_nomination_page("nomination_decline"), APPLICANT),
    "org_list": Page(_fixed("org_list"), APPLICANT),
    "org_create": Page(_fixed("org_create"), APPLICANT),
    "org_detail": Page(_organization("org_detail"), APPLICANT),
    "org_edit": Page(_organization("org_edit"), APPLICANT),
    "org_leave": Page(_organization("org_leave"), APPLICANT),
    "account_login": Page(_fixed("account_login"), ANONYMOUS),
    "account_signup": Page(_fixed("account_signup"), ANONYMOUS),
    "account_reset_password": Page(_fixed("account_reset_password"), ANONYMOUS),
    "account_email": Page(_fixed("account_email"), APPLICANT),
    "account_change_password": Page(_fixed("account_change_password"), APPLICANT),
    "mfa_index": Page(_fixed("mfa_index"), ADMINISTRATOR),
    "account_reauthenticate": Page(_fixed("account_reauthenticate"), APPLICANT),
}

# URLs of the site whose forms live on another page (tried there), or that hold no
# form: each with why.
NO_FORM = {
    "favicon": "an icon",
    "admin_login_redirect": "a redirect to the site's login",
    "public_objectives": "a page without a form",
    "public_laureates": "a page without a form",
    "public_observatory_csv": "a file (the figures of the public observatory)",
    "public_observatory_json": "a file (the figures of the public observatory)",
    "public_laureates_edition": "a page without a form",
    "dossier_transition": "the action buttons of the dossier pages",
    "dossier_message": "the message form of the dossier pages",
    "dossier_message_attachment": "a file",
    "dossier_submit": "the form of the check page",
    "dossier_submitted": "a confirmation page",
    "dossier_attachment_add": "the upload form of the sections",
    "dossier_attachment": "a file",
    "dossier_attachment_replace": "the replace form of the sections (dossier_edit)",
    "org_invite": "the invitation form of the organisation's page (org_detail)",
    "org_invitation_accept": "its form has a one-time token in the URL: tests/accounts",
    "nomination_accept": "the accept button of the nomination pages (nomination_detail)",
    "set_language": "the language switch of every page",
    "dev_mailbox": "development only",
    "dev_mailbox_email": "development only",
}
PROJECT_URLCONFS = ("config.", "calls.", "reviews.", "notifications.", "accounts.", "workflows.")


def project_urls():
    """name -> (route, pattern) of every URL of the project's own URL modules."""
    found = {}

    def walk(patterns, prefix, module):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                urlconf = pattern.urlconf_name
                walk(pattern.url_patterns, route, getattr(urlconf, "__name__", str(urlconf)))
            elif module.startswith(PROJECT_URLCONFS) and pattern.name:
                found[pattern.name] = (route, pattern)

    walk(get_resolver().url_patterns, "", settings.ROOT_URLCONF)
    return found


def test_every_url_is_fuzzed():
    urls = project_urls()
    assert "dossier_detail" in urls and "staff_decisions" in urls and "outbox_list" in urls
    untried = sorted(set(urls) - set(TABLE) - set(PAGES) - set(NO_FORM) - {"dossier_draft"})
    assert not untried, f"URLs whose forms are not tried here: {untried}"


def test_no_url_takes_an_unbounded_number():
    """<int:…> accepts any number of digits: the site's ids are <id:…>."""
    unbounded = [
        route
        for route, pattern in project_urls().values()
        if any(isinstance(c, IntConverter) for c in pattern.pattern.converters.values())
    ]
    assert not unbounded, f"use <id:…> (config/converters.py) instead of <int:…>: {unbounded}"


# ------------------------------------------------------------------ reading forms


class FormReader(HTMLParser):
    """The POST forms of a page: action and fields with the values a browser sends."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            post = (attrs.get("method") or "get").lower() == "post"
            self._form = {"action": attrs.get("action") or "", "fields": {}} if post else None
            if post:
                self.forms.append(self._form)
            return
        form = self._form
        if form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs or name not in form["fields"]:
                    form["fields"][name] = attrs.get("value") or "on"
            elif kind in {"submit", "image", "button"}:
                form["fields"].setdefault(name, attrs.get("value") or "")
            else:
                form["fields"][name] = attrs.get("value") or ""
        elif tag == "button":
            form["fields"].setdefault(name, attrs.get("value") or "")
        elif tag == "select":
            self._select = name
            form["fields"].setdefault(name, "")
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if "selected" in attrs or not form["fields"][self._select]:
                form["fields"][self._select] = value
        elif tag == "textarea":
            self._textarea = name
            form["fields"][name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(response, url):
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    reader = FormReader()
    reader.feed(response.content.decode())
    found = []
    for form in reader.forms:
        action = urljoin(url, form["action"]) if form["action"] else url
        if urlsplit(action).netloc or not action.startswith("/"):
            continue
        found.append((action, form["fields"]))
    return found


# --------------------------------------------------------------------- fuzzing


def variants(fields):
    names = [n for n in fields if n != "csrfmiddlewaretoken"][:MAX_FIELDS]
    for kind, value in KINDS.items():
        yield kind, "every field", {**fields, **dict.fromkeys(names, value)}
    for kind in ONE_BY_ONE:
        for name in names:
            yield kind, name, {**fields, name: KINDS[kind]}


def fuzz(client, user, forms, skip=frozenset({"account_logout"})):
    """Every variant of every form; the failures as lines."""
    failures = []
    seen = set()
    for action, fields in forms:
        try:
            match = resolve(urlsplit(action).path)
        except Resolver404:
            continue
        key = (match.url_name, tuple(sorted(fields)))
        if key in seen or match.url_name in skip:
            continue
        seen.add(key)
        for kind, where, data in variants(fields):
            if user is not None:
                client.force_login(user)
            try:
                with transaction.atomic():
                    response = client.post(action, data)
                    transaction.set_rollback(True)
            except Exception as error:  # noqa: BLE001 (every error is a failure to report)
                failures.append(
                    f"POST {action} ({kind} in {where}): {type(error).__name__}: {error}"
                )
                continue
            if response.status_code >= 500:
                failures.append(f"POST {action} ({kind} in {where}): {response.status_code}")
    return failures


def allowed_role(entry):
    for table in (entry.post or {}, entry.get):
        for role in ROLES:
            if role != ANONYMOUS and table.get(role) in {200, 302, 400}:
                return role
    return None


def run(scene, url, role, extra_data=None, *, language_switch=False):
    user = scene.users[role]
    client = Client()
    if user is not None:
        client.force_login(user)
    forms = forms_of(client.get(url), url)
    if extra_data is not None:
        forms.append((url.split("?")[0], {k: str(v) for k, v in extra_data.items()}))
    # The language switch of every page is tried once, with the home page.
    skip = {"account_logout"} | (set() if language_switch else {"set_language"})
    return forms, fuzz(client, user, forms, skip)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_fuzz_back_office(name, world, settings):
    entry = TABLE[name]
    scene = Scene(world, settings)
    target = entry.build(scene, name)
    role = allowed_role(entry)
    if role is None:
        pytest.fail(f"{name}: no role may use it in the access matrix")
    _, failures = run(scene, target.url, role, target.data)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fuzz_pages(name, world, settings):
    page = PAGES[name]
    scene = Scene(world, settings)
    url = page.build(scene)
    forms, failures = run(scene, url, page.role, language_switch=name == "home")
    assert not failures, "\n".join(failures)
    assert forms, f"{name}: no form found on {url} (the language switch at least)"


def test_the_fuzz_finds_the_forms(world, settings):
    """The reading of forms sees the fields a browser sends (a broken reader would send
    nothing and find no error)."""
    scene = Scene(world, settings)
    client = Client()
    client.force_login(world.applicant)
    url = reverse("org_edit", args=[world.organization.pk])
    forms = forms_of(client.get(url), url)
    fields = next(f for action, f in forms if action == url)
    assert fields["name"] == world.organization.name
    assert "csrfmiddlewaretoken" in fields
    assert scene.users[APPLICANT] == world.applicant


# ----------------------------------------------------------------- ids in URLs


def _with_ids(route, value):
    """``route`` with every converted part replaced: ids by ``value``, words by "x"."""
    path = route
    while "<" in path:
        start = path.index("<")
        end = path.index(">", start)
        converter = path[start + 1 : end].split(":")[0]
        path = path[:start] + (value if converter == "id" else "x") + path[end + 1 :]
    return "/" + path


@pytest.mark.parametrize("value", ["999999999999999999", "99999999999999999999", "0"])
def test_ids_out_of_range_in_urls_are_not_found(value, world, client):
    client.force_login(world.administrator)
    failures = []
    for name, (route, _pattern) in sorted(project_urls().items()):
        if "<id:" not in route:
            continue
        url = _with_ids(route, value)
        for method in (client.get, client.post):
            try:
                response = method(url)
            except Exception as error:  # noqa: BLE001
                failures.append(f"{method.__name__.upper()} {url} ({name}): {error!r}")
                continue
            if response.status_code not in {404, 405}:
                failures.append(f"{url} ({name}): {response.status_code}")
    assert not failures, "\n".join(failures)
