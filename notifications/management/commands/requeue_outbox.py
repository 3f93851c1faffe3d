from django.core.management.base import BaseCommand

from notifications import tasks


class Command(BaseCommand):
    help = (
        "Re-queue the outbox emails that are not on their way: every failed row (a new "
        "round of attempts), pending rows that are due, and rows stuck in 'sending' after "
        "a crash. Safe to run at any time: nothing is sent twice."
    )

    def handle(self, *args, **options):
        count = tasks.sweep(all_failed=True)
        tasks.ensure_sweep_scheduled()
        self.stdout.write(f"{count} email(s) re-queued.")
