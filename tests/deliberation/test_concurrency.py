"""Two administrators recording a deliberation at the same moment, each from their own
screen, for the last highlighted slot of a prize edition: the lock on the edition's row
serves them one after the other, so exactly one selection is recorded and the other is
told the quota is used, with nothing of it recorded.

Each administrator runs in their own thread (their own database connection) and loads
their own copies before a barrier; only outcomes are asserted, never durations."""

import threading

import pytest
from django.db import connection

from accounts.models import User
from calls.models import Application, Call
from reviews import deliberation_services
from reviews.bulk_services import DossierRequest
from reviews.models import Decision
from tests.conftest import postgres_available
from workflows.exceptions import QuotaExceeded
from workflows.states import DossierState as S

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not postgres_available(), reason="needs PostgreSQL (concurrent connections, row locks)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 5


def _record(call_pk, dossier_pk, actor_pk, barrier, outcomes, index):
    try:
        call = Call.objects.get(pk=call_pk)
        actor = User.objects.get(pk=actor_pk)
        request = DossierRequest(
            dossier_pk, S.AWAITING_DECISION, {"reason": "Action exemplaire du quartier."}
        )
        barrier.wait(timeout=30)
        try:
            result = deliberation_services.record_decisions(call, [request], "select", actor)
        except QuotaExceeded:
            outcomes[index] = "quota"
        else:
            outcomes[index] = "recorded" if result.recorded else f"refused: {result.message}"
    except Exception as error:  # reported in the assertion, not lost in the thread
        outcomes[index] = repr(error)
    finally:
        connection.close()


def test_two_deliberations_for_the_last_slot(prize_world):
    call = prize_world.call
    second_admin = User.objects.create_user(email="deuxieme.admin@example.org")
    second_admin.groups.set(prize_world.administrator.groups.all())
    prize_world.dossier(S.SELECTED)
    for _ in range(ROUNDS):
        highlighted = Decision.objects.filter(
            application__call=call, is_current=True, highlighted=True
        ).count()
        call.highlighted_count = highlighted + 1
        call.save(update_fields=["highlighted_count"])
        first = prize_world.dossier(S.AWAITING_DECISION)
        second = prize_world.dossier(S.AWAITING_DECISION)

        outcomes = [None, None]
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=_record, args=(call.pk, dossier.pk, actor.pk, barrier, outcomes, i)
            )
            for i, (dossier, actor) in enumerate(
                [(first, prize_world.administrator), (second, second_admin)]
            )
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(outcomes) == ["quota", "recorded"], outcomes
        loser = second if outcomes[0] == "recorded" else first
        assert Application.objects.get(pk=loser.pk).state == S.AWAITING_DECISION
        assert not Decision.objects.filter(application=loser).exists()
        assert (
            Decision.objects.filter(
                application__call=call, is_current=True, highlighted=True
            ).count()
            == call.highlighted_count
        )
