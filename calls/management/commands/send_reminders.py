from django.core.management.base import BaseCommand

from calls import reminders


class Command(BaseCommand):
    help = (
        "Email the members of the organisations that have a draft on a call closing in "
        "7 days or 1 day. Each reminder is sent once per draft and threshold: safe to "
        "run every hour (cron)."
    )

    def handle(self, *args, **options):
        count = reminders.send_call_reminders()
        self.stdout.write(f"{count} reminder email(s) written to the outbox.")
