"""Factories for the test suite and the benchmarks."""

import time
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Membership, Organization, User
from calls.models import Application, Call, Objective, RequiredDocument
from calls.services import next_reference
from reviews import services as review_services


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-test")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Association solidaire n°{n}")
    kind = Organization.Kind.ASSOCIATION
    siret = "73282932000074"
    rna = "W332012345"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    kind = Call.Kind.AMI
    title = factory.Sequence(lambda n: f"AMI Accès aux droits n°{n}")
    theme = "Accès aux droits"
    description = "Un appel à manifestation d'intérêt de la Ville de Bordeaux."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    budget = Decimal("200000")
    max_grant = Decimal("30000")

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        numbers = extracted if extracted is not None else (1, 2, 3, 8, 9)
        self.objectives.set(Objective.objects.filter(number__in=numbers))

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        for label in extracted if extracted is not None else ("Statuts de l'association",):
            RequiredDocument.objects.create(call=self, label=label, mandatory=True)


class PrizeFactory(CallFactory):
    kind = Call.Kind.PRIZE
    title = factory.Sequence(lambda n: f"Prix Bordeaux Terre de Solidarités {2026 + n}")
    year = factory.Sequence(lambda n: 2026 + n)
    jury_scores = True
    max_grant = None
    budget = None
    special_prize_amount = Decimal("5000")


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    organization = factory.SubFactory(OrganizationFactory)
    reference = factory.LazyAttribute(lambda o: next_reference(o.call))
    title = factory.Sequence(lambda n: f"Projet solidaire n°{n}")
    summary = "Un projet d'accès aux droits dans les quartiers."
    requested_amount = Decimal("10000")
    total_budget = Decimal("25000")

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        numbers = extracted if extracted is not None else (1,)
        self.objectives.set(Objective.objects.filter(number__in=numbers))


def verified_email(user):
    """The user's address, verified (allauth asks for it before the second factor)."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def enrol_totp(user) -> str:
    """An authenticator app enrolled for ``user``; returns its secret (for totp_code)."""
    verified_email(user)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, step: int = 0) -> str:
    """The code an authenticator app shows now (``step`` periods later: a code is
    accepted once, so a second login in the same period uses the next one)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + step
    return format_hotp_value(hotp_value(secret, counter))


def mark_mfa_passed(session, user) -> None:
    """Mark a logged-in session as having passed the second factor, exactly as allauth
    records it after a TOTP code (see accounts/mfa.py)."""
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp", "id": None},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def assign_confirmed(dossier, juror, by):
    """Assign ``juror`` to ``dossier`` (``reviews.services.assign_juror``) and confirm,
    as the juror, that they have no conflict of interest on it: they may then read and
    score the dossier."""
    assignment = review_services.assign_juror(dossier, juror, by=by)
    review_services.confirm_no_conflict(dossier, juror)
    assignment.refresh_from_db()
    return assignment
