"""The jury on a dossier: an administrator assigns jurors of the call's jury from the
staff page; an assigned juror scores the dossier or declares a conflict of interest,
which removes them from it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership
from calls.models import ScoringCriterion
from reviews import services
from reviews.models import ConflictOfInterest, JurorAssignment, Scorecard
from reviews.selectors import score_summary
from tests.factories import UserFactory
from tests.web import page
from workflows import rules
from workflows.services import perform
from workflows.states import DossierState as S


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def grid(prize_world):
    return [
        ScoringCriterion.objects.create(
            call=prize_world.call, label="Ancrage local", weight=Decimal("2"), max_score=5
        ),
        ScoringCriterion.objects.create(
            call=prize_world.call, label="Caractère innovant", weight=Decimal("1"), max_score=10
        ),
    ]


def assign(client, dossier, juror):
    return client.post(
        reverse("staff_dossier_assign_juror", args=[dossier.pk]), {"juror": juror.pk}
    )


def login_and_confirm(client, juror, dossier):
    """Log in as ``juror`` and confirm, on their scorecard page, having no conflict of
    interest on ``dossier``."""
    client.force_login(juror)
    response = client.post(reverse("staff_confirm_no_conflict", args=[dossier.pk]))
    assert response.status_code == 302, response.content.decode()


def test_an_administrator_assigns_a_juror_of_the_jury(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    client.force_login(world.administrator)

    shown = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "No juror assigned yet." in shown.text("jury")
    response = assign(client, dossier, world.juror)

    assert response.status_code == 302
    assert JurorAssignment.objects.filter(application=dossier, juror=world.juror).exists()
    # Assigned, the juror scores once they confirmed having no conflict of interest.
    assert rules.is_juror_of(world.juror, dossier)
    assert not rules.can_score(world.juror, dossier)
    jury = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk]))).text("jury")
    assert world.juror.get_full_name() in jury
    assert "scores not submitted yet" in jury
    services.confirm_no_conflict(dossier, world.juror)
    assert rules.can_score(world.juror, dossier)


def test_a_user_outside_the_jury_cannot_be_assigned(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    outsider = UserFactory(email="pas-jure@example.org", roles=[rules.JURORS])
    client.force_login(world.administrator)

    response = assign(client, dossier, outsider)

    assert response.status_code == 400
    assert "is not a member of the jury of this call" in page(response).text("error")
    assert not JurorAssignment.objects.exists()


def test_only_administrators_assign_jurors(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    for user in (world.instructor, world.applicant, world.juror):
        client.force_login(user)
        assert assign(client, dossier, world.juror).status_code == 404
    assert not JurorAssignment.objects.exists()


def test_an_assigned_juror_saves_then_submits_scores(client, prize_world, grid):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    client.force_login(world.administrator)
    assign(client, dossier, world.juror)
    login_and_confirm(client, world.juror, dossier)
    url = reverse("staff_scorecard", args=[dossier.pk])
    staff_page = client.get(reverse("staff_dossier_detail", args=[dossier.pk]))
    assert f'href="{url}"' in staff_page.content.decode()

    response = client.post(url, {f"criterion_{grid[0].pk}": "4", "action": "save"})
    assert response.status_code == 302
    assert Scorecard.objects.get().submitted_at is None
    assert score_summary(dossier).count == 0  # a draft does not count

    response = client.post(url, {f"criterion_{grid[0].pk}": "4", "action": "submit"})
    assert response.status_code == 400
    assert "Caractère innovant" in page(response).text(f"id_criterion_{grid[1].pk}_error")

    response = client.post(
        url,
        {
            f"criterion_{grid[0].pk}": "4",
            f"criterion_{grid[1].pk}": "12",
            "action": "submit",
        },
    )
    assert response.status_code == 400
    assert "between 0 and 10" in page(response).text(f"id_criterion_{grid[1].pk}_error")

    response = client.post(
        url,
        {
            f"criterion_{grid[0].pk}": "4",
            f"criterion_{grid[1].pk}": "7",
            "comment": "Très ancré.",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    summary = score_summary(dossier)
    # 20 × (2 × 4/5 + 1 × 7/10) / 3 = 15.33
    assert summary.count == 1 and summary.average == Decimal("15.33")
    assert "Your submitted scores" in client.get(url).content.decode()


def test_a_juror_not_assigned_has_no_scorecard(client, prize_world, grid):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    client.force_login(world.juror)

    assert client.get(reverse("staff_scorecard", args=[dossier.pk])).status_code == 404
    response = client.post(
        reverse("staff_scorecard", args=[dossier.pk]),
        {f"criterion_{grid[0].pk}": "4", "action": "save"},
    )
    assert response.status_code == 404
    assert not Scorecard.objects.exists()


def test_a_conflict_of_interest_removes_the_juror(client, prize_world, grid):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    client.force_login(world.administrator)
    assign(client, dossier, world.juror)
    login_and_confirm(client, world.juror, dossier)
    client.post(
        reverse("staff_scorecard", args=[dossier.pk]),
        {f"criterion_{grid[0].pk}": "5", "action": "save"},
    )

    response = client.post(
        reverse("staff_conflict", args=[dossier.pk]), {"reason": "Je suis adhérent."}
    )

    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.juror == world.juror and conflict.reason == "Je suis adhérent."
    # The draft scorecard is kept, excluded.
    assert Scorecard.objects.get().excluded_at is not None
    assert not Scorecard.objects.counted().exists()
    assert client.get(reverse("staff_dossier_detail", args=[dossier.pk])).status_code == 404
    assert client.get(reverse("staff_scorecard", args=[dossier.pk])).status_code == 404
    # The administrator sees the conflict and can no longer assign this juror.
    client.force_login(world.administrator)
    shown = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "Je suis adhérent." in shown.text("jury")
    assert "1 scorecard excluded" in shown.text("excluded-scorecards")
    assert "Conflict of interest declared on" in shown.text("excluded-scorecards")
    assert "id_juror" not in {field.get("id") for field in shown.fields()}
    assert assign(client, dossier, world.juror).status_code == 400


def test_a_second_declaration_or_one_after_the_jury_closed_gets_a_message_at_the_field(
    client, prize_world
):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    client.force_login(world.administrator)
    assign(client, dossier, world.juror)
    perform(dossier, "close_jury", world.administrator)
    client.force_login(world.juror)
    shown = page(client.get(reverse("staff_scorecard", args=[dossier.pk])))
    # The jury is closed: no conflict form is offered any more...
    assert "id_reason" not in {field.get("id") for field in shown.fields()}
    # ...and a post anyway is refused with a message, nothing recorded.
    response = client.post(reverse("staff_conflict", args=[dossier.pk]), {"reason": "Tard."})
    assert response.status_code == 400
    assert "jury on this dossier is closed" in page(response).text("error")
    assert not ConflictOfInterest.objects.exists()


def test_a_juror_member_of_the_applicant_organisation_is_never_offered(client, prize_world):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    Membership.objects.create(user=world.juror, organization=dossier.organization)
    client.force_login(world.administrator)
    shown = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "id_juror" not in {field.get("id") for field in shown.fields()}
    response = assign(client, dossier, world.juror)
    assert response.status_code == 400
    assert "member of the organisation" in response.content.decode()
    assert not JurorAssignment.objects.exists()


def test_a_juror_sees_the_average_only_once_their_own_scorecard_is_submitted(
    client, prize_world, grid
):
    world = prize_world
    dossier = world.dossier(S.IN_JURY)
    colleague = UserFactory(email="jure-collegue@example.org", roles=[rules.JURORS])
    world.jury.members.add(colleague)
    client.force_login(world.administrator)
    assign(client, dossier, world.juror)
    assign(client, dossier, colleague)
    full = {f"criterion_{c.pk}": str(c.max_score) for c in grid}
    login_and_confirm(client, colleague, dossier)
    client.post(reverse("staff_scorecard", args=[dossier.pk]), {**full, "action": "submit"})

    login_and_confirm(client, world.juror, dossier)
    url = reverse("staff_dossier_detail", args=[dossier.pk])
    assert "Weighted average" not in page(client.get(url)).text("scores")
    client.post(reverse("staff_scorecard", args=[dossier.pk]), {**full, "action": "save"})
    assert "Weighted average" not in page(client.get(url)).text("scores")  # a draft
    client.post(reverse("staff_scorecard", args=[dossier.pk]), {**full, "action": "submit"})
    assert "Weighted average: 20.00 / 20 (2 scorecards)" in page(client.get(url)).text("scores")
    # The administrator saw it all along.
    client.force_login(world.administrator)
    assert "Weighted average" in page(client.get(url)).text("scores")
