"""Running a jury: the juror's queue, the scorecard page with the dossier beside the
grid, the call's settings of what a juror sees of the others' scores, the emails on
assignment, the reminders before the scoring deadline, the progress page and its
"remind late jurors now"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from calls.models import ScoringCriterion
from notifications.models import OutboundEmail
from reviews import jury_notifications, services
from reviews.models import JurorAssignment, Jury, Scorecard
from tests.factories import UserFactory, assign_confirmed
from tests.web import page
from workflows import rules
from workflows.models import AuditEvent
from workflows.states import DossierState as S


@pytest.fixture
def jury(prize_world):
    world = prize_world
    world.other_juror = UserFactory(
        email="jure2@example.org", first_name="Paule", last_name="Martin", roles=[rules.JURORS]
    )
    world.president = UserFactory(
        email="presidente@example.org", first_name="Anne", last_name="Roy", roles=[rules.JURORS]
    )
    world.jury.members.add(world.other_juror, world.president)
    world.jury.president = world.president
    world.jury.scoring_deadline = timezone.localdate() + timedelta(days=10)
    world.jury.save()
    world.grid = [
        ScoringCriterion.objects.create(
            call=world.call, label="Ancrage local", weight=Decimal("1"), max_score=10
        ),
        ScoringCriterion.objects.create(
            call=world.call, label="Caractère innovant", weight=Decimal("1"), max_score=10
        ),
    ]
    return world


def score(juror, dossier, grid, values, submit=True):
    return services.save_scorecard(
        dossier, juror, {c.pk: v for c, v in zip(grid, values, strict=True)}, submit=submit
    )


def test_assigning_a_juror_emails_them_the_dossier_and_the_deadline(client, jury):
    dossier = jury.dossier(S.IN_JURY, title="Jardin partagé")

    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    assign_confirmed(dossier, jury.juror, by=jury.administrator)  # twice: no new email

    emails = OutboundEmail.objects.filter(event="jury_assigned")
    assert [email.recipient for email in emails] == [jury.juror.email]
    body = emails.get().body_text
    assert dossier.reference in body and "Jardin partagé" in body
    assert jury.jury.scoring_deadline.strftime("%Y") in body
    assert "/gestion/jury/" in body


def test_one_email_per_juror_for_a_batch_of_assignments(jury):
    dossiers = [jury.dossier(S.IN_JURY) for _ in range(2)]
    assignments = [
        JurorAssignment.objects.create(application=dossier, juror=juror)
        for dossier in dossiers
        for juror in (jury.juror, jury.other_juror)
    ]

    assert jury_notifications.notify_assigned(jury.call, assignments) == 2
    email = OutboundEmail.objects.get(event="jury_assigned", recipient=jury.juror.email)
    assert all(dossier.reference in email.body_text for dossier in dossiers)
    assert "2 dossiers" in email.subject


def test_the_juror_reaches_their_queue_from_the_menu_and_sees_each_list(client, jury):
    to_score = jury.dossier(S.IN_JURY, title="À noter")
    done = jury.dossier(S.IN_JURY, title="Déjà noté")
    conflicted = jury.dossier(S.IN_JURY, title="En conflit")
    for dossier in (to_score, done, conflicted):
        assign_confirmed(dossier, jury.juror, by=jury.administrator)
    score(jury.juror, done, jury.grid, [5, 6])
    services.declare_conflict(conflicted, jury.juror, "Je suis adhérent.")
    client.force_login(jury.juror)

    home = client.get(reverse("dashboard")).content.decode()
    url = reverse("staff_jury_queue")
    assert f'href="{url}"' in home

    queue = page(client.get(url))
    listed = queue.text("queue")
    assert "À noter" in listed and "Déjà noté" not in listed and "En conflit" not in listed
    assert jury.jury.scoring_deadline.strftime("%Y") in listed
    assert "To score (1)" in queue.text("tab-a-noter")
    assert "Submitted (1)" in queue.text("tab-soumis")
    assert "Conflict declared (1)" in queue.text("tab-conflits")
    assert "Déjà noté" in page(client.get(url, {"onglet": "soumis"})).text("queue")
    assert "En conflit" in page(client.get(url, {"onglet": "conflits"})).text("queue")


def test_the_queue_is_for_jurors_only(client, jury):
    for user in (jury.applicant, jury.instructor, jury.governance):
        client.force_login(user)
        assert client.get(reverse("staff_jury_queue")).status_code == 404


def test_the_scorecard_page_shows_the_dossier_beside_the_grid(client, jury):
    dossier = jury.dossier(S.IN_JURY, summary="Un jardin pour tout le quartier.")
    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    client.force_login(jury.juror)

    shown = page(client.get(reverse("staff_scorecard", args=[dossier.pk])))

    content = shown.text("dossier-content")
    assert "Un jardin pour tout le quartier." in content
    assert "Objectives" in content and "Documents" in content
    assert "scorecard-form" in shown.text_by_id


def test_the_juror_sees_the_average_only_after_submitting_without_names(client, jury):
    dossier = jury.dossier(S.IN_JURY)
    for juror in (jury.juror, jury.other_juror):
        assign_confirmed(dossier, juror, by=jury.administrator)
    score(jury.other_juror, dossier, jury.grid, [8, 8])
    client.force_login(jury.juror)
    url = reverse("staff_scorecard", args=[dossier.pk])

    before = page(client.get(url))
    assert "jury-average" not in before.text_by_id
    assert "not shown to you now" in before.text("scores-hidden")

    client.post(url, {f"criterion_{c.pk}": "4" for c in jury.grid} | {"action": "submit"})
    after = page(client.get(url))
    assert "Weighted average: 12.00 / 20 (2 scorecards)" in after.text("jury-average")
    assert "Juror 1" in after.text("jury-scores")
    assert "Martin" not in after.text("jury-scores")

    jury.jury.show_juror_identities = True
    jury.jury.save()
    assert "Paule Martin" in page(client.get(url)).text("jury-scores")


@pytest.mark.parametrize(
    ("visibility", "before", "after"),
    [("never", False, False), ("after_submission", False, True), ("always", True, True)],
)
def test_the_call_says_when_a_juror_sees_the_average(jury, visibility, before, after):
    jury.jury.score_visibility = visibility
    jury.jury.save()
    dossier = jury.dossier(S.IN_JURY)
    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    fresh = type(dossier).objects.get(pk=dossier.pk)
    assert rules.can_see_average(jury.juror, fresh) is before
    score(jury.juror, dossier, jury.grid, [4, 4])
    fresh = type(dossier).objects.get(pk=dossier.pk)
    assert rules.can_see_average(jury.juror, fresh) is after
    # Administrators and the president always see it.
    assert rules.can_see_average(jury.administrator, fresh)
    assign_confirmed(dossier, jury.president, by=jury.administrator)
    assert rules.can_see_average(jury.president, fresh)


def test_a_score_outside_the_scale_is_refused_in_french_and_nothing_is_saved(client, jury):
    dossier = jury.dossier(S.IN_JURY)
    assign_confirmed(dossier, jury.juror, by=jury.administrator)
    client.force_login(jury.juror)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    url = reverse("staff_scorecard", args=[dossier.pk])
    first, second = jury.grid

    response = client.post(
        url, {f"criterion_{first.pk}": "7", f"criterion_{second.pk}": "11", "action": "save"}
    )
    assert response.status_code == 400
    assert "nombre entier compris entre 0 et 10" in page(response).text(
        f"id_criterion_{second.pk}_error"
    )
    response = client.post(url, {f"criterion_{first.pk}": "7", "action": "submit"})
    assert response.status_code == 400
    assert "Caractère innovant" in page(response).text(f"id_criterion_{second.pk}_error")
    assert "Notez chaque critère" in page(response).text(f"id_criterion_{second.pk}_error")
    assert not Scorecard.objects.filter(scores__isnull=False).exists()
    assert not Scorecard.objects.filter(submitted_at__isnull=False).exists()


def _late_world(jury):
    late = jury.dossier(S.IN_JURY)
    for juror in (jury.juror, jury.other_juror):
        assign_confirmed(late, juror, by=jury.administrator)
    score(jury.other_juror, late, jury.grid, [6, 6])
    OutboundEmail.objects.all().delete()
    return late


def test_jurors_are_reminded_3_days_and_1_day_before_the_deadline_once(jury):
    late = _late_world(jury)
    deadline = jury.jury.scoring_deadline
    command = "send_jury_reminders"

    assert jury_notifications.send_jury_reminders(today=deadline - timedelta(days=5)) == 0
    assert jury_notifications.send_jury_reminders(today=deadline - timedelta(days=3)) == 1
    assert jury_notifications.send_jury_reminders(today=deadline - timedelta(days=3)) == 0
    assert jury_notifications.send_jury_reminders(today=deadline - timedelta(days=2)) == 0
    assert jury_notifications.send_jury_reminders(today=deadline - timedelta(days=1)) == 1
    emails = OutboundEmail.objects.filter(event="jury_reminder")
    assert {email.recipient for email in emails} == {jury.juror.email}  # the other submitted
    assert "Dernier délai" in emails.order_by("pk").last().subject
    assert late.reference in emails.first().body_text
    trail = AuditEvent.objects.filter(event="jury.reminder_sent", application=late)
    assert trail.count() == 2 and {event.subject_user for event in trail} == {jury.juror}
    call_command(command, stdout=open("/dev/null", "w"))  # noqa: SIM115 (runs today: nothing due)


def test_the_president_follows_progress_and_reminds_late_jurors(client, jury):
    late = _late_world(jury)
    client.force_login(jury.president)
    queue = client.get(reverse("staff_jury_queue")).content.decode()
    url = reverse("staff_jury_progress", args=[jury.call.pk])
    assert f'href="{url}"' in queue

    progress = page(client.get(url))
    late_row = progress.text(f"juror-{jury.juror.pk}")
    assert late_row.split()[-5:] == ["1", "0", "0", "0", "1"]
    assert "1 / 2" in progress.text("dossiers")

    confirm = page(client.get(reverse("staff_jury_remind", args=[jury.call.pk])))
    assert jury.juror.get_full_name() in confirm.text("late-jurors")
    assert not OutboundEmail.objects.exists()
    report = page(client.post(reverse("staff_jury_remind", args=[jury.call.pk])))
    assert "reminded of 1 dossier" in report.text("reminders")
    assert late.reference in report.text("reminders")
    email = OutboundEmail.objects.get(event="jury_reminder")
    assert email.recipient == jury.juror.email
    event = AuditEvent.objects.get(event="jury.reminder_sent", application=late)
    assert event.actor == jury.president and event.subject_user == jury.juror
    again = page(client.post(reverse("staff_jury_remind", args=[jury.call.pk])))
    assert OutboundEmail.objects.filter(event="jury_reminder").count() <= 2
    assert "reminders" in again.text_by_id


def test_progress_is_for_administrators_and_the_president_only(client, jury):
    url = reverse("staff_jury_progress", args=[jury.call.pk])
    remind = reverse("staff_jury_remind", args=[jury.call.pk])
    for user in (jury.juror, jury.instructor, jury.applicant, jury.governance):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(remind).status_code == 404
    assert not OutboundEmail.objects.filter(event="jury_reminder").exists()
    client.force_login(jury.administrator)
    assert client.get(url).status_code == 200
    detail = client.get(reverse("staff_call_detail", args=[jury.call.pk])).content.decode()
    assert f'href="{url}"' in detail


def test_an_administrator_sets_the_deadline_and_the_visibility(client, jury):
    client.force_login(jury.administrator)
    url = reverse("staff_jury_settings", args=[jury.call.pk])
    deadline = timezone.localdate() + timedelta(days=20)

    response = client.post(
        url, {"scoring_deadline": deadline.isoformat(), "score_visibility": "never"}
    )
    assert response.status_code == 302
    saved = Jury.objects.get(pk=jury.jury.pk)
    assert (saved.scoring_deadline, saved.score_visibility) == (deadline, "never")
    assert saved.show_juror_identities is False

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.post(url, {"scoring_deadline": "demain", "score_visibility": "parfois"})
    assert response.status_code == 400
    shown = page(response)
    assert "Indiquez une date" in shown.text("id_jury_scoring_deadline_error")
    assert Jury.objects.get(pk=jury.jury.pk).score_visibility == "never"

    client.force_login(jury.president)
    assert client.post(url, {"score_visibility": "always"}).status_code == 404
    assert Jury.objects.get(pk=jury.jury.pk).score_visibility == "never"


def test_administrators_list_and_export_a_calls_conflicts_of_interest(client, jury):
    dossier = jury.dossier(S.IN_JURY, title="Jardin partagé")
    quiet = jury.dossier(S.IN_JURY, title="Sans conflit")
    for juror in (jury.juror, jury.other_juror):
        assign_confirmed(dossier, juror, by=jury.administrator)
    assign_confirmed(quiet, jury.juror, by=jury.administrator)
    score(jury.juror, dossier, jury.grid, [9, 9])
    services.declare_conflict(dossier, jury.juror, "=Je préside l'association.")
    services.declare_conflict(dossier, jury.other_juror, "Ma sœur y travaille.")

    client.force_login(jury.administrator)
    progress = client.get(reverse("staff_jury_progress", args=[jury.call.pk])).content.decode()
    url = reverse("staff_jury_conflicts", args=[jury.call.pk])
    assert f'href="{url}"' in progress
    listing = page(client.get(url))
    table = listing.text("conflicts")
    assert "2 conflicts of interest" in table
    assert dossier.reference in table and quiet.reference not in table
    assert jury.juror.get_full_name() in table and "Ma sœur y travaille." in table
    assert table.split()[-1] == "no" and " yes " in table

    csv = b"".join(
        client.get(reverse("staff_jury_conflicts_csv", args=[jury.call.pk])).streaming_content
    ).decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].startswith("Reference;Organisation;")
    assert len(lines) == 3
    assert "'=Je préside l'association." in lines[1] and lines[1].endswith(";yes")
    xlsx = client.get(reverse("staff_jury_conflicts_xlsx", args=[jury.call.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # The excluded scorecard is kept, and the dossier has no counted scorecard.
    assert Scorecard.objects.filter(application=dossier, excluded_at__isnull=False).count() == 1
    assert not Scorecard.objects.counted().filter(application=dossier).exists()


def test_only_administrators_reach_the_conflicts_of_a_call(client, jury):
    for user in (jury.president, jury.juror):
        client.force_login(user)
        for name in (
            "staff_jury_conflicts",
            "staff_jury_conflicts_csv",
            "staff_jury_conflicts_xlsx",
        ):
            assert client.get(reverse(name, args=[jury.call.pk])).status_code == 404
