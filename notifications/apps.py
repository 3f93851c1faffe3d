from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from . import webhooks

        webhooks.connect()
        post_migrate.connect(_start_sweep, sender=self, dispatch_uid="notifications.sweep")


def _start_sweep(sender, using="default", **kwargs):
    """After ``migrate``: make sure the self-scheduling outbox sweep is queued."""
    from . import tasks

    if using == "default":
        tasks.ensure_sweep_scheduled()
