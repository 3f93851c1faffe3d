import pytest

from calls.models import Application
from workflows.services import perform
from workflows.states import DossierState


@pytest.mark.django_db
def test_state_cannot_be_assigned_but_reloads_from_the_database(world):
    dossier = world.dossier("submitted")
    other_copy = Application.objects.get(pk=dossier.pk)
    perform(other_copy, "declare_eligible", world.instructor)

    dossier.refresh_from_db()
    assert dossier.state == DossierState.ELIGIBLE
    dossier.refresh_from_db(fields=["title"])
    assert dossier.state == DossierState.ELIGIBLE
    with pytest.raises(AttributeError):
        dossier.state = DossierState.SELECTED


@pytest.mark.django_db
def test_references_follow_kind_and_year_without_gaps(world, prize_world):
    first, second = world.dossier(), world.dossier()
    year = world.call.reference_year
    assert first.reference == f"AMI-{year}-0001"
    assert second.reference == f"AMI-{year}-0002"
    nomination = prize_world.dossier()
    assert nomination.reference == f"PRIX-{prize_world.call.year}-0001"
