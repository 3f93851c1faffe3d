"""The staff's work queue at /gestion/: staff land on it after logging in; it counts and
lists what each of their roles has to do now (to instruct, opinions due with their
date, to score with the deadline, to decide, emails failing), each row leading to a
staff page, never to the applicant's; its queries do not grow with the dossiers."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Application
from notifications.models import OutboundEmail
from tests.factories import MembershipFactory, UserFactory, assign_confirmed, verified_email
from workflows import rules
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db

HOME = reverse("staff_home")


def page(client, user):
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def section(html, key):
    start = html.index(f'<section aria-labelledby="{key}"')
    return html[start : html.index("</section>", start)]


def test_the_administrator_sees_what_to_instruct_to_decide_and_the_failing_emails(client, world):
    submitted = world.dossier(S.SUBMITTED, title="Épicerie solidaire")
    awaiting = world.dossier(S.AWAITING_DECISION, title="Repair café")
    email = OutboundEmail.objects.filter(application=awaiting).first()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, last_error="550 mailbox unavailable"
    )
    html = page(client, world.administrator)

    instruct = section(html, "instruct")
    assert "To instruct <span" in instruct and "(1)" in instruct
    assert reverse("staff_dossier_detail", args=[submitted.pk]) in instruct
    assert f'href="{reverse("dossier_detail", args=[submitted.pk])}"' not in html
    decide = section(html, "decide")
    assert reverse("staff_dossier_detail", args=[awaiting.pk]) in decide
    assert submitted.reference not in decide
    emails = section(html, "emails")
    assert reverse("outbox_detail", args=[email.pk]) in emails
    assert "550 mailbox unavailable" in emails
    assert "Create an organisation" not in html


def test_an_instructor_sees_only_the_dossiers_of_their_calls(client, world):
    mine = world.dossier(S.SUBMITTED)
    html = page(client, world.instructor)
    assert mine.reference in section(html, "instruct")
    assert 'id="decide"' not in html and 'id="emails"' not in html
    html = page(client, world.other_instructor)
    assert mine.reference not in html
    assert "No submitted dossier waits for its eligibility check." in html


def test_a_governance_member_sees_the_opinions_due_with_their_date(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    due = timezone.localdate() + timedelta(days=6)
    Application.objects.filter(pk=dossier.pk).update(consultation_due_at=due)
    opinions = section(page(client, world.governance), "opinions")
    assert reverse("staff_opinion", args=[dossier.pk]) in opinions
    assert f'datetime="{due:%Y-%m-%d}"' in opinions
    assert 'id="instruct"' not in page(client, world.governance)


def test_a_juror_sees_the_dossiers_to_score_with_the_deadline(client, world):
    world.call.jury_scores = True
    world.call.save(update_fields=["jury_scores"])
    world.jury.scoring_deadline = date.today() + timedelta(days=9)
    world.jury.save()
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, world.administrator)
    score = section(page(client, world.juror), "score")
    assert reverse("staff_scorecard", args=[dossier.pk]) in score
    assert f'datetime="{world.jury.scoring_deadline:%Y-%m-%d}"' in score


def test_applicants_have_no_queue(client, world):
    client.force_login(world.applicant)
    assert client.get(HOME).status_code == 404


def test_staff_land_on_their_queue_after_logging_in_applicants_on_their_dossiers(client, world):
    for user, landing in (
        (world.instructor, HOME),
        (world.juror, HOME),
        (world.applicant, reverse("dashboard")),
    ):
        verified_email(user)
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "mot-de-passe-test"}
        )
        assert response.status_code == 302
        assert response.url == landing, user.email


def test_a_staff_member_who_is_also_a_member_sees_both_spaces(client, world):
    MembershipFactory(user=world.juror, organization=world.other_organization)
    html = page(client, world.juror)
    assert 'aria-labelledby="applicant-space-label"' in html
    assert f'<a href="{HOME}" aria-current="page">' in html


def _queries(client, user, django_assert_max_num_queries):
    client.force_login(user)
    client.get(HOME)  # warm caches (sessions, content types)
    with django_assert_max_num_queries(100) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_whatever_the_number_of_dossiers(
    client, world, django_assert_max_num_queries
):
    user = UserFactory(
        email="tout@example.org",
        roles=[rules.ADMINISTRATORS, rules.GOVERNANCE_MEMBERS, rules.JURORS],
    )
    world.body.members.add(user)
    world.jury.members.add(user)
    world.call.jury_scores = True
    world.call.save(update_fields=["jury_scores"])

    def add_dossiers():
        for state in (S.SUBMITTED, S.AWAITING_DECISION, S.IN_CONSULTATION):
            world.dossier(state)
        assign_confirmed(world.dossier(S.IN_JURY), user, world.administrator)

    add_dossiers()
    few = _queries(client, user, django_assert_max_num_queries)
    for _ in range(11):  # more rows than a section shows
        add_dossiers()
    many = _queries(client, user, django_assert_max_num_queries)
    assert many <= few + 4  # at most one COUNT more per section once it is full
    assert many <= 25
