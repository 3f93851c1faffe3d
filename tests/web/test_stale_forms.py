"""A form opened on a dossier that someone else changed meanwhile (a stale page) is
refused with a 409, and what the user typed is never lost: the same form comes back
filled in as it was sent, built on the dossier's current version so that sending it
again works while it is still possible; otherwise the page says why and shows the
typed text so that it can be copied. Nothing of the stale post is saved.

Each scenario opens the form (GET), changes the dossier behind the user's back
through the services (as another user would), posts typed values, then resends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Application, EligibilityCriterion
from notifications import services as outbox
from notifications.models import OutboundEmail
from reviews import services as review_services
from reviews.models import Decision, EligibilityReview, GovernanceBody, Opinion
from tests.factories import MembershipFactory, UserFactory
from tests.web import Page, page
from workflows import rules
from workflows.paths import attach_required_documents, default_data
from workflows.services import perform
from workflows.states import DossierState as S

CHANGED = "changed meanwhile and is now"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def stored(dossier):
    return Application.objects.get(pk=dossier.pk)


def behind(dossier, transition, user, **data):
    """``transition`` carried out by another user, on a fresh copy of the dossier."""
    fresh = stored(dossier)
    perform(fresh, transition, user, **{**default_data(fresh, transition), **data})
    return fresh


def hidden(html_page: Page, name: str, action: str) -> str:
    """The value of the hidden input ``name`` of the form posting to ``action``."""
    inside = False
    for tag, attrs in html_page.tags:
        if tag == "form":
            inside = attrs.get("action") == action
        elif inside and tag == "input" and attrs.get("name") == name:
            return attrs.get("value")
    raise AssertionError(f"no hidden {name!r} in the form to {action}")


def checked(html_page: Page, element_id: str) -> bool:
    return any(attrs.get("id") == element_id and "checked" in attrs for _t, attrs in html_page.tags)


def copied(html_page: Page) -> list[str]:
    """The typed values shown to be copied (read-only), in order."""
    values = []
    for tag, attrs in html_page.tags:
        element_id = attrs.get("id") or ""
        if tag == "textarea" and element_id.startswith("unsent-"):
            assert "readonly" in attrs
            values.append(html_page.text(element_id))
    return values


def another_administrator():
    return UserFactory(email="admin-bis@example.org", roles=[rules.ADMINISTRATORS])


# A decision: the granted amount and its motivation (staff page of the dossier).


def _select_url(dossier):
    return reverse("staff_dossier_transition", args=[dossier.pk, "select"])


def test_a_decision_on_a_dossier_changed_meanwhile_keeps_the_amount_and_motivation(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)
    opened = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    version = hidden(opened, "expected_version", _select_url(dossier))
    other = another_administrator()
    behind(dossier, "select", other, amount="3000", reason="Décision de l'autre.")
    behind(dossier, "reopen", other)  # back to "awaiting decision", another version

    typed = {"amount": "12 500", "reason": "Très bon ancrage dans le quartier Bacalan."}
    response = client.post(
        _select_url(dossier),
        {"expected_state": S.AWAITING_DECISION, "expected_version": version, **typed},
    )

    assert response.status_code == 409
    shown = page(response)
    assert CHANGED in shown.text("unsent")
    assert "Awaiting decision" in shown.text("unsent")
    assert "kept in the form below" in shown.text("unsent")
    assert shown.value("id_select_amount") == "12 500"
    assert shown.value("id_select_reason") == typed["reason"]
    assert stored(dossier).state == S.AWAITING_DECISION
    assert not Decision.objects.filter(motivation=typed["reason"]).exists()

    new_version = hidden(shown, "expected_version", _select_url(dossier))
    assert new_version == str(stored(dossier).version) != version
    response = client.post(
        _select_url(dossier),
        {
            "expected_state": hidden(shown, "expected_state", _select_url(dossier)),
            "expected_version": new_version,
            **typed,
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(application=dossier, is_current=True)
    assert (stored(dossier).state, decision.amount, decision.motivation) == (
        S.SELECTED,
        12500,
        typed["reason"],
    )


def test_a_decision_no_longer_possible_shows_the_typed_motivation_to_copy(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)
    opened = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    version = hidden(opened, "expected_version", _select_url(dossier))
    behind(dossier, "decline", another_administrator())

    typed = {"amount": "8000", "reason": "Motivation longue, écrite avec soin."}
    response = client.post(
        _select_url(dossier),
        {"expected_state": S.AWAITING_DECISION, "expected_version": version, **typed},
    )

    assert response.status_code == 409
    shown = page(response)
    assert "Not selected" in shown.text("unsent")
    assert "no longer possible" in shown.text("unsent")
    assert sorted(copied(shown)) == sorted(["8000", typed["reason"]])
    assert not any(attrs.get("action") == _select_url(dossier) for attrs in shown.all("form"))
    assert not Decision.objects.filter(motivation=typed["reason"]).exists()


# The eligibility checklist.


@pytest.fixture
def criteria(world):
    return [
        EligibilityCriterion.objects.create(call=world.call, label="Siège à Bordeaux", position=1),
        EligibilityCriterion.objects.create(call=world.call, label="Intérêt général", position=2),
    ]


def _checklist(criteria, version):
    first, second = criteria
    return {
        "expected_state": S.SUBMITTED,
        "expected_version": version,
        f"criterion_{first.pk}": "pass",
        f"comment_{first.pk}": "Vu le bail du local.",
        f"criterion_{second.pk}": "fail",
        f"comment_{second.pk}": "Activité commerciale.",
        "outcome": "ineligible",
        "reason": "Le projet relève d'une activité commerciale.",
    }


def test_a_checklist_on_a_dossier_changed_meanwhile_comes_back_as_typed(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    url = reverse("staff_eligibility", args=[dossier.pk])
    client.force_login(world.instructor)
    version = hidden(page(client.get(url)), "expected_version", url)
    world.call.instructors.add(world.other_instructor)
    behind(dossier, "request_completion", world.other_instructor)
    behind(dossier, "resubmit", world.applicant)  # submitted again: same state, new version

    response = client.post(url, _checklist(criteria, version))

    assert response.status_code == 409
    shown = page(response)
    first, second = criteria
    assert CHANGED in shown.text("unsent")
    assert checked(shown, f"id_eligibility_criterion_{first.pk}_0")  # met
    assert checked(shown, f"id_eligibility_criterion_{second.pk}_1")  # not met
    assert not checked(shown, f"id_eligibility_criterion_{second.pk}_0")
    assert shown.value(f"id_eligibility_comment_{first.pk}") == "Vu le bail du local."
    assert shown.value(f"id_eligibility_comment_{second.pk}") == "Activité commerciale."
    assert checked(shown, "id_eligibility_outcome_1")  # ineligible
    assert shown.value("id_eligibility_reason") == "Le projet relève d'une activité commerciale."
    assert stored(dossier).state == S.SUBMITTED
    assert not EligibilityReview.objects.filter(application=dossier, outcome="ineligible").exists()

    resent = _checklist(criteria, hidden(shown, "expected_version", url))
    assert resent["expected_version"] == str(stored(dossier).version)
    assert client.post(url, resent).status_code == 302
    assert stored(dossier).state == S.INELIGIBLE


def test_a_checklist_of_a_dossier_examined_meanwhile_is_shown_to_copy(client, world, criteria):
    dossier = world.dossier(S.SUBMITTED)
    url = reverse("staff_eligibility", args=[dossier.pk])
    client.force_login(world.instructor)
    version = hidden(page(client.get(url)), "expected_version", url)
    world.call.instructors.add(world.other_instructor)
    behind(dossier, "declare_eligible", world.other_instructor)

    response = client.post(url, _checklist(criteria, version))

    assert response.status_code == 409
    shown = page(response)
    assert "Eligible" in shown.text("unsent")
    assert "no longer to be examined" in shown.text("unsent")
    values = copied(shown)
    for typed in (
        "Met",
        "Vu le bail du local.",
        "Not met",
        "Activité commerciale.",
        "Le projet relève d'une activité commerciale.",
    ):
        assert typed in values
    assert not any(attrs.get("id") == "eligibility-form" for attrs in shown.all("form"))
    assert stored(dossier).state == S.ELIGIBLE


# The opening of a consultation (its due date).


def test_a_consultation_opened_meanwhile_keeps_the_typed_due_date(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    consult_url = reverse("staff_dossier_consult", args=[dossier.pk])
    client.force_login(world.administrator)
    opened = page(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    version = hidden(opened, "expected_version", consult_url)
    their_date = timezone.localdate() + timedelta(days=14)
    behind(dossier, "open_consultation", another_administrator(), due_at=their_date)

    mine = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        consult_url,
        {"expected_state": S.ELIGIBLE, "expected_version": version, "due_at": mine},
    )

    assert response.status_code == 409
    shown = page(response)
    assert CHANGED in shown.text("unsent")
    assert str(stored(dossier).state_label) in shown.text("unsent")
    assert "no longer possible" in shown.text("unsent")
    assert copied(shown) == [mine]
    assert not any(attrs.get("action") == consult_url for attrs in shown.all("form"))
    assert stored(dossier).consultation_due_at == their_date


# The opinion of a governance body.


def _opinion(body):
    return {"body": body.pk, "verdict": "favourable", "motivation": "Projet utile au quartier."}


def test_an_opinion_given_meanwhile_by_a_colleague_is_shown_to_copy(client, world):
    # A second body consulted: the colleague's opinion leaves the consultation open.
    world.call.governance_bodies.add(GovernanceBody.objects.create(name="Conseil citoyen"))
    dossier = world.dossier(S.IN_CONSULTATION)
    url = reverse("staff_opinion", args=[dossier.pk])
    client.force_login(world.governance)
    assert client.get(url).status_code == 200
    colleague = UserFactory(email="collegue@example.org", roles=[rules.GOVERNANCE_MEMBERS])
    world.body.members.add(colleague)
    review_services.record_opinion(
        stored(dossier), world.body, colleague, "reserved", "Avis de la collègue."
    )

    response = client.post(url, _opinion(world.body))

    assert response.status_code == 409
    shown = page(response)
    assert "was given meanwhile by" in shown.text("unsent")
    assert "one opinion per dossier" in shown.text("unsent")
    values = copied(shown)
    assert "Projet utile au quartier." in values
    assert world.body.name in values
    assert list(
        Opinion.objects.filter(application=dossier).values_list("motivation", flat=True)
    ) == ["Avis de la collègue."]


def test_an_opinion_after_the_consultation_closed_is_shown_to_copy(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    url = reverse("staff_opinion", args=[dossier.pk])
    client.force_login(world.governance)
    assert client.get(url).status_code == 200
    behind(dossier, "close_consultation", another_administrator())

    response = client.post(url, _opinion(world.body))

    assert response.status_code == 409
    shown = page(response)
    assert CHANGED in shown.text("unsent")
    assert "only be given while the governance bodies are consulted" in shown.text("unsent")
    assert "Projet utile au quartier." in copied(shown)
    assert not any(attrs.get("id") == "opinion-form" for attrs in shown.all("form"))
    assert not Opinion.objects.filter(application=dossier).exists()


# A section of the applicant's draft.


def test_a_draft_section_submitted_meanwhile_keeps_what_was_typed(client, world):
    dossier = world.dossier(S.DRAFT)
    url = reverse("dossier_edit", args=[dossier.pk, "projet"])
    client.force_login(world.applicant)
    assert client.get(url).status_code == 200
    colleague = MembershipFactory(organization=world.organization).user
    attach_required_documents(dossier, colleague)
    behind(dossier, "submit", colleague)
    before = stored(dossier)

    typed = {"title": "Un titre retravaillé", "summary": "Un résumé réécrit.", "action": "save"}
    response = client.post(url, typed)

    assert response.status_code == 409
    shown = page(response)
    assert CHANGED in shown.text("unsent")
    assert "Submitted" in shown.text("unsent")
    assert "submitted and can no longer be edited" in shown.text("unsent")
    assert copied(shown) == ["Un titre retravaillé", "Un résumé réécrit."]
    after = stored(dossier)
    assert (after.title, after.summary) == (before.title, before.summary)

    # The City asks for a completion: the dossier can be edited again, the text resent.
    behind(dossier, "request_completion", world.instructor)
    assert client.post(url, typed).status_code == 302
    after = stored(dossier)
    assert (after.title, after.summary) == ("Un titre retravaillé", "Un résumé réécrit.")


def test_a_draft_objectives_section_shows_the_ticked_objectives(client, world):
    dossier = world.dossier(S.DRAFT)
    url = reverse("dossier_edit", args=[dossier.pk, "objectifs"])
    client.force_login(world.applicant)
    assert client.get(url).status_code == 200
    kept = set(stored(dossier).objectives.values_list("pk", flat=True))
    objective = world.call.objectives.exclude(pk__in=kept).order_by("number").first()
    behind(dossier, "discard", world.applicant)  # from another tab

    response = client.post(url, {"objectives": [objective.pk], "action": "save"})

    assert response.status_code == 409
    shown = page(response)
    assert "discarded" in shown.text("unsent")
    assert any(objective.text in value for value in copied(shown))
    assert set(stored(dossier).objectives.values_list("pk", flat=True)) == kept


# A held decision email, edited before it is sent.


def _held(dossier):
    return OutboundEmail.objects.get(application=dossier, status=OutboundEmail.Status.HELD)


def test_an_email_edited_meanwhile_keeps_the_typed_text_and_can_be_saved_again(client, world):
    dossier = world.dossier(S.SELECTED)
    email = _held(dossier)
    edit_url = reverse("outbox_edit", args=[email.pk])
    client.force_login(world.administrator)
    digest = hidden(page(client.get(reverse("outbox_detail", args=[email.pk]))), "digest", edit_url)
    other = another_administrator()
    outbox.edit_email(
        email, subject="Sujet de l'autre", body_text="Texte de l'autre.", editor=other
    )

    typed = {"subject": "Votre projet est retenu", "body_text": "Bonjour,\nMon texte soigné."}
    response = client.post(edit_url, {**typed, "digest": digest})

    assert response.status_code == 409
    shown = page(response)
    assert "changed by someone else" in shown.text("unsent")
    assert "kept in the form below" in shown.text("unsent")
    assert shown.value("id_subject") == typed["subject"]
    assert shown.value("id_body_text") == "Bonjour, Mon texte soigné."
    email.refresh_from_db()
    assert (email.subject, email.edited_by) == ("Sujet de l'autre", other)

    new_digest = hidden(shown, "digest", edit_url)
    assert new_digest != digest
    assert client.post(edit_url, {**typed, "digest": new_digest}).status_code == 302
    email.refresh_from_db()
    assert (email.subject, email.edited_by) == (typed["subject"], world.administrator)
    assert "Mon texte soigné." in email.body_text


def test_an_email_sent_meanwhile_shows_the_typed_text_to_copy(client, world, on_commit):
    dossier = world.dossier(S.SELECTED)
    email = _held(dossier)
    edit_url = reverse("outbox_edit", args=[email.pk])
    client.force_login(world.administrator)
    digest = hidden(page(client.get(reverse("outbox_detail", args=[email.pk]))), "digest", edit_url)
    with on_commit():
        behind(dossier, "notify", another_administrator())

    typed = {"subject": "Votre projet est retenu", "body_text": "Mon texte soigné."}
    response = client.post(edit_url, {**typed, "digest": digest})

    assert response.status_code == 409
    shown = page(response)
    assert "no longer waiting for review" in shown.text("unsent")
    assert copied(shown) == [typed["subject"], typed["body_text"]]
    assert not any(attrs.get("action") == edit_url for attrs in shown.all("form"))
    email.refresh_from_db()
    assert email.subject != typed["subject"]
