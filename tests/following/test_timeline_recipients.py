import pytest

from calls.selectors import timeline
from workflows.states import DossierState as S


@pytest.mark.django_db
def test_the_applicant_sees_only_the_emails_sent_to_the_organisation(world, on_commit):
    with on_commit():
        dossier = world.dossier(S.IN_CONSULTATION)

    def recipients(user):
        events = timeline(dossier, user)
        return {e["item"].recipient for e in events if e["kind"] == "email"}

    assert recipients(world.applicant) == {world.applicant.email}
    # The governance member was told of the consultation: staff see it, not the applicant.
    assert world.governance.email in recipients(world.administrator)
