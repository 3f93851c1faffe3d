from django.core.management.base import BaseCommand

from reviews import services


class Command(BaseCommand):
    help = (
        "Email the members of the governance bodies that have not given their opinion on "
        "a dossier due in 3 days or 1 day. Each reminder is sent once per dossier, body "
        "and threshold: safe to run every hour (cron)."
    )

    def handle(self, *args, **options):
        count = services.send_opinion_reminders()
        self.stdout.write(f"{count} opinion reminder email(s) written to the outbox.")
