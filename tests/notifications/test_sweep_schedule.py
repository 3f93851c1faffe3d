"""The sweep runs by itself: each run schedules the next one (``run_after``) on the
database task backend, one chain whatever the number of workers or migrations; no cron."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting():
    return DBTaskResult.objects.filter(
        task_path=tasks.sweep_outbox.module_path, status=TaskResultStatus.READY
    )


def test_the_sweep_reschedules_itself_once(database_tasks, settings, capsys):
    settings.OUTBOX_SWEEP_INTERVAL_SECONDS = 120
    assert tasks.ensure_sweep_scheduled()
    assert not tasks.ensure_sweep_scheduled()  # a second worker, a second migrate
    assert waiting().count() == 1

    before = timezone.now()
    # What a worker does with it: claim it (RUNNING), run it, mark it done.
    queued = waiting().get()
    DBTaskResult.objects.filter(pk=queued.pk).update(status=TaskResultStatus.RUNNING)
    tasks.sweep_outbox.call()
    DBTaskResult.objects.filter(pk=queued.pk).update(status=TaskResultStatus.SUCCESSFUL)

    (following,) = waiting()
    assert before + timedelta(seconds=119) < following.run_after
    assert following.run_after < timezone.now() + timedelta(seconds=121)
    assert (
        DBTaskResult.objects.filter(
            task_path=tasks.sweep_outbox.module_path, status=TaskResultStatus.SUCCESSFUL
        ).count()
        == 1
    )


def test_migrate_and_requeue_outbox_start_the_chain(database_tasks, capsys):
    call_command("requeue_outbox")
    assert waiting().count() == 1
    call_command("migrate", "--no-input", "-v0")
    assert waiting().count() == 1
