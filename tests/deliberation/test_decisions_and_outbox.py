"""The decisions page and the outbox, paginated and filtered by call; "send all" sends
only the filtered call's emails; the decisions export has motivation, decider, date."""

from django.urls import reverse

from notifications.models import OutboundEmail
from tests.factories import CallFactory
from workflows.services import perform
from workflows.states import DossierState as S


def test_decisions_export_has_motivation_decider_and_date(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    perform(dossier, "decline", world.administrator, reason="Hors du champ de l'appel")
    client.force_login(world.administrator)

    response = client.get(reverse("staff_decisions_export_csv", args=[world.call.pk]))

    header, row = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[:2]
    assert "Motivation" in header and "Decided by" in header and "Decided at" in header
    assert row.startswith(dossier.reference)
    assert "Hors du champ de l'appel" in row
    assert world.administrator.email in row or world.administrator.get_full_name() in row
    xlsx = client.get(reverse("staff_decisions_export_xlsx", args=[world.call.pk]))
    assert xlsx.status_code == 200


def test_decisions_page_is_paginated(client, world, settings):
    from reviews import views_decisions

    for _ in range(3):
        world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)
    views_decisions.PAGE_SIZE, old = 2, views_decisions.PAGE_SIZE
    try:
        first = client.get(reverse("staff_decisions"), {"call": world.call.pk})
        second = client.get(reverse("staff_decisions"), {"call": world.call.pk, "page": 2})
    finally:
        views_decisions.PAGE_SIZE = old
    assert "3 dossiers awaiting decision — page 1 of 2" in first.content.decode()
    assert second.content.decode().count('name="dossier"') == 1


def test_send_all_sends_only_the_filtered_call(client, world):
    here = world.dossier(S.SELECTED)
    other_call = CallFactory(opinions_required=True)
    other_call.instructors.add(world.instructor)
    other_call.governance_bodies.add(world.body)
    world.call, saved = other_call, world.call
    elsewhere = world.dossier(S.SELECTED)
    world.call = saved
    client.force_login(world.administrator)

    page = client.get(reverse("outbox_list"), {"call": here.call_id}).content.decode()
    assert here.reference in page and elsewhere.reference not in page

    # Even if the form carried a dossier of another call, only the filtered call's go.
    response = client.post(
        reverse("outbox_send_all"),
        {
            "call": here.call_id,
            "dossier": [here.pk, elsewhere.pk],
            f"state-{here.pk}": S.SELECTED,
            f"state-{elsewhere.pk}": S.SELECTED,
        },
    )

    assert response.status_code == 200
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert here.state == S.NOTIFIED
    assert elsewhere.state == S.SELECTED
    assert OutboundEmail.objects.filter(
        application=elsewhere, status=OutboundEmail.Status.HELD
    ).exists()
    assert client.get(reverse("outbox_list"), {"call": "abc"}).status_code == 404
