"""Control characters never reach the database, and a bulk action whose one dossier the
database refuses reports that row and goes on with the others."""

import pytest
from django.db import connection
from django.urls import reverse

from calls.models import Message
from reviews import bulk_services
from workflows.states import DossierState as S


def test_control_characters_are_removed_from_what_is_typed(world, client):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = client.post(
        reverse("dossier_message", args=[dossier.pk]),
        {"body": "Bonjour,\x00 voici\x07 le budget\x1b.\r\nMerci\tbeaucoup"},
    )

    assert response.status_code == 302
    assert Message.objects.get(application=dossier).body == (
        "Bonjour, voici le budget.\r\nMerci\tbeaucoup"
    )


def test_a_search_with_a_nul_byte_finds_what_the_rest_of_it_names(world, client):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.administrator)

    response = client.get(reverse("staff_dossier_list"), {"q": dossier.reference[:6] + "\x00"})

    assert response.status_code == 200
    assert dossier.reference in response.content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite stores a NUL byte: PostgreSQL refuses it"
)
def test_a_bulk_action_reports_a_row_the_database_refuses_and_goes_on(world):
    """Through the service itself (another door than the pages: no form cleaned the
    motivation), the second dossier's NUL byte is refused by PostgreSQL."""
    first, refused, last = (world.dossier(S.AWAITING_DECISION) for _ in range(3))
    requests = [
        bulk_services.DossierRequest(
            pk=dossier.pk,
            expected_state=dossier.state,
            data={"amount": "1000", "reason": reason},
        )
        for dossier, reason in (
            (first, "Projet retenu."),
            (refused, "Projet\x00 retenu."),
            (last, "Projet retenu aussi."),
        )
    ]

    outcomes = bulk_services.perform_each(requests, "select", world.administrator)

    assert [outcome.done for outcome in outcomes] == [True, False, True]
    assert "could not be saved" in str(outcomes[1].message)
    for dossier, state in ((first, S.SELECTED), (refused, S.AWAITING_DECISION), (last, S.SELECTED)):
        dossier.refresh_from_db()
        assert dossier.state == state
