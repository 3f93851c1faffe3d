"""The outbox's tasks: sending rows after commit, retrying them when due, and the sweep
that picks up rows whose task was lost."""

from django.db import transaction
from django.tasks import task

from . import delivery
from .models import OutboundEmail


@task()
def deliver_emails(email_ids: list[int]) -> dict:
    """Send outbox rows (after the commit of the change that wrote them)."""
    statuses = {}
    for email_id in email_ids:
        status = delivery.deliver(email_id)
        statuses[str(email_id)] = status
        if status == OutboundEmail.Status.PENDING:
            _schedule_retry(email_id)
    return statuses


@task()
def sweep_outbox() -> int:
    """Re-queue outbox rows whose delivery task was lost."""
    return sweep()


def enqueue_on_commit(ids):
    """Send these outbox rows once the current transaction commits."""
    ids = list(ids)
    transaction.on_commit(lambda: deliver_emails.enqueue(ids))


def _schedule_retry(email_id):
    if not deliver_emails.get_backend().supports_defer:
        return  # the Immediate backend: the sweep picks the row up once it is due
    run_after = (
        OutboundEmail.objects.filter(pk=email_id).values_list("next_attempt_at", flat=True).first()
    )
    if run_after is not None:
        deliver_emails.using(run_after=run_after).enqueue([email_id])


def sweep(*, all_failed=False) -> int:
    """Re-queue the due rows whose task was lost: stuck 'sending' rows, pending rows
    that are due, failed rows whose next retry is due (every failed row with
    ``all_failed``). Returns how many were re-queued."""
    delivery.release_stuck()
    delivery.revive_failed(due_only=not all_failed)
    ids = list(delivery.due_emails().values_list("pk", flat=True))
    if ids:
        deliver_emails.enqueue(ids)
    return len(ids)
