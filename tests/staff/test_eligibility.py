"""The eligibility examination of a submitted dossier by an instructor of its call: a
checklist of the call's criteria beside automatic pre-checks, then eligible,
ineligible with a reason, or to be completed with what the applicant must add."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Organization
from calls.models import Application, Call, EligibilityCriterion, RequiredDocument
from reviews.models import EligibilityReview
from tests.web import page
from workflows.models import TransitionLog
from workflows.states import DossierState as S


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def criteria(world):
    return [
        EligibilityCriterion.objects.create(
            call=world.call, label="Siège social à Bordeaux", position=1
        ),
        EligibilityCriterion.objects.create(
            call=world.call, label="Projet d'intérêt général", position=2
        ),
    ]


def url(dossier):
    return reverse("staff_eligibility", args=[dossier.pk])


def stored_state(dossier):
    return Application.objects.values_list("state", flat=True).get(pk=dossier.pk)


def answers(criteria, *results, comments=()):
    data = {}
    for index, (criterion, result) in enumerate(zip(criteria, results, strict=True)):
        if result:
            data[f"criterion_{criterion.pk}"] = result
        data[f"comment_{criterion.pk}"] = comments[index] if index < len(comments) else ""
    return data


def examine(client, dossier, outcome, data=None, reason="", expected_state="submitted"):
    payload = {"expected_state": expected_state, "outcome": outcome, "reason": reason}
    payload.update(data or {})
    return client.post(url(dossier), payload)


def test_the_checklist_lists_the_criteria_beside_the_pre_checks(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = client.get(url(dossier))

    assert response.status_code == 200
    shown = page(response)
    form = shown.text("eligibility-form")
    assert "Siège social à Bordeaux" in form and "Projet d'intérêt général" in form
    checks = shown.text("pre-checks")
    for code in ("documents", "siret", "in_time"):
        assert shown.text(f"pre-check-{code}").startswith("OK:"), code
    assert "Statuts de l'association" in checks
    assert shown.unlabelled_fields() == []


def test_an_eligible_dossier_through_the_checklist_stores_it(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = examine(
        client,
        dossier,
        "eligible",
        answers(criteria, "pass", "pass", comments=("Siège rue Sainte-Catherine.",)),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_dossier_detail", args=[dossier.pk])
    assert stored_state(dossier) == S.ELIGIBLE
    review = EligibilityReview.objects.get(application=dossier)
    assert review.outcome == "eligible" and review.reviewer == world.instructor
    by_label = {entry["label"]: entry for entry in review.checklist}
    assert by_label["Siège social à Bordeaux"] == {
        "criterion": criteria[0].pk,
        "label": "Siège social à Bordeaux",
        "passed": True,
        "comment": "Siège rue Sainte-Catherine.",
    }
    assert by_label["Projet d'intérêt général"]["passed"] is True
    automatic = [entry for entry in review.checklist if entry.get("automatic")]
    assert {entry["automatic"] for entry in automatic} == {"documents", "siret", "in_time"}
    assert all(entry["passed"] for entry in automatic)
    # The staff page shows the stored checklist.
    shown = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    assert "Siège rue Sainte-Catherine." in shown.text("eligibility-review")


def test_every_criterion_must_be_answered(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = examine(client, dossier, "eligible", answers(criteria, "pass", None))

    assert response.status_code == 400
    shown = page(response)
    assert "Say whether this criterion is met." in shown.text(f"criterion-{criteria[1].pk}")
    assert "Say whether this criterion is met." in shown.text("error")
    assert stored_state(dossier) == S.SUBMITTED
    assert not EligibilityReview.objects.exists()


def test_a_failed_criterion_needs_a_comment_to_declare_eligible(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = examine(client, dossier, "eligible", answers(criteria, "pass", "fail"))

    assert response.status_code == 400
    assert "explain in a comment" in page(response).text(f"criterion-{criteria[1].pk}")
    assert stored_state(dossier) == S.SUBMITTED

    response = examine(
        client,
        dossier,
        "eligible",
        answers(criteria, "pass", "fail", comments=("", "Action d'utilité sociale reconnue.")),
    )

    assert response.status_code == 302
    assert stored_state(dossier) == S.ELIGIBLE
    entry = EligibilityReview.objects.get().checklist[1]
    assert entry["passed"] is False and entry["comment"] == "Action d'utilité sociale reconnue."


def test_ineligible_needs_a_written_reason(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = examine(client, dossier, "ineligible", answers(criteria, "fail", "pass"))

    assert response.status_code == 400
    shown = page(response)
    assert "Give the reason why the dossier is ineligible." in shown.text(
        "id_eligibility_reason_error"
    )
    assert stored_state(dossier) == S.SUBMITTED

    response = examine(
        client,
        dossier,
        "ineligible",
        answers(criteria, "fail", "pass"),
        reason="Le siège de l'association est à Mérignac.",
    )

    assert response.status_code == 302
    assert stored_state(dossier) == S.INELIGIBLE
    review = EligibilityReview.objects.get()
    assert review.outcome == "ineligible"
    assert review.reason == "Le siège de l'association est à Mérignac."
    assert review.checklist[0]["passed"] is False


def test_incomplete_emails_the_applicant_what_to_add(client, world, criteria, on_commit):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    mail.outbox.clear()

    with on_commit():
        response = examine(
            client,
            dossier,
            "incomplete",
            answers(criteria, "pass", None),
            reason="Merci de joindre le budget prévisionnel signé par le président.",
        )

    assert response.status_code == 302
    assert stored_state(dossier) == S.INCOMPLETE
    review = EligibilityReview.objects.get()
    assert review.outcome == "incomplete"
    assert review.checklist[1]["passed"] is None
    [email] = [m for m in mail.outbox if world.applicant.email in m.to]
    assert "Merci de joindre le budget prévisionnel signé par le président." in email.body
    assert dossier.reference in email.subject


def test_incomplete_without_a_message_is_refused(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)

    response = examine(client, dossier, "incomplete", answers(criteria, None, None))

    assert response.status_code == 400
    assert "Tell the applicant what they must add or correct." in page(response).text(
        "id_eligibility_reason_error"
    )
    assert stored_state(dossier) == S.SUBMITTED


def test_the_pre_checks_show_a_missing_document(client, world):
    dossier = world.dossier(S.SUBMITTED)
    # The call asks for one more mandatory document after the submission.
    RequiredDocument.objects.create(call=world.call, label="Budget prévisionnel", mandatory=True)
    client.force_login(world.instructor)

    shown = page(client.get(url(dossier)))

    text = shown.text("pre-check-documents")
    assert text.startswith("Problem:") and "Budget prévisionnel" in text
    assert shown.text("pre-check-siret").startswith("OK:")


def test_the_pre_checks_show_a_bad_siret(client, world):
    dossier = world.dossier(S.SUBMITTED)
    Organization.objects.filter(pk=world.organization.pk).update(siret="73282932000075")
    client.force_login(world.instructor)

    text = page(client.get(url(dossier))).text("pre-check-siret")

    assert text.startswith("Problem:") and "check digit" in text


def test_the_pre_checks_show_a_late_submission(client, world):
    dossier = world.dossier(S.SUBMITTED)
    submitted = TransitionLog.objects.get(application=dossier, transition="submit").at
    Call.objects.filter(pk=world.call.pk).update(closes_at=submitted - timedelta(hours=1))
    client.force_login(world.instructor)

    text = page(client.get(url(dossier))).text("pre-check-in_time")

    assert text.startswith("Problem:") and "after the call closed" in text


@pytest.mark.parametrize("role", ["administrator", "other_instructor", "applicant"])
def test_only_the_instructors_of_the_call_examine_eligibility(client, world, criteria, role):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.roles()[role])

    assert client.get(url(dossier)).status_code == 404
    response = examine(client, dossier, "eligible", answers(criteria, "pass", "pass"))

    assert response.status_code == 404
    assert stored_state(dossier) == S.SUBMITTED
    assert not EligibilityReview.objects.exists()


def test_an_examination_from_a_stale_page_changes_nothing(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    page_seen = client.get(url(dossier))
    assert page_seen.status_code == 200
    examine(
        client, dossier, "ineligible", answers(criteria, "fail", "pass"), reason="Hors Bordeaux."
    )

    response = examine(client, dossier, "eligible", answers(criteria, "pass", "pass"))

    assert response.status_code == 409
    assert "no longer to be examined" in page(response).text("unsent")
    assert stored_state(dossier) == S.INELIGIBLE
    assert EligibilityReview.objects.count() == 1
