import pytest
from django.conf import settings

from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    PrizeFactory,
    UserFactory,
)
from workflows import rules
from workflows.paths import advance


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    print(f"\nDatabase engine for this run: {engine}")


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _empty_cache():
    """allauth counts sign-ups and emails per address in the cache (rate limits): each
    test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _anymail_test_mailer(settings):
    """Django's test set-up swaps every mailer for locmem; the suite sends through
    anymail's test backend instead (it records what an ESP would receive, and still
    fills ``django.core.mail.outbox``)."""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


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
