from django.tasks import task

from . import reminders


@task()
def send_call_reminders() -> int:
    """Write to the outbox the reminders of the drafts whose call closes in 7 days or
    1 day (each one once). Returns the number of emails written."""
    return reminders.send_call_reminders()
