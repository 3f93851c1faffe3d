from django.core.management.base import BaseCommand

from reviews import jury_notifications


class Command(BaseCommand):
    help = (
        "Email the jurors who have not submitted their scorecards on dossiers with the "
        "jury, 3 days and 1 day before the call's scoring deadline. Each reminder is sent "
        "once per juror, deadline and threshold: safe to run every hour (cron)."
    )

    def handle(self, *args, **options):
        count = jury_notifications.send_jury_reminders()
        self.stdout.write(f"{count} jury reminder email(s) written to the outbox.")
