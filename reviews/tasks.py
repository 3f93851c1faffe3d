from django.tasks import task

from . import jury_notifications, services


@task()
def send_opinion_reminders() -> int:
    """Write to the outbox the reminders to the members of the governance bodies that
    have not given their opinion 3 days and 1 day before it is due (each one once).
    Returns the number of emails written."""
    return services.send_opinion_reminders()


@task()
def send_jury_reminders() -> int:
    """Write to the outbox the reminders to the jurors with unsubmitted scorecards 3 days
    and 1 day before the call's scoring deadline (each one once). Returns the number of
    emails written."""
    return jury_notifications.send_jury_reminders()
