"""The outbox's tasks: sending rows after commit, retrying them when due, and the sweep
that picks up rows whose task was lost.

The sweep schedules itself: each run enqueues the next one ``OUTBOX_SWEEP_INTERVAL_SECONDS``
later (``run_after``), so the task workers run it with no cron. ``ensure_sweep_scheduled``
starts the chain when no sweep is waiting: after every ``migrate`` (``make run`` and every
deployment run it) and from ``requeue_outbox``."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

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


logger = logging.getLogger(__name__)


@task()
def sweep_outbox() -> int:
    """Re-queue outbox rows whose delivery task was lost, then schedule the next sweep
    (even when this one failed: the chain never breaks)."""
    try:
        return sweep()
    finally:
        _schedule_next_sweep()


def _waiting_sweeps():
    """The sweeps queued and not started yet (database task backend only)."""
    return DBTaskResult.objects.filter(
        task_path=sweep_outbox.module_path, status=TaskResultStatus.READY
    )


def _schedule_next_sweep():
    if not sweep_outbox.get_backend().supports_defer:
        return  # the Immediate backend (tests): nothing runs later
    if _waiting_sweeps().exists():
        return  # another chain is already scheduled (a second worker, a new migrate)
    run_after = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_INTERVAL_SECONDS)
    sweep_outbox.using(run_after=run_after).enqueue()


def ensure_sweep_scheduled() -> bool:
    """Enqueue a sweep now unless one is already waiting. Returns whether one was
    enqueued."""
    backend = sweep_outbox.get_backend()
    if not backend.supports_defer:
        return False
    try:
        if _waiting_sweeps().exists():
            return False
    except DatabaseError:  # the task tables are not there yet (a partial migration)
        logger.warning("The outbox sweep could not be scheduled", exc_info=True)
        return False
    sweep_outbox.enqueue()
    return True


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
