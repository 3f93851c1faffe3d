
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    PrizeFactory,
    UserFactory,
    mark_mfa_passed,
)
from workflows import rules
from workflows.paths import advance


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    print(f"\nDatabase engine for this run: {engine}")
    if engine == "django.db.backends.sqlite3":
        _let_the_harness_flush_the_audit_trail()


def _let_the_harness_flush_the_audit_trail():
    """Transactional tests empty the database after each test; on SQLite that is a DELETE
    of every table, which the audit trail's append-only triggers refuse: the harness
    flushes inside ``workflows.triggers.maintenance``."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class

    from workflows.triggers import maintenance

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with maintenance(self.connection, "test database flush"):
            original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """allauth counts logins, sign-ups and emails in the cache (rate limits): each test
    that uses the database starts with none. The cache is a table of the database
    (settings.CACHES): tests without the database have no cache to empty."""
    from django.core.cache import cache

    if not (
        "_django_db_helper" in request.fixturenames or request.node.get_closest_marker("django_db")
    ):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    cache.clear()
    yield
    cache.clear()


_real_force_login = Client.force_login


def _force_login_past_mfa(self, user, backend=None):
    """``Client.force_login``, then the session marked as having passed the second
    factor, exactly as allauth records it after a TOTP code (see accounts/mfa.py)."""
    _real_force_login(self, user, backend)
    mark_mfa_passed(self.session, user)


@pytest.fixture(autouse=True)
def _force_login_passes_mfa(request, monkeypatch):
    """Staff roles must pass a second factor before any back-office page
    (accounts/mfa.py). In the suite, ``client.force_login(user)`` (any ``Client``,
    including the browser tests' ``site.new_page(user=...)``) gives a session that
    passed it, so tests keep logging staff in with ``force_login``; nothing changes in
    production. A test about the second factor itself marks itself
    ``@pytest.mark.real_mfa``: there, ``force_login`` is Django's own and a staff
    session without a second factor is sent to enrolment."""
    if request.node.get_closest_marker("real_mfa") is None:
        monkeypatch.setattr(Client, "force_login", _force_login_past_mfa)


@pytest.fixture(autouse=True)
def _anymail_test_mailer(settings):
    """Django's test set-up swaps every mailer for locmem; the suite sends through
    anymail's test backend instead (it records what an ESP would receive, and still
    fills ``django.core.mail.outbox``)."""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


# The site speaks French by default (settings.LANGUAGE_CODE); the assertions of the
# suite are written against the English source strings. Tests therefore run in English
# unless they say otherwise: code called directly runs with English active, and the test
# clients ask for English pages (Accept-Language). A test about French pages asks for
# them explicitly: ``client.get(url, HTTP_ACCEPT_LANGUAGE="fr")``, a ``django_language``
# cookie, or ``client.defaults.pop("HTTP_ACCEPT_LANGUAGE")`` for the site's default.
# Emails are rendered in French whatever the active language
# (notifications.services.render_email), and the browser tests (tests/e2e) send the
# Accept-Language of their browser context, French by default.
TEST_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english_in_tests():
    translation.activate(TEST_LANGUAGE)
    yield
    translation.deactivate()


class EnglishClient(Client):
    """A test client asking for English pages. A request leaves the test's own language
    as it was: LocaleMiddleware activates the language of each request in the thread
    that handles it, which is the test's thread."""

    def __init__(self, *args, **defaults):
        defaults.setdefault("HTTP_ACCEPT_LANGUAGE", TEST_LANGUAGE)
        super().__init__(*args, **defaults)

    def request(self, **request):
        with translation.override(translation.get_language()):
            return super().request(**request)


@pytest.fixture
def client():
    """pytest-django's ``client``, asking for English pages."""
    return EnglishClient()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's ``admin_client``, asking for English pages."""
    client = EnglishClient()
    client.force_login(admin_user)
    return client


class World:
    """A call with one user per role and two applicant organisations."""

    count = 0

    def __init__(self, kind="ami"):
        from reviews.models import GovernanceBody, Jury

        World.count += 1
        n = "" if World.count == 1 else f"-{World.count}"

        factory = CallFactory if kind == "ami" else PrizeFactory
        self.call = factory(opinions_required=(kind == "ami"))
        self.administrator = UserFactory(
            email=f"admin{n}@example.org", roles=[rules.ADMINISTRATORS]
        )
        self.instructor = UserFactory(
            email=f"instructeur{n}@example.org", roles=[rules.INSTRUCTORS]
        )
        self.other_instructor = UserFactory(
            email=f"instructeur2{n}@example.org", roles=[rules.INSTRUCTORS]
        )
        self.call.instructors.add(self.instructor)
        self.governance = UserFactory(
            email=f"instance{n}@example.org", roles=[rules.GOVERNANCE_MEMBERS]
        )
        self.body = GovernanceBody.objects.create(name=f"Conseil des solidarités {self.call.pk}")
        self.body.members.add(self.governance)
        self.call.governance_bodies.add(self.body)
        self.juror = UserFactory(email=f"jure{n}@example.org", roles=[rules.JURORS])
        self.jury = Jury.objects.create(call=self.call, name="Jury")
        self.jury.members.add(self.juror)
        self.organization = OrganizationFactory(name="Association Les Amis du Quartier")
        self.applicant = MembershipFactory(
            organization=self.organization, user__email=f"porteur{n}@example.org"
        ).user
        self.other_organization = OrganizationFactory(name="Association Voisine")
        self.other_applicant = MembershipFactory(
            organization=self.other_organization, user__email=f"voisin{n}@example.org"
        ).user
        self.anonymous = None

    @property
    def actors(self):
        return {
            "applicant": self.applicant,
            "instructor": self.instructor,
            "administrator": self.administrator,
        }

    def roles(self):
        """Every role, by name (anonymous excluded)."""
        return {
            "applicant": self.applicant,
            "other_applicant": self.other_applicant,
            "instructor": self.instructor,
            "other_instructor": self.other_instructor,
            "governance": self.governance,
            "juror": self.juror,
            "administrator": self.administrator,
        }

    def dossier(self, state="draft", organization=None, data=None, **kwargs):
        """A dossier brought to ``state`` through the real transitions."""
        organization = organization or self.organization
        dossier = ApplicationFactory(call=self.call, organization=organization, **kwargs)
        actors = self.actors
        if organization != self.organization:
            actors = {**actors, "applicant": self.member_of(organization)}
        return advance(dossier, state, actors, data=data)

    def member_of(self, organization):
        if organization == self.other_organization:
            return self.other_applicant
        membership = organization.memberships.select_related("user").first()
        return membership.user if membership else MembershipFactory(organization=organization).user


@pytest.fixture
def _worlds(db):
    """Numbering of the worlds of one test (their users' emails must differ)."""
    World.count = 0


@pytest.fixture
def world(_worlds):
    return World("ami")


@pytest.fixture
def prize_world(_worlds):
    return World("prize")


def postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (email delivery) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
