from django.tasks import task

from . import services


@task()
def deliver_emails(email_ids: list[int]) -> dict:
    """Send outbox rows (after the commit of the change that wrote them)."""
    return {str(email_id): services.deliver(email_id) for email_id in email_ids}


@task()
def sweep_outbox() -> int:
    """Re-queue outbox rows whose delivery task was lost."""
    return services.sweep()
