"""Two people acting at the same moment: the row locks taken by ``perform`` make exactly
one of them win, and the other gets a clear error instead of a silent overwrite or a
quota overrun.

Each contender runs in its own thread, hence its own database connection, loads its
own copy of the dossier, then waits at a barrier so that both act together. The
winner keeps its transaction (and its locks) open a moment after acting, so that the
other really runs into the locks; only outcomes are asserted, never durations."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import User
from calls.models import Application
from reviews.models import Decision
from tests.conftest import postgres_available
from workflows.exceptions import TransitionError
from workflows.models import TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

from . import snapshot

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not postgres_available(), reason="needs PostgreSQL (concurrent connections, row locks)"
    ),
    # serialized_rollback: the objectives loaded by a data migration survive the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 10
HOLD_SECONDS = 0.1  # how long the winner keeps its locks after acting
REASON = "Motif détaillé."


class Contender:
    """One user performing one transition on one dossier, from its own thread."""

    def __init__(self, dossier, transition, actor, **data):
        self.dossier_pk, self.transition, self.actor_pk, self.data = (
            dossier.pk,
            transition,
            actor.pk,
            data,
        )
        self.outcome = None

    def run(self, barrier):
        try:
            # Each thread reads its own copies, before anybody acts.
            dossier = Application.objects.select_related("call").get(pk=self.dossier_pk)
            actor = User.objects.get(pk=self.actor_pk)
            barrier.wait(timeout=30)
            try:
                with transaction.atomic():
                    perform(dossier, self.transition, actor, **self.data)
                    time.sleep(HOLD_SECONDS)
            except TransitionError as error:
                self.outcome = type(error).__name__
            else:
                self.outcome = "performed"
        except Exception as error:  # reported in the assertion, not lost in the thread
            self.outcome = repr(error)
        finally:
            connection.close()


def race(*contenders):
    barrier = threading.Barrier(len(contenders))
    threads = [threading.Thread(target=c.run, args=(barrier,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a contender is stuck"
    return [c.outcome for c in contenders]


def test_two_instructors_deciding_eligibility_at_once(world):
    """Same dossier, same moment: one declares it eligible, the other asks for a
    completion. One wins; the other is told the dossier changed meanwhile."""
    for _ in range(ROUNDS):
        dossier = world.dossier(S.SUBMITTED)
        eligible = Contender(dossier, "declare_eligible", world.instructor)
        completion = Contender(dossier, "request_completion", world.instructor, reason=REASON)

        outcomes = race(eligible, completion)

        assert sorted(outcomes) == ["StaleDossier", "performed"]
        winner = eligible if outcomes[0] == "performed" else completion
        logs = list(TransitionLog.objects.filter(application=dossier))
        assert [log.transition for log in logs] == ["submit", winner.transition]
        expected_state = S.ELIGIBLE if winner is eligible else S.INCOMPLETE
        assert Application.objects.get(pk=dossier.pk).state == expected_state
        assert dossier.eligibility_reviews.count() == 1


def test_two_selections_for_the_last_highlighted_slot(prize_world):
    """Two different nominations, one slot left: the lock on the edition's row lets
    exactly one through; the other gets the quota error and nothing is recorded."""
    call = prize_world.call
    prize_world.dossier(S.SELECTED)
    for _ in range(ROUNDS):
        highlighted = Decision.objects.filter(
            application__call=call, is_current=True, highlighted=True
        ).count()
        call.highlighted_count = highlighted + 1
        call.save(update_fields=["highlighted_count"])
        first = prize_world.dossier(S.AWAITING_DECISION)
        second = prize_world.dossier(S.AWAITING_DECISION)
        before = {first.pk: snapshot(first), second.pk: snapshot(second)}

        outcomes = race(
            Contender(first, "select", prize_world.administrator, reason=REASON),
            Contender(second, "select", prize_world.administrator, reason=REASON),
        )

        assert sorted(outcomes) == ["QuotaExceeded", "performed"]
        loser = second if outcomes[0] == "performed" else first
        assert snapshot(loser) == before[loser.pk]
        assert (
            Decision.objects.filter(
                application__call=call, is_current=True, highlighted=True
            ).count()
            == call.highlighted_count
        )


def granted_on(call):
    return Decision.objects.filter(
        application__call=call, is_current=True, outcome=Decision.Outcome.SELECTED
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")


def test_two_grants_for_the_rest_of_the_envelope(world):
    """AMI: 12,000 € left in the envelope, two grants of 8,000 € decided at once."""
    call = world.call
    for _ in range(ROUNDS):
        granted = granted_on(call)
        call.budget = granted + Decimal("12000")
        call.save(update_fields=["budget"])
        first = world.dossier(S.AWAITING_DECISION)
        second = world.dossier(S.AWAITING_DECISION)

        outcomes = race(
            Contender(first, "select", world.administrator, amount="8000", reason=REASON),
            Contender(second, "select", world.administrator, amount="8000", reason=REASON),
        )

        assert sorted(outcomes) == ["QuotaExceeded", "performed"]
        assert granted_on(call) == granted + Decimal("8000")
