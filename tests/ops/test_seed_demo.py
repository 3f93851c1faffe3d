"""The demo data (``manage.py seed_demo``): idempotent, every state present, and every
demo account can log in and finds something to do."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from calls.management.commands.seed_demo import DEMO_DOMAIN, DEMO_PASSWORD, ORGANIZATIONS
from calls.models import Application, ReferenceCounter
from workflows import rules
from workflows.exceptions import TransitionNotPermitted
from workflows.services import available_transitions
from workflows.states import DossierState


def snapshot():
    """Row counts of every table, plus the dossiers' states and the reference counters."""
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    return {
        "counts": counts,
        "dossiers": sorted(Application.objects.values_list("reference", "state", "title")),
        "references": sorted(ReferenceCounter.objects.values_list("prefix", "year", "last_number")),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed twice in one transaction, rolled back after the module's tests."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("uploads")),
        transaction.atomic(),
    ):
        first_output, second_output = StringIO(), StringIO()
        call_command("seed_demo", force=True, stdout=first_output)
        first = snapshot()
        call_command("seed_demo", force=True, stdout=second_output)
        second = snapshot()
        yield {
            "first": first,
            "second": second,
            "first_output": first_output.getvalue(),
            "second_output": second_output.getvalue(),
        }
        transaction.set_rollback(True)


def demo_user(local):
    from accounts.models import User

    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def test_second_run_creates_nothing(demo, db):
    assert demo["first"]["counts"]["calls.Application"] >= 40
    assert demo["second"] == demo["first"]
    assert "nothing changed" in demo["second_output"]


def test_every_state_is_shown_on_both_kinds_of_call(demo, db):
    states = {
        kind: set(Application.objects.filter(call__kind=kind).values_list("state", flat=True))
        for kind in ("ami", "prize")
    }
    assert states["ami"] | states["prize"] == set(DossierState.values)
    assert states["ami"] == set(DossierState.values) - {DossierState.IN_JURY}
    assert states["prize"] == set(DossierState.values) - {DossierState.IN_CONSULTATION}


def test_demo_organisations_have_valid_identifiers(demo, db):
    from accounts.models import Organization

    organizations = Organization.objects.filter(name__in=[o[1] for o in ORGANIZATIONS])
    assert organizations.count() == 6
    for organization in organizations:
        organization.full_clean()
    associations = organizations.filter(kind=Organization.Kind.ASSOCIATION)
    assert associations.count() == 4
    assert all(a.siret and a.rna for a in associations)


@pytest.mark.parametrize(
    "local",
    ["admin", "instructeur", "instance", "jure", *(o[-1][0] for o in ORGANIZATIONS)],
)
def test_demo_accounts_log_in_through_the_login_form(demo, db, client, settings, local):
    settings.LOGIN_REDIRECT_URL = "/apres-connexion/"
    response = client.post(
        "/comptes/login/", {"login": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
    )
    # An unverified address would be sent to the email confirmation page instead.
    assert response.status_code == 302
    # Staff land on their work queue, applicants where LOGIN_REDIRECT_URL says.
    staff = local in {"admin", "instructeur", "instance", "jure"}
    assert response.url == ("/gestion/" if staff else "/apres-connexion/")
    assert int(client.session["_auth_user_id"]) == demo_user(local).pk


def test_login_output_lists_every_account(demo, db):
    for local in ["admin", "instructeur", "instance", "jure", *(o[-1][0] for o in ORGANIZATIONS)]:
        assert f"{local}@{DEMO_DOMAIN}" in demo["first_output"]
    assert DEMO_PASSWORD in demo["first_output"]


def test_each_staff_role_finds_work_waiting(demo, db):
    dossiers = Application.objects.select_related("call", "organization")
    instructor, governance, juror = (
        demo_user("instructeur"),
        demo_user("instance"),
        demo_user("jure"),
    )
    administrator = demo_user("admin")

    submitted = dossiers.filter(state=DossierState.SUBMITTED)
    assert submitted.filter(call__kind="ami").exists() and submitted.filter(call__kind="prize")
    for dossier in submitted:
        names = {t.name for t in available_transitions(dossier, instructor)}
        assert {"declare_eligible", "declare_ineligible", "request_completion"} <= names

    consulted = dossiers.filter(state=DossierState.IN_CONSULTATION)
    assert consulted and all(rules.can_give_opinion(governance, d) for d in consulted)

    in_jury = dossiers.filter(state=DossierState.IN_JURY)
    # Assigned: the juror confirms having no conflict of interest, then scores.
    assert in_jury and all(rules.is_juror_of(juror, d) for d in in_jury)

    awaiting = dossiers.filter(state=DossierState.AWAITING_DECISION)
    assert awaiting.filter(call__kind="ami").exists() and awaiting.filter(call__kind="prize")
    for dossier in awaiting:
        assert {"select", "decline"} <= {
            t.name for t in available_transitions(dossier, administrator)
        }
    assert administrator.is_superuser and rules.is_administrator(administrator)


def test_applicants_see_only_their_organisation_dossiers(demo, db):
    from calls.selectors import visible_dossiers

    for _key, name, *_rest, person in ORGANIZATIONS:
        applicant = demo_user(person[0])
        visible = visible_dossiers(applicant)
        assert visible.exists()
        assert set(visible.values_list("organization__name", flat=True)) == {name}


def test_refuses_to_seed_a_production_site(demo, db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    before = snapshot()
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before


def test_the_demo_shows_a_paper_dossier_a_nomination_and_their_letters(demo, db):
    """The counter's paper dossier of an association without an account waits to be
    instructed, and the association, which has no email, has its acknowledgement and the
    letter telling it of a City service's nomination waiting in the letters to post."""
    from calls.models import Nomination
    from notifications.models import Letter

    paper = Application.objects.get(channel=Application.Channel.PAPER)
    assert paper.state == DossierState.SUBMITTED
    assert paper.entered_by == demo_user("admin")
    assert not paper.organization.members.exists()
    # The instructor instructs it; the administrator who entered it may not.
    assert rules.can_instruct(demo_user("instructeur"), paper)
    with pytest.raises(TransitionNotPermitted):
        rules.check_separation_of_duties(demo_user("admin"), paper)
    nomination = Nomination.objects.get(organization=paper.organization)
    assert nomination.nominated_by == demo_user("dsu")
    letters = Letter.objects.filter(status=Letter.Status.TO_POST)
    assert {letter.application_id for letter in letters} == {paper.pk, None}
    assert {letter.nomination_id for letter in letters} == {None, nomination.pk}


def test_the_demo_dossiers_cover_the_districts_the_observatory_counts(demo, db):
    from calls.models import District

    covered = {
        code for codes in Application.objects.values_list("districts", flat=True) for code in codes
    }
    assert covered == set(District.values)
    assert (
        not Application.objects.filter(people_count__isnull=True)
        .exclude(state=DossierState.DRAFT)
        .exists()
    )
