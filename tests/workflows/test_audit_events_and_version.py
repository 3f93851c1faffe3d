"""The foundations shared by the back office: the audit trail of staff actions that are
not state changes (append-only, with the call read from the dossier), the dossier's
version counter that makes a page built on an older version stale, and scorecards kept
when excluded."""

import pytest
from django.utils import timezone

from reviews.models import Scorecard
from workflows.audit import EVENT_LABELS, event_label, record_event
from workflows.exceptions import StaleDossier
from workflows.models import AuditEvent, TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

from . import snapshot


def test_an_event_is_recorded_with_the_call_of_its_dossier(world):
    dossier = world.dossier(S.SUBMITTED)
    event = record_event(
        "jury.assigned",
        actor=world.administrator,
        application=dossier,
        subject_user=world.juror,
        data={"batch": 1},
    )
    event.refresh_from_db()
    assert event.call == world.call
    assert event.application == dossier
    assert event.subject_user == world.juror
    assert event.data == {"batch": 1}
    assert list(dossier.audit_events.all()) == [event]
    assert list(world.call.audit_events.all()) == [event]


def test_every_known_event_has_a_label_and_an_unknown_one_shows_its_slug():
    assert event_label("jury.assigned") == "Juror assigned"
    assert event_label("something.new") == "something.new"
    assert all(slug.count(".") == 1 for slug in EVENT_LABELS)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda event: (setattr(event, "reason", "Réécrit."), event.save()),
        lambda event: event.delete(),
        lambda event: AuditEvent.objects.filter(pk=event.pk).update(reason="Réécrit."),
        lambda event: AuditEvent.objects.all().delete(),
        lambda event: AuditEvent._base_manager.filter(pk=event.pk).update(reason="x"),
        lambda event: event.application.audit_events.all().delete(),
    ],
    ids=["save", "delete", "update", "delete all", "base manager", "through the dossier"],
)
def test_the_audit_trail_cannot_be_rewritten_through_the_orm(world, tamper):
    event = record_event(
        "opinion.given", actor=world.governance, application=world.dossier(S.SUBMITTED)
    )
    with pytest.raises(TypeError):
        tamper(event)
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_every_transition_increments_the_version(world):
    dossier = world.dossier(S.SUBMITTED)
    assert dossier.version == 2  # draft (1), then submitted
    dossier.refresh_from_db()
    assert dossier.version == 2
    perform(dossier, "request_completion", world.instructor, reason="Pièce manquante.")
    perform(dossier, "resubmit", world.applicant)
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version) == (S.SUBMITTED, 4)


def test_a_page_built_on_an_older_version_is_stale_even_in_the_same_state(world):
    """submitted → incomplete → submitted: same state, but the form was opened before."""
    dossier = world.dossier(S.SUBMITTED)
    seen = dossier.version
    perform(dossier, "request_completion", world.instructor, reason="Pièce manquante.")
    perform(dossier, "resubmit", world.applicant)
    before = snapshot(dossier)
    with pytest.raises(StaleDossier):
        perform(dossier, "declare_ineligible", world.instructor, expected_version=seen, reason="x")
    assert snapshot(dossier) == before
    log = perform(
        dossier,
        "declare_ineligible",
        world.instructor,
        expected_version=seen + 2,
        reason="Hors champ.",
    )
    assert log.to_state == S.INELIGIBLE
    assert TransitionLog.objects.filter(application=dossier).last() == log


def test_a_version_sent_as_text_by_a_form_is_compared_as_a_number(world):
    dossier = world.dossier(S.SUBMITTED)
    with pytest.raises(StaleDossier):
        perform(dossier, "declare_ineligible", world.instructor, expected_version="99", reason="x")
    log = perform(
        dossier, "declare_ineligible", world.instructor, expected_version="2", reason="Hors champ."
    )
    assert log.to_state == S.INELIGIBLE


def test_an_excluded_scorecard_is_kept_but_not_counted(prize_world):
    dossier = prize_world.dossier(S.SUBMITTED)
    other = prize_world.administrator
    now = timezone.now()
    counted = Scorecard.objects.create(
        application=dossier, juror=prize_world.juror, submitted_at=now
    )
    excluded = Scorecard.objects.create(
        application=dossier,
        juror=other,
        submitted_at=now,
        excluded_at=now,
        excluded_by=prize_world.administrator,
        excluded_reason="Conflit d'intérêts déclaré.",
    )
    draft = Scorecard.objects.create(application=dossier, juror=prize_world.instructor)
    assert list(Scorecard.objects.counted()) == [counted]
    assert set(Scorecard.objects.all()) == {counted, excluded, draft}
