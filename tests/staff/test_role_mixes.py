"""A staff member who also belongs to an applicant organisation (conflict of interest,
CGCT L2131-11): whatever their role, they never read the internal notes, scores or
opinions of their own organisation's dossiers, on any staff page or export. They keep
the applicant's view of the dossier."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from calls.services import post_message
from tests.factories import assign_confirmed
from workflows import rules
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db


def join(user, organization):
    Membership.objects.create(user=user, organization=organization)
    rules.forget(user)


@pytest.mark.parametrize("role", ["instructor", "administrator", "juror"])
def test_staff_member_of_the_applicant_never_reads_its_internal_information(
    client, prize_world, role
):
    world = prize_world
    own = world.dossier(S.IN_JURY)
    other = world.dossier(S.IN_JURY, organization=world.other_organization)
    post_message(own, world.administrator, "Note interne confidentielle.", internal=True)
    for dossier in (own, other):
        assign_confirmed(dossier, world.juror, by=world.administrator)
    user = getattr(world, role)
    join(user, own.organization)
    client.force_login(user)

    assert not rules.can_see_internal(user, own)
    # The staff page of their organisation's dossier answers 404 (the other one opens
    # for the roles who see it).
    assert client.get(reverse("staff_dossier_detail", args=[own.pk])).status_code == 404
    assert client.get(reverse("staff_scorecard", args=[own.pk])).status_code == 404
    if role != "juror":
        assert client.get(reverse("staff_dossier_detail", args=[other.pk])).status_code == 200
        listing = client.get(reverse("staff_dossier_list")).content.decode()
        assert other.reference in listing
        assert own.reference not in listing
        for name in ("staff_dossier_export_csv", "staff_dossier_export_xlsx"):
            response = client.get(reverse(name))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 200
            if name.endswith("csv"):
                assert own.reference.encode() not in body
                assert other.reference.encode() in body
    else:
        assert client.get(reverse("staff_scorecard", args=[other.pk])).status_code == 200
    # Their applicant's view of the dossier shows no internal note.
    response = client.get(reverse("dossier_detail", args=[own.pk]))
    assert response.status_code == 200
    assert "Note interne confidentielle." not in response.content.decode()


def test_a_jury_president_of_the_applicant_reads_no_score_of_its_dossier(client, prize_world):
    world = prize_world
    own = world.dossier(S.IN_JURY)
    world.jury.members.add(world.juror)
    world.jury.president = world.juror
    world.jury.save()
    join(world.juror, own.organization)
    client.force_login(world.juror)
    assert not rules.can_read_scores_of(world.juror, own)
    url = reverse("staff_ranking_row", args=[world.call.pk, own.pk])
    assert client.get(url).status_code == 404


def test_a_juror_member_of_the_applicant_is_neither_assigned_nor_shown_the_gate(
    client, prize_world
):
    """A juror who is a member of the dossier's organisation is in conflict of interest
    (one rule, ``rules.conflicted_pairs``): they cannot be assigned to it; assigned
    before joining it and not having confirmed yet, they get neither the confirmation
    page nor the grid, and the dossier leaves their jury queue."""
    from reviews import services as review_services
    from workflows.exceptions import InvalidTransitionData

    world = prize_world
    own = world.dossier(S.IN_JURY)
    review_services.assign_juror(own, world.juror, by=world.administrator)  # not confirmed
    join(world.juror, own.organization)
    client.force_login(world.juror)

    assert rules.is_conflicted(world.juror, own)
    assert not rules.is_juror_of(world.juror, own)
    assert client.get(reverse("staff_scorecard", args=[own.pk])).status_code == 404
    response = client.post(reverse("staff_confirm_no_conflict", args=[own.pk]))
    assert response.status_code == 404
    assert not own.juror_assignments.filter(confirmed_at__isnull=False).exists()
    queue = client.get(reverse("staff_jury_queue")).content.decode()
    assert own.reference not in queue
    # They keep their applicant's view, by the API as on the page.
    assert client.get(f"/api/dossiers/{own.pk}/").json()["reference"] == own.reference

    other = world.dossier(S.IN_JURY)  # their organisation's too: refused with the reason
    with pytest.raises(InvalidTransitionData, match="member of the organisation"):
        review_services.assign_juror(other, world.juror, by=world.administrator)
