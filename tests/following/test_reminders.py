"""Reminders: the members of an organisation with a draft on a call receive an email
7 days and 1 day before the call closes, each once, whatever the number of runs."""

from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from calls import reminders
from calls.tasks import send_call_reminders
from notifications.models import OutboundEmail
from tests.factories import ApplicationFactory, CallFactory, MembershipFactory
from workflows.states import DossierState as S


def reminder_rows(**filters):
    return OutboundEmail.objects.filter(event__startswith="reminder_", **filters)


def closing_in(world, delta):
    world.call.closes_at = timezone.now() + delta
    world.call.save(update_fields=["closes_at"])


@pytest.fixture
def two_members(world):
    """The applicant organisation has two members."""
    MembershipFactory(organization=world.organization, user__email="tresoriere@example.org")
    return sorted([world.applicant.email, "tresoriere@example.org"])


def test_seven_days_before_each_member_gets_one_reminder_once(world, two_members, on_commit):
    draft = world.dossier(S.DRAFT)
    closing_in(world, timedelta(days=6, hours=20))

    with on_commit():
        first = reminders.send_call_reminders()
    second = reminders.send_call_reminders()

    assert (first, second) == (2, 0)
    rows = reminder_rows(application=draft)
    assert sorted(rows.values_list("recipient", flat=True)) == two_members
    assert set(rows.values_list("event", flat=True)) == {"reminder_7d"}
    assert set(rows.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == two_members
    assert draft.reference in mail.outbox[0].subject
    assert "7 jours" in mail.outbox[0].subject


def test_one_day_before_comes_the_last_reminder_once(world):
    draft = world.dossier(S.DRAFT)
    closing_in(world, timedelta(days=5))
    assert reminders.send_call_reminders() == 1
    closing_in(world, timedelta(hours=20))

    assert reminders.send_call_reminders() == 1
    assert reminders.send_call_reminders() == 0
    assert sorted(reminder_rows(application=draft).values_list("event", flat=True)) == [
        "reminder_1d",
        "reminder_7d",
    ]


def test_a_draft_found_late_gets_only_the_last_reminder(world):
    draft = world.dossier(S.DRAFT)
    closing_in(world, timedelta(hours=10))

    assert reminders.send_call_reminders() == 1
    assert list(reminder_rows(application=draft).values_list("event", flat=True)) == ["reminder_1d"]


def test_the_reminder_says_when_the_call_closes_and_what_is_missing(world):
    draft = world.dossier(S.DRAFT)  # no mandatory document yet
    closing_in(world, timedelta(hours=20))

    reminders.send_call_reminders()

    email = reminder_rows(application=draft).get()
    closes = timezone.localtime(world.call.closes_at)
    assert f"à {closes.hour}\u00a0h\u00a0{closes:%M}" in email.body_text  # "à 9 h 05"
    assert str(closes.year) in email.body_text
    assert "Statuts de l'association" in email.body_text  # the missing document
    assert f"/dossiers/{draft.pk}/" in email.body_text
    assert "Dernier jour" in email.subject
    assert "Statuts de l'association" in unescape(email.body_html)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.INCOMPLETE, S.WITHDRAWN, S.DISCARDED])
def test_no_reminder_for_a_dossier_no_longer_a_draft(world, state):
    world.dossier(state)
    closing_in(world, timedelta(hours=20))

    assert reminders.send_call_reminders() == 0
    assert not reminder_rows().exists()


@pytest.mark.parametrize(
    "opens, closes, published",
    [
        (timedelta(days=-30), timedelta(hours=-2), True),  # closed
        (timedelta(days=-30), timedelta(days=12), True),  # closes later
        (timedelta(days=-30), timedelta(hours=20), False),  # withdrawn from publication
    ],
)
def test_no_reminder_for_a_closed_call_or_one_not_closing_soon(world, opens, closes, published):
    now = timezone.now()
    call = CallFactory(opens_at=now + opens, closes_at=now + closes, is_published=published)
    ApplicationFactory(call=call, organization=world.organization)

    assert reminders.send_call_reminders() == 0
    assert not reminder_rows().exists()


def test_the_task_and_the_command_send_the_same_reminders_once(world):
    world.dossier(S.DRAFT)
    closing_in(world, timedelta(days=3))

    result = send_call_reminders.enqueue()
    out = StringIO()
    call_command("send_reminders", stdout=out)

    assert result.return_value == 1
    assert "0 reminder email(s)" in out.getvalue()
    assert reminder_rows().count() == 1
