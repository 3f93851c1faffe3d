from django.core.management.base import BaseCommand

from notifications import tasks


class Command(BaseCommand):
    help = (
        "Re-queue the outbox emails whose delivery task was lost: pending rows that are "
        "due, and rows stuck in 'sending' after a crash. Safe to run at any time (cron)."
    )

    def handle(self, *args, **options):
        count = tasks.sweep()
        self.stdout.write(f"{count} email(s) re-queued.")
