"""The outbox as the applicants live it: one email per member after a real commit,
nothing for a rolled-back change, nothing lost while the provider is down, nothing
sent twice, decision emails held until the decision is notified."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from calls.models import Application
from calls.selectors import timeline
from notifications import delivery, tasks
from notifications.models import OutboundEmail
from notifications.tasks import deliver_emails
from tests.factories import MembershipFactory
from tests.notifications.failing_backend import BACKEND as FAILING_BACKEND
from tests.notifications.failing_backend import EmailBackend as FailingBackend
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

Status = OutboundEmail.Status


@pytest.fixture
def provider_down(settings):
    """The email provider refuses the next ``n`` sends: call ``provider_down(n)``."""
    settings.MAILERS = {"default": {"BACKEND": FAILING_BACKEND}}

    def fail(n):
        FailingBackend.reset(failures=n)

    yield fail
    FailingBackend.reset()


def submit(world, dossier=None):
    """Submit a new draft of the world's organisation (documents attached)."""
    dossier = dossier or world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)
    perform(dossier, "submit", world.applicant)
    return dossier


def make_due(email):
    """Move the clock past the row's next attempt (without sleeping)."""
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def sent_subjects():
    return [message.subject for message in mail.outbox]


# After commit, through the mailer.


def test_a_submission_emails_every_member_of_the_organisation_after_commit(world, on_commit):
    colleague = MembershipFactory(
        organization=world.organization, user__email="tresoriere@example.org"
    ).user
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)

    with on_commit():
        perform(dossier, "submit", world.applicant)
        # Written in the transaction, not sent before the commit.
        rows = OutboundEmail.objects.filter(application=dossier, event="submit")
        assert sorted(rows.values_list("recipient", "status")) == [
            ("porteur@example.org", Status.PENDING),
            ("tresoriere@example.org", Status.PENDING),
        ]
        assert mail.outbox == []

    assert sorted(m.to[0] for m in mail.outbox) == ["porteur@example.org", colleague.email]
    assert all(len(message.to) == 1 for message in mail.outbox)
    for message in mail.outbox:
        assert message.subject == f"Dossier {dossier.reference} déposé"
        assert dossier.reference in message.body
        assert "a bien été déposé" in message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert f"<strong>{dossier.reference}</strong>" in html
    for row in OutboundEmail.objects.filter(application=dossier):
        assert row.status == Status.SENT
        assert row.sent_at is not None
        assert row.attempts == 1
        assert row.last_error == ""
        # What the provider answered (anymail's test backend: an index, status "sent").
        assert row.provider_message_id != ""
        assert row.delivery_status == "sent"


def test_a_rolled_back_transition_sends_nothing(world, on_commit):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)

    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        perform(dossier, "submit", world.applicant)
        raise RuntimeError("the request failed after the transition")

    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()
    assert Application.objects.get(pk=dossier.pk).state == S.DRAFT


# The provider is down.


def test_a_failed_send_is_retried_later_by_the_sweep(world, on_commit, provider_down, settings):
    provider_down(1)
    before = timezone.now()
    with on_commit():
        dossier = submit(world)
    after = timezone.now()

    email = OutboundEmail.objects.get(application=dossier)
    assert email.status == Status.PENDING
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert "refused the connection" in email.last_error
    retry = timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    assert before + retry <= email.next_attempt_at <= after + retry
    assert mail.outbox == []

    # Not yet due: the sweep leaves it alone.
    assert tasks.sweep() == 0
    assert FailingBackend.attempts == 1

    make_due(email)
    assert tasks.sweep() == 1

    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 2
    assert email.sent_at is not None
    assert [m.to for m in mail.outbox] == [["porteur@example.org"]]
    # Nothing left to do: a later sweep sends nothing more.
    assert tasks.sweep() == 0
    assert len(mail.outbox) == 1


def test_every_attempt_of_a_row_carries_the_same_message_id(
    world, on_commit, provider_down, settings
):
    """A stable Message-ID per outbox row, reused on every retry: a relay that accepted a
    message whose answer was lost can tell the retry is the same message."""
    provider_down(2)
    with on_commit():
        dossier = submit(world)
    email = OutboundEmail.objects.get(application=dossier)
    first = delivery.build_message(email).message()["Message-ID"]
    for _attempt in range(2):
        make_due(email)
        tasks.sweep()
    email.refresh_from_db()
    assert email.status == Status.SENT
    (sent,) = mail.outbox
    assert sent.message()["Message-ID"] == first == delivery.message_id_for(email)
    assert first.startswith(f"<outbox-{email.pk}.") and first.endswith(">")
    other = delivery.message_id_for(OutboundEmail(pk=email.pk + 1, idempotency_key="x"))
    assert other != first


def test_back_off_doubles_then_the_email_is_marked_failed(
    world, on_commit, provider_down, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    provider_down(100)
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    dossier = submit(world)  # no commit: the sends below are the only attempts
    email = OutboundEmail.objects.get(application=dossier)

    delays = []
    for attempt in range(1, 4):
        before = timezone.now()
        assert delivery.deliver(email.pk) == Status.PENDING
        after = timezone.now()
        email.refresh_from_db()
        assert email.attempts == attempt
        assert before + timedelta(seconds=base * 2 ** (attempt - 1)) <= email.next_attempt_at
        assert email.next_attempt_at <= after + timedelta(seconds=base * 2 ** (attempt - 1))
        delays.append(email.next_attempt_at - before)
        # Before it is due, a new delivery does not even try.
        assert delivery.deliver(email.pk) == Status.PENDING
        assert FailingBackend.attempts == attempt
        make_due(email)
    assert delays[1] > delays[0] * 1.9 and delays[2] > delays[1] * 1.9

    assert tasks.sweep() == 1  # fourth and last attempt
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.attempts == 4
    retry = timedelta(seconds=settings.OUTBOX_FAILED_RETRY_SECONDS)
    assert timezone.now() + retry - timedelta(seconds=30) < email.next_attempt_at
    assert "ConnectionRefusedError" in email.last_error
    # A failed email stays failed (and visible) until its next round is due.
    assert tasks.sweep() == 0
    assert FailingBackend.attempts == 4
    assert mail.outbox == []
    # Then the sweep gives it a new round of attempts: it is never abandoned.
    provider_down(0)
    make_due(email)
    assert tasks.sweep() == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert len(mail.outbox) == 1


# Never twice.


def test_delivering_the_same_row_twice_sends_it_once(world):
    dossier = submit(world)  # pending: its after-commit task never ran
    email = OutboundEmail.objects.get(application=dossier)

    assert delivery.deliver(email.pk) == Status.SENT
    assert delivery.deliver(email.pk) == Status.SENT

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_task_carrying_the_same_row_twice_sends_it_once(world):
    dossier = submit(world)
    email = OutboundEmail.objects.get(application=dossier)

    result = deliver_emails.enqueue([email.pk, email.pk])

    assert result.return_value == {str(email.pk): Status.SENT}
    assert len(mail.outbox) == 1
    # The task delivered again (a lost acknowledgement) sends nothing more.
    deliver_emails.enqueue([email.pk])
    assert len(mail.outbox) == 1


def test_a_row_stuck_in_sending_is_requeued_by_the_command(world, settings, capsys):
    stuck_dossier = submit(world)
    busy_dossier = submit(world)
    stuck = OutboundEmail.objects.get(application=stuck_dossier)
    busy = OutboundEmail.objects.get(application=busy_dossier)
    # A worker claimed both and crashed: one long ago, one is still within its time.
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS + 60)
    OutboundEmail.objects.filter(pk=stuck.pk).update(status=Status.SENDING, claimed_at=long_ago)
    OutboundEmail.objects.filter(pk=busy.pk).update(
        status=Status.SENDING, claimed_at=timezone.now()
    )

    call_command("requeue_outbox")

    assert "1 email(s) re-queued." in capsys.readouterr().out
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == Status.SENT
    assert busy.status == Status.SENDING
    assert [m.subject for m in mail.outbox] == [stuck.subject]

    call_command("requeue_outbox")
    assert len(mail.outbox) == 1


# Decision emails wait for the notification.


@pytest.mark.parametrize(
    ("state", "event", "subject"),
    [
        (S.SELECTED, "select", "votre projet est retenu"),
        (S.NOT_SELECTED, "decline", "décision"),
        (S.INELIGIBLE, "declare_ineligible", "décision de non-recevabilité"),
    ],
)
def test_decision_emails_are_held_until_notified(world, on_commit, state, event, subject):
    with on_commit():
        dossier = world.dossier(state)
    decision = OutboundEmail.objects.get(application=dossier, event=event)
    assert decision.status == Status.HELD
    assert decision.subject == f"Dossier {dossier.reference}\u00a0: {subject}"
    assert decision.subject not in sent_subjects()
    # Nothing sends a held email: not the sweep, not a delivery.
    tasks.sweep()
    delivery.deliver(decision.pk)
    assert decision.subject not in sent_subjects()
    decision.refresh_from_db()
    assert decision.status == Status.HELD

    with on_commit():
        perform(dossier, "notify", world.administrator)

    decision.refresh_from_db()
    assert decision.status == Status.SENT
    assert sent_subjects().count(decision.subject) == 1
    assert mail.outbox[-1].to == ["porteur@example.org"]


def test_reopening_cancels_the_held_decision_email(world, on_commit):
    with on_commit():
        dossier = world.dossier(S.SELECTED)
        perform(
            dossier, "reopen", world.administrator, reason="Le budget a été revu par le conseil."
        )
    selected = OutboundEmail.objects.get(application=dossier, event="select")
    assert selected.status == Status.CANCELLED

    with on_commit():
        perform(dossier, "decline", world.administrator, reason="Budget insuffisant cette année.")
        perform(dossier, "notify", world.administrator)

    selected.refresh_from_db()
    declined = OutboundEmail.objects.get(application=dossier, event="decline")
    assert selected.status == Status.CANCELLED
    assert declined.status == Status.SENT
    assert selected.subject not in sent_subjects()
    assert sent_subjects().count(declined.subject) == 1


def test_the_timeline_shows_sent_emails_and_never_cancelled_ones(world, on_commit):
    with on_commit():
        dossier = world.dossier(S.SELECTED)
    with on_commit():
        perform(dossier, "reopen", world.administrator, reason="Un élément nouveau.")
    with on_commit():
        perform(dossier, "decline", world.administrator, reason="Budget insuffisant.")

    def emails(user):
        return [e["item"].event for e in timeline(dossier, user) if e["kind"] == "email"]

    # The applicant sees what was sent to them; the held refusal is not sent yet.
    assert emails(world.applicant) == ["submit", "declare_eligible"]
    # Staff also see the email waiting for the notification, never the cancelled one.
    assert emails(world.administrator) == ["submit", "declare_eligible", "decline"]

    with on_commit():
        perform(dossier, "notify", world.administrator)

    assert emails(world.applicant) == ["submit", "declare_eligible", "decline"]
    assert emails(world.administrator) == ["submit", "declare_eligible", "decline"]
    assert OutboundEmail.objects.get(event="select").status == Status.CANCELLED
