"""Whatever door a transition comes through (the generic action URL, the staff page, the
eligibility page, the check page), the flow enforces what it needs: a complete eligibility
checklist to declare a dossier eligible, a due date to open a consultation. And every form
sends the dossier's version: a page opened before submitted → incomplete → submitted is
refused even though the state is the same again."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Application, EligibilityCriterion
from reviews.models import EligibilityReview
from workflows.exceptions import InvalidTransitionData
from workflows.models import TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S

from . import action_url, detail_url

VERSION = re.compile(r'name="expected_version" value="(\d+)"')


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def criterion(world):
    return EligibilityCriterion.objects.create(call=world.call, label="Siège à Bordeaux")


def stored(dossier):
    return Application.objects.values_list("state", "version").get(pk=dossier.pk)


def versions_on(response) -> set[int]:
    assert response.status_code == 200
    return {int(value) for value in VERSION.findall(response.content.decode())}


def versions_on_any(response) -> set[int]:
    return {int(value) for value in VERSION.findall(response.content.decode())}


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def test_the_generic_door_cannot_declare_eligible_without_the_checklist(client, world, criterion):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    before = stored(dossier)
    response = client.post(
        action_url(dossier, "declare_eligible"),
        {"expected_state": S.SUBMITTED, "expected_version": dossier.version},
    )
    assert response.status_code == 400
    assert "Fill in the eligibility checklist first" in response.content.decode()
    assert "Siège à Bordeaux" in response.content.decode()
    assert stored(dossier) == before
    assert not EligibilityReview.objects.filter(application=dossier).exists()


def test_the_flow_wants_every_criterion_answered_and_a_comment_on_a_failed_one(world, criterion):
    dossier = world.dossier(S.SUBMITTED)
    with pytest.raises(InvalidTransitionData, match="criteria not answered"):
        perform(dossier, "declare_eligible", world.instructor, checklist=[])
    with pytest.raises(InvalidTransitionData, match="criteria not answered"):
        perform(dossier, "declare_ineligible", world.instructor, reason="Hors champ.")
    failed = [{"criterion": criterion.pk, "label": criterion.label, "passed": False}]
    with pytest.raises(InvalidTransitionData, match="need a comment"):
        perform(dossier, "declare_eligible", world.instructor, checklist=failed)
    with pytest.raises(InvalidTransitionData, match="not readable"):
        perform(dossier, "declare_eligible", world.instructor, checklist="all good")
    assert stored(dossier)[0] == S.SUBMITTED
    failed[0]["comment"] = "Antenne à Bordeaux depuis 2024."
    perform(dossier, "declare_eligible", world.instructor, checklist=failed)
    assert stored(dossier)[0] == S.ELIGIBLE
    review = EligibilityReview.objects.get(application=dossier)
    assert review.checklist == failed
    # The audit trail keeps the checklist with the transition.
    assert TransitionLog.objects.filter(application=dossier).last().data["checklist"] == failed


def test_the_generic_door_cannot_open_a_consultation_without_a_due_date(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)
    url = action_url(dossier, "open_consultation")
    page = client.get(detail_url(dossier)).content.decode()
    assert 'name="due_at"' in page
    base = {"expected_state": S.ELIGIBLE, "expected_version": dossier.version}
    for due_at, message in [
        ("", "Give the date by which opinions are due."),
        (timezone.localdate().isoformat(), "must be after today"),
    ]:
        response = client.post(url, {**base, "due_at": due_at})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert stored(dossier)[0] == S.ELIGIBLE
    response = client.post(url, {**base, "due_at": in_days(12).isoformat()})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.IN_CONSULTATION
    assert dossier.consultation_due_at == in_days(12)
    log = TransitionLog.objects.filter(application=dossier).last()
    assert log.data["due_at"] == in_days(12).isoformat()


def test_every_dossier_form_sends_the_version_of_the_dossier(client, world, criterion):
    submitted = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    assert versions_on(client.get(detail_url(submitted))) == {submitted.version}
    eligibility = client.get(reverse("staff_eligibility", args=[submitted.pk]))
    assert versions_on(eligibility) == {submitted.version}

    eligible = world.dossier(S.ELIGIBLE)
    client.force_login(world.administrator)
    staff_page = client.get(reverse("staff_dossier_detail", args=[eligible.pk]))
    assert versions_on(staff_page) == {eligible.version}

    client.force_login(world.applicant)
    withdraw = client.get(reverse("dossier_withdraw", args=[submitted.pk]))
    assert versions_on(withdraw) == {submitted.version}
    draft = world.dossier(S.DRAFT)
    from workflows.paths import attach_required_documents

    attach_required_documents(draft, world.applicant)
    assert versions_on(client.get(reverse("dossier_check", args=[draft.pk]))) == {draft.version}


def _back_to_submitted(world, dossier):
    perform(dossier, "request_completion", world.instructor, reason="Joindre le budget.")
    perform(dossier, "resubmit", world.applicant)


@pytest.mark.parametrize("door", ["generic", "eligibility"])
def test_a_form_opened_before_submitted_incomplete_submitted_is_refused(
    client, world, criterion, door
):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    if door == "generic":
        (old_version,) = versions_on(client.get(detail_url(dossier)))
    else:
        (old_version,) = versions_on(client.get(reverse("staff_eligibility", args=[dossier.pk])))
    _back_to_submitted(world, dossier)
    before = stored(dossier)
    assert before == (S.SUBMITTED, old_version + 2)
    reason = "Le porteur n'a pas son siège à Bordeaux."
    posted = {"expected_state": S.SUBMITTED, "expected_version": old_version, "reason": reason}
    if door == "generic":
        url = action_url(dossier, "request_completion")
    else:
        url = reverse("staff_eligibility", args=[dossier.pk])
        posted |= {"outcome": "ineligible", f"criterion_{criterion.pk}": "fail"}
    response = client.post(url, posted)
    assert response.status_code == 409
    assert "changed meanwhile" in response.content.decode()
    assert stored(dossier) == before
    # The page shown again carries the current version: the next attempt goes through.
    assert versions_on_any(response) == {before[1]}
    posted["expected_version"] = before[1]
    assert client.post(url, posted).status_code == 302
    assert stored(dossier)[1] == before[1] + 1


def test_an_old_staff_form_is_refused_after_selected_reopened_selected(client, world):
    """The staff page's forms: a "notify" form opened on a selected dossier, which was
    reopened and selected again meanwhile (another amount), is refused."""
    dossier = world.dossier(S.SELECTED)
    client.force_login(world.administrator)
    staff_page = reverse("staff_dossier_detail", args=[dossier.pk])
    (old_version,) = versions_on(client.get(staff_page))
    perform(dossier, "reopen", world.administrator, reason="Montant à revoir.")
    perform(dossier, "select", world.administrator, amount="8000", reason="Montant revu.")
    before = stored(dossier)
    url = reverse("staff_dossier_transition", args=[dossier.pk, "notify"])
    response = client.post(url, {"expected_state": S.SELECTED, "expected_version": old_version})
    assert response.status_code == 409
    assert stored(dossier) == before
    posted = {"expected_state": S.SELECTED, "expected_version": before[1]}
    assert client.post(url, posted).status_code == 302
    assert stored(dossier)[0] == S.NOTIFIED


def test_an_old_withdrawal_or_submission_page_is_refused(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)
    (old_version,) = versions_on(client.get(reverse("dossier_withdraw", args=[dossier.pk])))
    _back_to_submitted(world, dossier)
    before = stored(dossier)
    response = client.post(
        reverse("dossier_withdraw", args=[dossier.pk]),
        {"expected_state": S.SUBMITTED, "expected_version": old_version, "reason": "Reporté."},
    )
    assert response.status_code == 409
    assert stored(dossier) == before

    perform(dossier, "request_completion", world.instructor, reason="Joindre le budget.")
    (shown,) = versions_on(client.get(reverse("dossier_check", args=[dossier.pk])))
    perform(dossier, "resubmit", world.applicant)
    perform(dossier, "request_completion", world.instructor, reason="Encore une pièce.")
    before = stored(dossier)
    response = client.post(
        reverse("dossier_submit", args=[dossier.pk]),
        {"expected_state": S.INCOMPLETE, "expected_version": shown},
    )
    assert response.status_code == 409
    assert stored(dossier) == before


def test_a_version_that_is_not_a_number_is_a_stale_form_not_an_error(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    response = client.post(
        action_url(dossier, "request_completion"),
        {"expected_state": S.SUBMITTED, "expected_version": "2'; --", "reason": "x"},
    )
    assert response.status_code == 409
    assert stored(dossier)[0] == S.SUBMITTED
