"""Assigning the jurors of a call in bulk from the web: a preview (dossier × jurors,
load per juror) that the administrator confirms or adjusts, never a conflicted juror,
one email per juror, one audit event per assignment, a report of what was refused."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from notifications.models import OutboundEmail
from reviews import assignment, services
from reviews.models import JurorAssignment
from tests.factories import UserFactory
from tests.web import page
from workflows import rules
from workflows.models import AuditEvent
from workflows.states import DossierState as S


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.jurors = [world.juror] + [
        UserFactory(email=f"jure{n}@example.org", last_name=f"Juré {n}", roles=[rules.JURORS])
        for n in range(2, 5)
    ]
    world.jury.members.add(*world.jurors[1:])
    world.dossiers = [world.dossier(S.IN_JURY, title=f"Projet {n}") for n in range(6)]
    world.url = reverse("staff_jury_assign", args=[world.call.pk])
    return world


def preview(client, jury, k=2, seed=11):
    client.force_login(jury.administrator)
    return client.post(jury.url, {"k": k, "seed": seed})


def ticked(response) -> list[str]:
    return [
        attrs["value"]
        for attrs in page(response).all("input")
        if attrs.get("name") == "pair" and "checked" in attrs
    ]


def test_the_progress_page_leads_to_a_preview_that_saves_nothing(client, jury):
    client.force_login(jury.administrator)
    progress = client.get(reverse("staff_jury_progress", args=[jury.call.pk]))
    assert jury.url in {a.get("href") for a in page(progress).all("a")}
    assert client.get(jury.url).status_code == 200

    response = preview(client, jury)

    assert response.status_code == 200
    pairs = ticked(response)
    assert len(pairs) == 12  # 6 dossiers × 2 jurors
    loads = page(response).text("loads")
    assert loads.count("3") >= 4  # 12 assignments over 4 jurors: 3 each
    assert JurorAssignment.objects.count() == 0
    assert ticked(preview(client, jury)) == pairs  # same seed, same plan
    assert ticked(preview(client, jury, seed=12)) != pairs


def test_confirming_saves_emails_each_juror_once_and_logs_each_assignment(client, jury):
    pairs = ticked(preview(client, jury))

    response = client.post(jury.url, {"k": 2, "seed": 11, "pair": pairs, "confirm": "1"})

    assert response.status_code == 200
    assert "12 assignments saved on 6 dossier(s)" in page(response).text("assigned-summary")
    assert JurorAssignment.objects.count() == 12
    emails = OutboundEmail.objects.filter(event="jury_assigned")
    assert sorted(e.recipient for e in emails) == sorted(j.email for j in jury.jurors)
    assert AuditEvent.objects.filter(event="jury.assigned").count() == 12
    assignment = JurorAssignment.objects.first()
    assert assignment.juror.has_perm(f"calls.{rules.SCORE_PERMISSION}", assignment.application)

    again = client.post(jury.url, {"k": 2, "seed": 11, "pair": pairs, "confirm": "1"})

    assert "0 assignments saved" in page(again).text("assigned-summary")
    assert JurorAssignment.objects.count() == 12
    assert OutboundEmail.objects.filter(event="jury_assigned").count() == 4


def test_unticked_proposals_are_not_saved(client, jury):
    pairs = ticked(preview(client, jury))

    client.post(jury.url, {"k": 2, "seed": 11, "pair": pairs[:5], "confirm": "1"})

    assert JurorAssignment.objects.count() == 5


def test_a_conflicted_juror_is_never_proposed_and_a_forged_pair_is_refused(client, jury):
    member = jury.jurors[1]
    Membership.objects.create(user=member, organization=jury.organization)
    declared = jury.dossiers[0]
    services.assign_juror(declared, jury.jurors[2], by=jury.administrator)
    services.declare_conflict(declared, jury.jurors[2], "Je suis trésorière de l'association.")

    pairs = ticked(preview(client, jury, k=3))

    assert not any(p.endswith(f":{member.pk}") for p in pairs)
    assert f"{declared.pk}:{jury.jurors[2].pk}" not in pairs
    response = client.post(
        jury.url,
        {"k": 3, "seed": 11, "pair": [f"{declared.pk}:{member.pk}"], "confirm": "1"},
    )
    refused = page(response).text("refused")
    assert declared.reference in refused and "Conflict of interest" in refused
    assert not JurorAssignment.objects.filter(juror=member).exists()


def test_a_dossier_short_of_free_jurors_is_reported(client, jury):
    for juror in jury.jurors[1:]:
        Membership.objects.create(user=juror, organization=jury.organization)

    response = preview(client, jury, k=2)

    assert "cannot get enough jurors free of conflict of interest" in page(response).text(
        "short-dossiers"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"k": 9, "seed": 1}, "The jury has 4 juror(s): it cannot give 9 jurors to each dossier."),
        ({"k": "trois", "seed": 1}, "Give a whole number of jurors, for example 3."),
        ({"k": 0, "seed": 1}, "Give at least one juror per dossier."),
        ({"k": 2, "seed": -4}, "Give a number between 0 and 2147483647."),
        ({"k": 2, "seed": 1, "pair": ["x:y", "1:"], "confirm": "1"}, "No assignment was ticked"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(client, jury, data, message):
    client.force_login(jury.administrator)

    response = client.post(jury.url, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert JurorAssignment.objects.count() == 0


def test_only_administrators_reach_the_page(client, jury):
    jury.jury.president = jury.jurors[1]
    jury.jury.save()
    for user in (jury.jurors[1], jury.juror, jury.instructor, jury.applicant):
        client.force_login(user)
        assert client.get(jury.url).status_code == 404
        assert client.post(jury.url, {"k": 2, "seed": 1}).status_code == 404


def test_the_data_of_some_dossiers_only_holds_their_conflicts_and_assignments(jury):
    member = jury.jurors[1]
    Membership.objects.create(user=member, organization=jury.organization)
    first, second = jury.dossiers[:2]
    services.assign_juror(second, jury.jurors[2], by=jury.administrator)
    services.declare_conflict(second, jury.jurors[2], "Je suis trésorière de l'association.")
    services.assign_juror(first, jury.jurors[3], by=jury.administrator)
    services.assign_juror(jury.dossiers[2], jury.jurors[3], by=jury.administrator)

    data = assignment.call_data(jury.call, dossier_ids=[first.pk, second.pk])

    assert list(data.dossiers) == sorted(
        [first.pk, second.pk], key=lambda pk: data.dossiers[pk].reference
    )
    assert data.conflicts == {
        (first.pk, member.pk),
        (second.pk, member.pk),
        (second.pk, jury.jurors[2].pk),
    }
    assert data.existing == {first.pk: {jury.jurors[3].pk}}
    assert set(data.jurors) == {j.pk for j in jury.jurors}  # the whole jury
