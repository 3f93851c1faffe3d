"""The transition log is the audit trail of a dossier: append-only, complete (every
step, in order, with who did it and why) and transactional (a transition rolled back
leaves neither a log row nor an email)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from calls.models import Application
from notifications.models import OutboundEmail
from reviews.models import Decision, Opinion
from workflows.models import TransitionLog
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

from . import snapshot

DUE = timezone.localdate() + timedelta(days=10)


def edit_and_save(log):
    log.reason = "Réécrit."
    log.save()


# Ways to rewrite or erase history, each of which must fail.
TAMPERING = {
    "save an edited row": (edit_and_save, TypeError),
    "delete the row": (lambda log: log.delete(), TypeError),
    "update through a queryset": (
        lambda log: TransitionLog.objects.filter(pk=log.pk).update(reason="Réécrit."),
        TypeError,
    ),
    "delete through a queryset": (lambda log: TransitionLog.objects.all().delete(), TypeError),
    "update through the dossier": (
        lambda log: log.application.transition_logs.update(to_state=S.NOTIFIED),
        TypeError,
    ),
    "delete through the dossier": (
        lambda log: log.application.transition_logs.all().delete(),
        TypeError,
    ),
    "update through the base manager": (
        lambda log: TransitionLog._base_manager.filter(pk=log.pk).update(reason="Réécrit."),
        TypeError,
    ),
    "bulk update": (
        lambda log: TransitionLog.objects.bulk_update(
            [TransitionLog(pk=log.pk, reason="Réécrit.")], ["reason"]
        ),
        TypeError,
    ),
    "delete the dossier": (
        lambda log: Application.objects.get(pk=log.application_id).delete(),
        ProtectedError,
    ),
    "delete the actor": (lambda log: log.actor.delete(), ProtectedError),
}


@pytest.mark.parametrize("attempt", TAMPERING)
def test_the_log_is_append_only(world, attempt):
    dossier = world.dossier(S.INCOMPLETE)
    # The submission, by the applicant: nothing but the log protects them or the dossier.
    log = TransitionLog.objects.filter(application=dossier).first()
    assert (log.transition, log.actor) == ("submit", world.applicant)
    rows = list(TransitionLog.objects.order_by("pk").values())
    tamper, error = TAMPERING[attempt]

    with pytest.raises(error), transaction.atomic():
        tamper(TransitionLog.objects.get(pk=log.pk))

    assert list(TransitionLog.objects.order_by("pk").values()) == rows


def test_new_rows_can_still_be_appended(world):
    dossier = world.dossier(S.SUBMITTED)

    perform(dossier, "declare_eligible", world.instructor)

    assert TransitionLog.objects.filter(application=dossier).count() == 2


def test_the_log_tells_the_whole_story_in_order(world):
    dossier = world.dossier(S.DRAFT)
    steps = [
        ("submit", world.applicant, {}),
        ("request_completion", world.instructor, {"reason": "Joindre les comptes 2025."}),
        ("resubmit", world.applicant, {}),
        ("declare_eligible", world.instructor, {}),
        ("open_consultation", world.administrator, {"due_at": DUE}),
        ("close_consultation", world.governance, {}),
        ("select", world.administrator, {"amount": "24000", "reason": "Projet structurant."}),
        ("reopen", world.administrator, {"reason": "Erreur sur le montant."}),
        ("select", world.administrator, {"amount": "18000", "reason": "Montant corrigé."}),
        ("notify", world.administrator, {}),
    ]
    attach_required_documents(dossier, world.applicant)
    for transition, actor, data in steps:
        if transition == "close_consultation":
            Opinion.objects.create(
                application=dossier,
                body=world.body,
                author=world.governance,
                verdict=Opinion.Verdict.FAVOURABLE,
                motivation="Avis favorable du conseil.",
            )
        perform(dossier, transition, actor, **data)

    logs = list(Application.objects.get(pk=dossier.pk).transition_logs.all())
    assert [
        (log.transition, log.from_state, log.to_state, log.actor, log.reason) for log in logs
    ] == [
        ("submit", S.DRAFT, S.SUBMITTED, world.applicant, ""),
        (
            "request_completion",
            S.SUBMITTED,
            S.INCOMPLETE,
            world.instructor,
            "Joindre les comptes 2025.",
        ),
        ("resubmit", S.INCOMPLETE, S.SUBMITTED, world.applicant, ""),
        ("declare_eligible", S.SUBMITTED, S.ELIGIBLE, world.instructor, ""),
        ("open_consultation", S.ELIGIBLE, S.IN_CONSULTATION, world.administrator, ""),
        ("close_consultation", S.IN_CONSULTATION, S.AWAITING_DECISION, world.governance, ""),
        ("select", S.AWAITING_DECISION, S.SELECTED, world.administrator, "Projet structurant."),
        ("reopen", S.SELECTED, S.AWAITING_DECISION, world.administrator, "Erreur sur le montant."),
        ("select", S.AWAITING_DECISION, S.SELECTED, world.administrator, "Montant corrigé."),
        ("notify", S.SELECTED, S.NOTIFIED, world.administrator, ""),
    ]
    assert [log.at for log in logs] == sorted(log.at for log in logs)
    first_grant, second_grant = (log.data for log in logs if log.transition == "select")
    assert first_grant == {"amount": "24000", "needs_convention": True}
    assert second_grant == {"amount": "18000"}
    assert Decision.objects.get(application=dossier, is_current=True).amount == Decimal("18000")


ROLLED_BACK = [
    (S.SUBMITTED, "declare_eligible", "instructor", {}),
    (S.AWAITING_DECISION, "select", "administrator", {"amount": "12000", "reason": "Retenu."}),
    (S.SELECTED, "reopen", "administrator", {"reason": "Nouvel élément."}),
    (S.SELECTED, "notify", "administrator", {}),
]


@pytest.mark.parametrize(
    ("state", "transition", "role", "data"), ROLLED_BACK, ids=[t for _, t, _, _ in ROLLED_BACK]
)
def test_a_rolled_back_transition_leaves_no_trace(world, on_commit, state, transition, role, data):
    dossier = world.dossier(state)
    before = snapshot(dossier)
    emails = list(OutboundEmail.objects.order_by("pk").values("pk", "status"))

    with on_commit(), pytest.raises(RuntimeError):
        with transaction.atomic():
            perform(dossier, transition, world.roles()[role], **data)
            raise RuntimeError("failure later in the same request")

    assert snapshot(dossier) == before
    assert list(OutboundEmail.objects.order_by("pk").values("pk", "status")) == emails
    assert mail.outbox == []


def test_the_same_transition_committed_leaves_its_trace(world, on_commit):
    """Counterpart of the test above: committed, the transition is logged and its
    email sent."""
    dossier = world.dossier(S.SUBMITTED)
    before = snapshot(dossier)

    with on_commit():
        with transaction.atomic():
            perform(dossier, "declare_eligible", world.instructor)

    after = snapshot(dossier)
    assert (after["state"], after["log_rows"]) == (S.ELIGIBLE, before["log_rows"] + 1)
    assert after["outbox_rows"] == before["outbox_rows"] + 1
    assert [message.to for message in mail.outbox] == [[world.applicant.email]]
