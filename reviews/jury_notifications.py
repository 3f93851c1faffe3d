"""The emails to jurors, all through the outbox (``notifications.services.queue_email``):
the dossiers assigned to them (one email per juror and assignment batch), the reminders
3 days and 1 day before the call's scoring deadline (each once per juror and threshold,
scheduled by ``manage.py send_jury_reminders``) and the reminders an administrator or
the jury's president sends at once to the late jurors. Each reminder is in the audit
trail of every dossier it is about."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import queue_email
from workflows import rules
from workflows.audit import record_event
from workflows.exceptions import TransitionNotPermitted

from .jury_selectors import late_assignments
from .models import Jury

# Days before the scoring deadline; each late juror gets one reminder per threshold.
JURY_REMINDER_DAYS = (3, 1)


def _deadline(call):
    return Jury.objects.filter(call=call).values_list("scoring_deadline", flat=True).first()


def notify_assigned(call, assignments) -> int:
    """Email each juror of ``assignments`` (of ``call``) once, listing the dossiers
    assigned to them in this batch and the scoring deadline. Call it in the
    transaction that saved the assignments. Returns the number of emails written."""
    assignments = sorted(assignments, key=lambda a: (a.juror_id, a.application.reference))
    deadline = _deadline(call)
    written = 0
    for _juror_id, group in groupby(assignments, key=lambda a: a.juror_id):
        group = list(group)
        juror = group[0].juror
        batch = hashlib.sha256(
            ",".join(str(a.pk) for a in sorted(group, key=lambda a: a.pk)).encode()
        ).hexdigest()[:16]
        written += len(
            queue_email(
                template="jury_assigned",
                recipients=[juror.email],
                context={
                    "call": call,
                    "juror": juror,
                    "dossiers": [a.application for a in group],
                    "deadline": deadline,
                },
                key=f"jury-assigned-{call.pk}-{juror.pk}-{batch}",
                event="jury_assigned",
            )
        )
    return written


@dataclass
class Reminder:
    """One late juror reminded (or not: ``sent`` is False when already reminded)."""

    juror: object
    dossiers: list
    sent: bool


def _remind(call, deadline, key_of, actor, today) -> list[Reminder]:
    """Email each late juror of ``call`` the dossiers they have not scored; record it in
    each dossier's audit trail. ``key_of(juror)`` is the outbox key."""
    reminders = []
    rows = list(late_assignments(call))
    for _juror_id, group in groupby(rows, key=lambda a: a.juror_id):
        group = list(group)
        juror = group[0].juror
        dossiers = [a.application for a in group]
        written = queue_email(
            template="jury_reminder",
            recipients=[juror.email],
            context={
                "call": call,
                "juror": juror,
                "dossiers": dossiers,
                "deadline": deadline,
                "days_left": (deadline - today).days if deadline else None,
            },
            key=key_of(juror),
            event="jury_reminder",
        )
        if written:
            for dossier in dossiers:
                record_event(
                    "jury.reminder_sent",
                    actor=actor,
                    application=dossier,
                    call=call,
                    subject_user=juror,
                    data={"deadline": deadline.isoformat() if deadline else None},
                )
        reminders.append(Reminder(juror=juror, dossiers=dossiers, sent=bool(written)))
    return reminders


def send_jury_reminders(today=None) -> int:
    """Write to the outbox the reminders due today: to each juror who has not submitted
    all their scorecards on dossiers with the jury, 3 days and 1 day before the call's
    scoring deadline. Each once per juror, deadline and threshold (the outbox key): a
    second run writes nothing. Returns the number of emails written."""
    today = today or timezone.localdate()
    written = 0
    for days in JURY_REMINDER_DAYS:
        smaller = [d for d in JURY_REMINDER_DAYS if d < days]
        lower = max(smaller) + 1 if smaller else 0
        juries = Jury.objects.filter(
            scoring_deadline__gte=today + timedelta(days=lower),
            scoring_deadline__lte=today + timedelta(days=days),
        ).select_related("call")
        for jury in juries:
            call, deadline = jury.call, jury.scoring_deadline
            with transaction.atomic():
                reminders = _remind(
                    call,
                    deadline,
                    lambda juror, days=days, call=call, deadline=deadline: (
                        f"jury-reminder-{call.pk}-{juror.pk}-{deadline.isoformat()}-{days}d"
                    ),
                    None,
                    today,
                )
            written += sum(1 for reminder in reminders if reminder.sent)
    return written


@transaction.atomic
def remind_late_jurors(call, by) -> list[Reminder]:
    """Remind now every late juror of ``call`` (administrators and the jury president).
    A second click within the same minute sends nothing twice. Returns one
    ``Reminder`` per late juror."""
    if not rules.can_follow_jury(by, call):
        raise TransitionNotPermitted(
            _("Only administrators and the jury's president remind the jurors.")
        )
    now = timezone.now()
    stamp = now.strftime("%Y%m%d%H%M")
    return _remind(
        call,
        _deadline(call),
        lambda juror: f"jury-reminder-now-{call.pk}-{juror.pk}-{stamp}",
        by,
        timezone.localdate(now),
    )
