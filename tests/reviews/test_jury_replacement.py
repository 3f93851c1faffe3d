"""A replacement juror after a late conflict of interest: the dossier that lost an
assigned juror is listed on the jury progress page with the proposed replacement (the
least loaded juror of the jury free of conflict, ties broken by name), which the
administrator assigns in one click or swaps for another eligible juror; the juror is
emailed and the assignment is in the audit trail."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from notifications.models import OutboundEmail
from reviews import assignment, services
from reviews.models import JurorAssignment
from tests.factories import PrizeFactory, UserFactory
from tests.web import page
from workflows import rules
from workflows.models import AuditEvent
from workflows.states import DossierState as S

# ----------------------------------------------------------------- pure functions


def test_the_least_loaded_eligible_juror_is_proposed_ties_by_order():
    [proposal] = assignment.propose_replacements(
        [(1, 1)], [10, 11, 12, 13], {10: 3, 11: 1, 12: 1, 13: 0}, conflicts={(1, 13)}
    )

    assert proposal.proposed == [11]  # 13 is conflicted; 11 and 12 tie, 11 comes first
    assert proposal.eligible == [11, 12, 10]


def test_two_short_dossiers_do_not_fall_on_the_same_juror():
    proposals = assignment.propose_replacements([(1, 1), (2, 1)], [10, 11], {10: 2, 11: 2})

    assert [p.proposed for p in proposals] == [[10], [11]]


def test_no_eligible_juror_gives_an_empty_proposal():
    [proposal] = assignment.propose_replacements(
        [(1, 1)], [10, 11], {}, conflicts={(1, 10)}, existing={1: {11}}
    )

    assert proposal.proposed == [] and proposal.eligible == []


@settings(max_examples=30, deadline=None)
@given(
    jurors=st.integers(min_value=1, max_value=8),
    missing=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6),
    pairs=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 7)), max_size=20),
    assigned=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 7)), max_size=20),
    loads=st.lists(st.integers(0, 9), min_size=8, max_size=8),
)
def test_never_proposes_a_conflicted_juror_or_one_already_assigned(
    jurors, missing, pairs, assigned, loads
):
    juror_ids = list(range(jurors))
    existing = {}
    for dossier, juror in assigned:
        existing.setdefault(dossier, set()).add(juror)
    short = list(enumerate(missing))
    arguments = (short, juror_ids, dict(enumerate(loads)))

    proposals = assignment.propose_replacements(*arguments, conflicts=pairs, existing=existing)

    for proposal in proposals:
        for juror in proposal.proposed:
            assert (proposal.dossier, juror) not in pairs
            assert juror not in existing.get(proposal.dossier, set())
        free = [
            j
            for j in juror_ids
            if (proposal.dossier, j) not in pairs and j not in existing.get(proposal.dossier, ())
        ]
        assert len(proposal.proposed) == min(proposal.missing, len(free))
    again = assignment.propose_replacements(*arguments, conflicts=pairs, existing=existing)
    assert [p.proposed for p in again] == [p.proposed for p in proposals]  # reproducible


def test_an_assignment_after_the_conflict_refills_the_seat():
    day = datetime(2026, 12, 1)
    conflict = day + timedelta(hours=1)

    assert assignment.missing_seats([conflict], []) == 1
    assert assignment.missing_seats([conflict], [day]) == 1  # the assignment was before
    assert assignment.missing_seats([conflict], [day, day + timedelta(hours=2)]) == 0
    assert assignment.missing_seats([conflict, conflict], [day + timedelta(hours=2)]) == 1


# ----------------------------------------------------------------- the web


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.juror.first_name, world.juror.last_name = "Alice", "Aubert"
    world.juror.save()
    world.busy = UserFactory(
        email="occupe@example.org", first_name="Bruno", last_name="Bernard", roles=[rules.JURORS]
    )
    world.free = UserFactory(
        email="libre@example.org", first_name="Chloé", last_name="Clerc", roles=[rules.JURORS]
    )
    world.twin = UserFactory(
        email="jumeau@example.org", first_name="Denis", last_name="Durand", roles=[rules.JURORS]
    )
    world.jury.members.add(world.busy, world.free, world.twin)
    world.president = world.twin
    world.jury.president = world.twin
    world.jury.save()
    world.dossier_hit = world.dossier(S.IN_JURY, title="Jardin partagé")
    world.other = world.dossier(S.IN_JURY, title="Repair café")
    admin = world.administrator
    for juror in (world.juror, world.busy):
        services.assign_juror(world.dossier_hit, juror, by=admin)
    for juror in (world.busy, world.twin):
        services.assign_juror(world.other, juror, by=admin)
    world.progress = reverse("staff_jury_progress", args=[world.call.pk])
    world.replace = reverse("staff_jury_replace", args=[world.call.pk])
    return world


def declare(jury):
    services.declare_conflict(jury.dossier_hit, jury.juror, "Ma sœur préside l'association.")


def test_no_dossier_is_listed_until_a_conflict_takes_a_juror_away(client, jury):
    client.force_login(jury.administrator)
    assert not page(client.get(jury.progress)).text("replacements")

    declare(jury)

    listed = page(client.get(jury.progress))
    row = listed.text(f"replacement-{jury.dossier_hit.pk}")
    assert jury.dossier_hit.reference in row
    assert jury.other.reference not in listed.text("replacements")
    # Chloé Clerc has no dossier; Denis Durand has one; Bruno is already assigned and
    # Alice is in conflict: neither is offered.
    assert "Chloé Clerc" in listed.text(f"proposed-{jury.dossier_hit.pk}")
    options = listed.text(f"replacement-juror-{jury.dossier_hit.pk}")
    assert "Denis Durand" in options
    assert "Alice Aubert" not in options and "Bruno Bernard" not in options
    assert not listed.unlabelled_fields()


def test_confirming_the_proposal_assigns_emails_and_logs(client, jury):
    declare(jury)
    client.force_login(jury.administrator)
    listed = page(client.get(jury.progress))
    juror = listed.value(f"replacement-juror-{jury.dossier_hit.pk}") or jury.free.pk
    OutboundEmail.objects.all().delete()

    response = client.post(
        jury.replace, {"dossier": jury.dossier_hit.pk, "juror": juror}, follow=True
    )

    assert response.status_code == 200
    assert "Chloé Clerc is assigned to" in response.content.decode()
    assert JurorAssignment.objects.filter(application=jury.dossier_hit, juror=jury.free).exists()
    assert jury.free.has_perm(f"calls.{rules.SCORE_PERMISSION}", jury.dossier_hit)
    email = OutboundEmail.objects.get(event="jury_assigned")
    assert email.recipient == jury.free.email
    assert jury.dossier_hit.reference in email.body_text
    assert AuditEvent.objects.filter(
        event="jury.assigned", application=jury.dossier_hit, subject_user=jury.free
    ).exists()
    assert not page(response).text("replacements")  # no longer short

    again = client.post(jury.replace, {"dossier": jury.dossier_hit.pk, "juror": juror}, follow=True)
    assert "already assigned" in again.content.decode()
    assert OutboundEmail.objects.filter(event="jury_assigned").count() == 1


def test_the_administrator_may_pick_another_eligible_juror(client, jury):
    declare(jury)
    client.force_login(jury.administrator)

    client.post(jury.replace, {"dossier": jury.dossier_hit.pk, "juror": jury.twin.pk})

    assert JurorAssignment.objects.filter(application=jury.dossier_hit, juror=jury.twin).exists()
    assert not JurorAssignment.objects.filter(juror=jury.free).exists()


def test_a_conflicted_or_foreign_choice_is_refused_with_a_french_message(client, jury):
    declare(jury)
    Membership.objects.create(user=jury.free, organization=jury.organization)
    outsider = UserFactory(email="dehors@example.org", roles=[rules.JURORS])
    foreign = jury.dossier(S.IN_JURY)
    foreign.call = PrizeFactory()
    foreign.save(update_fields=["call"])
    client.force_login(jury.administrator)

    listed = page(client.get(jury.progress))
    assert "Chloé Clerc" not in listed.text(f"replacement-juror-{jury.dossier_hit.pk}")
    assert "Denis Durand" in listed.text(f"proposed-{jury.dossier_hit.pk}")

    def refusal(data):
        response = client.post(jury.replace, data, follow=True, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        return response.content.decode()

    assert "conflit d" in refusal({"dossier": jury.dossier_hit.pk, "juror": jury.free.pk})
    assert "Choisissez un juré du jury de cet appel." in refusal(
        {"dossier": jury.dossier_hit.pk, "juror": outsider.pk}
    )
    assert "ne relève pas de cet appel" in refusal({"dossier": foreign.pk, "juror": jury.twin.pk})
    assert "Choisissez le dossier et le juré remplaçant." in refusal(
        {"dossier": jury.dossier_hit.pk, "juror": "abc"}
    )
    assert not JurorAssignment.objects.filter(juror__in=[jury.free, outsider]).exists()
    assert not JurorAssignment.objects.filter(application=foreign).exists()


def test_a_conflict_recorded_for_a_juror_never_assigned_takes_no_seat(client, jury):
    services.declare_conflict(
        jury.other, jury.free, "Salariée de l'association.", by=jury.administrator
    )
    client.force_login(jury.administrator)

    assert not page(client.get(jury.progress)).text("replacements")


def test_the_president_sees_no_replacement_and_cannot_assign(client, jury):
    declare(jury)
    client.force_login(jury.president)

    assert not page(client.get(jury.progress)).text("replacements")
    response = client.post(jury.replace, {"dossier": jury.dossier_hit.pk, "juror": jury.free.pk})
    assert response.status_code == 404
    assert not JurorAssignment.objects.filter(juror=jury.free).exists()


def test_the_progress_page_reads_a_fixed_number_of_queries_with_short_dossiers(client, jury):
    declare(jury)
    client.force_login(jury.administrator)
    client.get(jury.progress)  # warm the caches
    with CaptureQueriesContext(connection) as with_one:
        client.get(jury.progress)
    for n in range(3):
        dossier = jury.dossier(S.IN_JURY, title=f"Projet {n}")
        services.assign_juror(dossier, jury.busy, by=jury.administrator)
        services.declare_conflict(dossier, jury.busy, "Membre du bureau.")

    with CaptureQueriesContext(connection) as with_four:
        response = client.get(jury.progress)

    assert len([s for s in page(response).all("select") if s.get("name") == "juror"]) == 4
    assert len(with_four.captured_queries) == len(with_one.captured_queries)
