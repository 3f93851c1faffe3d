"""Declared interests and the "no conflict" gate: a juror linked to an organisation is
never offered nor assigned on its dossiers; an assigned juror sees only the title and
organisation of a dossier until they confirm having no conflict of interest."""

import pytest
from django.urls import reverse

from reviews import assignment, services
from reviews.models import ConflictOfInterest, DeclaredInterest, JurorAssignment
from tests.factories import OrganizationFactory, UserFactory, assign_confirmed
from tests.web import page
from workflows import rules
from workflows.exceptions import InvalidTransitionData
from workflows.models import AuditEvent
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db


def test_a_juror_declares_an_interest_from_the_menu_and_withdraws_it(client, prize_world):
    world = prize_world
    client.force_login(world.juror)
    home = client.get(reverse("staff_home")).content.decode()
    url = reverse("staff_interests")
    assert f'href="{url}"' in home  # reachable by clicks from the landing page

    found = client.get(url, {"q": world.organization.name[:12]})
    assert world.organization.name in page(found).text("interest-form")
    response = client.post(
        url,
        {"q": world.organization.name, "organization": world.organization.pk, "nature": "board"},
    )
    assert response.status_code == 302
    interest = DeclaredInterest.objects.get(user=world.juror)
    assert interest.organization == world.organization
    listed = page(client.get(url)).text("interests")
    assert world.organization.name in listed and "Board member" in listed
    assert AuditEvent.objects.filter(event="interest.declared", actor=world.juror).exists()

    response = client.post(reverse("staff_interest_withdraw", args=[interest.pk]))
    assert response.status_code == 302
    assert not DeclaredInterest.objects.exists()
    assert AuditEvent.objects.filter(event="interest.withdrawn").exists()


def test_bad_input_gets_a_french_message_at_the_field(client, prize_world):
    world = prize_world
    client.force_login(world.juror)
    url = reverse("staff_interests")
    org = world.organization
    response = client.post(url, {"q": org.name, "organization": org.pk, "nature": "other"})
    assert response.status_code == 400
    assert "Describe the link" in page(response).text("id_interest_details_error")
    response = client.post(url, {"q": org.name, "organization": "999999", "nature": "member"})
    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()
    services.declare_interest(world.juror, org, "member")
    response = client.post(url, {"q": org.name, "organization": org.pk, "nature": "member"})
    assert response.status_code == 400
    assert "already declared an interest" in response.content.decode()
    assert "No organisation matches" in client.get(url, {"q": "zzz"}).content.decode()
    # Another person's interest: not found.
    other = services.declare_interest(world.instructor, org, "employee")
    assert client.post(reverse("staff_interest_withdraw", args=[other.pk])).status_code == 404
    client.force_login(world.applicant)
    assert client.get(url).status_code == 404


def test_one_rule_for_conflicts_member_interest_or_declaration(prize_world):
    world = prize_world
    linked, declared, free = (
        world.dossier(S.IN_JURY, organization=OrganizationFactory()) for _ in range(3)
    )
    member = world.member_of(linked.organization)
    member.groups.add(*world.juror.groups.all())
    services.declare_interest(world.juror, declared.organization, "family")
    third = UserFactory(roles=[rules.JURORS])
    ConflictOfInterest.objects.create(application=free, juror=third)
    pairs = rules.conflicted_pairs([linked, declared, free], [member, world.juror, third])
    assert pairs == {
        (linked.pk, member.pk),
        (declared.pk, world.juror.pk),
        (free.pk, third.pk),
    }
    assert rules.is_conflicted(world.juror, declared)
    assert not rules.is_conflicted(world.juror, free)


def test_a_declared_interest_refuses_the_assignment_and_the_offer(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    services.declare_interest(world.juror, world.organization, "employee")
    with pytest.raises(InvalidTransitionData) as refused:
        services.assign_juror(dossier, world.juror, by=world.administrator)
    assert "declared an interest in the organisation" in str(refused.value.message)
    assert (dossier.pk, world.juror.pk) in assignment.call_data(world.call).conflicts
    plan, _data = assignment.call_plan(world.call, 1, 7)
    assert world.juror.pk not in plan.proposals.get(dossier.pk, [])
    client.force_login(world.administrator)
    panel = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert world.juror.get_full_name() not in panel.text("jury")


def test_declaring_an_interest_declares_the_conflict_on_assigned_dossiers(prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, world.administrator)
    services.declare_interest(world.juror, world.organization, "member")
    conflict = ConflictOfInterest.objects.get(application=dossier, juror=world.juror)
    assert world.organization.name in conflict.reason
    assert not rules.can_view(world.juror, dossier)


def test_an_assigned_juror_sees_only_title_and_organisation_until_confirming(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    services.assign_juror(dossier, world.juror, by=world.administrator)
    client.force_login(world.juror)

    queue = page(client.get(reverse("staff_jury_queue"))).text("queue")
    assert "To confirm: no conflict of interest" in queue
    gate = client.get(reverse("staff_scorecard", args=[dossier.pk]))
    shown = page(gate)
    assert dossier.title in shown.text("dossier-title")
    assert dossier.organization.name in shown.text("dossier-organisation")
    html = gate.content.decode()
    assert "accès aux droits dans les quartiers" not in html and "scorecard-form" not in html
    # Nor the dossier's pages, its documents or the API.
    assert client.get(reverse("staff_dossier_detail", args=[dossier.pk])).status_code == 404
    attachment = dossier.attachments.first()
    if attachment is not None:
        url = reverse("dossier_attachment", args=[dossier.pk, attachment.pk])
        assert client.get(url).status_code == 404
    assert not rules.can_score(world.juror, dossier)
    assert not rules.filter_visible(type(dossier).objects.all(), world.juror).exists()

    response = client.post(reverse("staff_confirm_no_conflict", args=[dossier.pk]))
    assert response.status_code == 302
    assert JurorAssignment.objects.get().confirmed_at is not None
    assert AuditEvent.objects.filter(event="jury.no_conflict_confirmed").count() == 1
    opened = client.get(reverse("staff_scorecard", args=[dossier.pk])).content.decode()
    assert "accès aux droits dans les quartiers" in opened and "scorecard-form" in opened
    assert client.get(reverse("staff_dossier_detail", args=[dossier.pk])).status_code == 200


def test_the_juror_may_declare_a_conflict_instead_of_confirming(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    services.assign_juror(dossier, world.juror, by=world.administrator)
    client.force_login(world.juror)
    response = client.post(reverse("staff_conflict", args=[dossier.pk]), {"reason": "Voisin."})
    assert response.status_code == 302
    assert ConflictOfInterest.objects.get().reason == "Voisin."
    assert client.get(reverse("staff_scorecard", args=[dossier.pk])).status_code == 404
