"""The conditions of the transitions and the data they need: each refusal tells the user
what is wrong (and which field), and leaves the dossier, its audit trail, its outbox and
its decisions untouched."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from calls.models import Application, RequiredDocument
from reviews.models import Decision
from workflows.exceptions import (
    ConditionNotMet,
    InvalidTransitionData,
    QuotaExceeded,
    TransitionError,
)
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

from . import give_all_opinions, snapshot

REASON = "Motif détaillé."


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the language of the source strings; the French
    catalogue must keep the specific details (checked separately below)."""
    with translation.override("en"):
        yield


def refused(dossier, transition, actor, error_class, **data) -> TransitionError:
    """Perform the transition, expect ``error_class`` and nothing changed."""
    before = snapshot(dossier)
    with pytest.raises(error_class) as caught:
        perform(dossier, transition, actor, **data)
    assert type(caught.value) is error_class
    assert snapshot(dossier) == before
    assert dossier.state == before["state"]
    return caught.value


def draft_ready(world, **fields):
    """A draft that meets every submission condition (documents attached)."""
    dossier = world.dossier(S.DRAFT, **fields)
    attach_required_documents(dossier, world.applicant)
    return dossier


def set_call(call, **fields):
    for name, value in fields.items():
        setattr(call, name, value)
    call.save()


# Submission: the call must be open.


def test_submission_refused_once_the_call_is_closed(world):
    dossier = draft_ready(world)
    set_call(
        world.call,
        opens_at=timezone.now() - timedelta(days=40),
        closes_at=timezone.now() - timedelta(minutes=1),
    )

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "is not open" in error.message
    assert world.call.title in error.message
    assert timezone.localtime(world.call.closes_at).strftime("%d/%m/%Y") in error.message


def test_submission_refused_before_the_call_opens(world):
    dossier = draft_ready(world)
    opens_at = timezone.now() + timedelta(days=3)
    set_call(world.call, opens_at=opens_at, closes_at=opens_at + timedelta(days=30))

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "is not open" in error.message
    assert timezone.localtime(opens_at).strftime("%d/%m/%Y %H:%M") in error.message


def test_submission_refused_on_an_unpublished_call(world):
    dossier = draft_ready(world)
    set_call(world.call, is_published=False)

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "is not open" in error.message


def test_completed_dossier_can_be_sent_back_after_the_call_closed(world):
    """The instructor asked for a completion: the applicant answers it even when the
    call has closed meanwhile."""
    dossier = world.dossier(S.INCOMPLETE)
    set_call(world.call, closes_at=timezone.now() - timedelta(minutes=1))

    perform(dossier, "resubmit", world.applicant)

    assert Application.objects.get(pk=dossier.pk).state == S.SUBMITTED


# Submission: the content of the dossier.


def test_submission_refused_when_a_mandatory_document_is_missing(world):
    RequiredDocument.objects.create(call=world.call, label="Budget prévisionnel", mandatory=True)
    dossier = world.dossier(S.DRAFT)

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)
    assert "« Statuts de l'association »" in error.message
    assert "« Budget prévisionnel »" in error.message

    # Once the statutes are attached, only the budget is still named.
    attach_required_documents(dossier, world.applicant)
    dossier.attachments.filter(required_document__label="Budget prévisionnel").delete()
    error = refused(dossier, "submit", world.applicant, ConditionNotMet)
    assert error.message == "Mandatory document(s) missing: « Budget prévisionnel »."


def test_optional_document_is_not_required(world):
    RequiredDocument.objects.create(call=world.call, label="Lettre de soutien", mandatory=False)
    dossier = draft_ready(world)

    perform(dossier, "submit", world.applicant)

    assert Application.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_submission_refused_without_objective(world):
    dossier = draft_ready(world, objectives=())

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "at least one of the objectives" in error.message


def test_submission_refused_with_an_objective_the_call_does_not_target(world):
    # The call targets objectives 1, 2, 3, 8 and 9.
    dossier = draft_ready(world, objectives=(1, 17, 24))

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "17, 24" in error.message
    assert "not targeted" in error.message
    assert "1," not in error.message


def test_submission_refused_without_title(world):
    dossier = draft_ready(world, title="   ")

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert "title" in error.message


@pytest.mark.parametrize(
    ("requested", "total", "expected"),
    [
        (None, Decimal("25000"), "total budget of the project and the amount requested"),
        (Decimal("10000"), None, "total budget of the project and the amount requested"),
        (Decimal("26000"), Decimal("25000"), "cannot be above the total budget"),
        (Decimal("30000.01"), Decimal("50000"), "above the call's maximum grant (30,000 €)"),
    ],
    ids=["no-requested-amount", "no-total-budget", "above-total-budget", "above-max-grant"],
)
def test_submission_refused_with_an_inconsistent_budget(world, requested, total, expected):
    dossier = draft_ready(world, requested_amount=requested, total_budget=total)

    error = refused(dossier, "submit", world.applicant, ConditionNotMet)

    assert expected in error.message


def test_request_up_to_the_max_grant_is_accepted(world):
    dossier = draft_ready(world, requested_amount=Decimal("30000"), total_budget=Decimal("30000"))

    perform(dossier, "submit", world.applicant)

    assert Application.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_resubmission_checks_the_dossier_again(world):
    dossier = world.dossier(S.INCOMPLETE)
    dossier.attachments.all().delete()

    error = refused(dossier, "resubmit", world.applicant, ConditionNotMet)

    assert "« Statuts de l'association »" in error.message


@pytest.mark.parametrize("language", ["fr", "en"])
def test_messages_keep_their_details_in_every_language(world, language):
    dossier = world.dossier(S.DRAFT, objectives=(1, 17))
    attach_required_documents(dossier, world.applicant)
    with translation.override(language):
        error = refused(dossier, "submit", world.applicant, ConditionNotMet)
    assert "17" in str(error.message)

    dossier.objectives.set(world.call.objectives.all()[:1])
    dossier.attachments.all().delete()
    with translation.override(language):
        error = refused(dossier, "submit", world.applicant, ConditionNotMet)
    assert "Statuts de l'association" in str(error.message)


# Written reasons.

REASON_REQUIRED = [
    ("request_completion", S.SUBMITTED, "instructor", "what they must add or correct"),
    ("declare_ineligible", S.SUBMITTED, "instructor", "why the dossier is ineligible"),
    ("withdraw", S.SUBMITTED, "applicant", "why you withdraw"),
    ("withdraw", S.INCOMPLETE, "applicant", "why you withdraw"),
    ("decline", S.AWAITING_DECISION, "administrator", "motivation of the refusal"),
    ("reopen", S.SELECTED, "administrator", "reason for reopening"),
    ("reopen", S.INELIGIBLE, "administrator", "reason for reopening"),
    ("close_consultation", S.IN_CONSULTATION, "administrator", "have not given their opinion"),
]


@pytest.mark.parametrize(
    ("transition", "source", "role", "expected"),
    REASON_REQUIRED,
    ids=[f"{t}-from-{s}" for t, s, _, _ in REASON_REQUIRED],
)
@pytest.mark.parametrize("reason", [None, "", "  \n "], ids=["absent", "empty", "blank"])
def test_reason_is_required(world, transition, source, role, expected, reason):
    dossier = world.dossier(source)
    data = {} if reason is None else {"reason": reason}

    error = refused(dossier, transition, world.roles()[role], InvalidTransitionData, **data)

    assert error.field == "reason"
    assert expected in error.message


def test_closing_a_consultation_every_body_answered_needs_no_reason(world):
    dossier = world.dossier(S.IN_CONSULTATION)
    give_all_opinions(dossier)

    log = perform(dossier, "close_consultation", world.administrator)

    assert (log.to_state, log.reason) == (S.AWAITING_DECISION, "")


# The granted amount of an AMI.


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (None, "Give the granted amount"),
        ("", "Give the granted amount"),
        ("-500", "above zero"),
        ("0", "above zero"),
        ("0,00", "above zero"),
        ("NaN", "must be a number of euros"),
        ("Infinity", "must be a number of euros"),
        ("1e3", "must be a number of euros"),
        ("douze mille", "must be a number of euros"),
        ("12500.505", "more than two decimals"),
        ("30000.01", "above the call's maximum grant (30,000 €)"),
    ],
)
def test_selection_refused_with_a_wrong_amount(world, amount, expected):
    dossier = world.dossier(S.AWAITING_DECISION)
    data = {"reason": REASON} if amount is None else {"amount": amount, "reason": REASON}

    error = refused(dossier, "select", world.administrator, InvalidTransitionData, **data)

    assert error.field == "amount"
    assert expected in error.message


@pytest.mark.parametrize(
    ("amount", "granted"),
    [
        ("12500", Decimal("12500.00")),
        ("12 500,50", Decimal("12500.50")),
        ("12\u202f500", Decimal("12500.00")),
        (Decimal("30000"), Decimal("30000.00")),
    ],
)
def test_selection_accepts_amounts_as_typed(world, amount, granted):
    dossier = world.dossier(S.AWAITING_DECISION)

    perform(dossier, "select", world.administrator, amount=amount, reason=REASON)

    decision = Decision.objects.get(application=dossier, is_current=True)
    assert (decision.outcome, decision.amount) == (Decision.Outcome.SELECTED, granted)


@pytest.mark.parametrize("amount", ["10000000000", "99999999999999"])
def test_selection_refused_with_an_amount_too_large_to_record(world, amount):
    """Without a maximum grant nor an envelope, the amount is still bounded by what a
    decision can record."""
    set_call(world.call, max_grant=None, budget=None)
    dossier = world.dossier(S.AWAITING_DECISION)

    error = refused(
        dossier, "select", world.administrator, InvalidTransitionData, amount=amount, reason=REASON
    )

    assert error.field == "amount"
    assert "too large" in error.message


def test_largest_recordable_amount_is_granted(world):
    set_call(world.call, max_grant=None, budget=None)
    dossier = world.dossier(S.AWAITING_DECISION)

    perform(dossier, "select", world.administrator, amount="9999999999.99", reason=REASON)

    decision = Decision.objects.get(application=dossier, is_current=True)
    assert decision.amount == Decimal("9999999999.99")
    assert decision.needs_convention is True


def test_special_prize_amount_too_large_to_record_is_refused(prize_world):
    dossier = prize_world.dossier(S.AWAITING_DECISION)

    error = refused(
        dossier,
        "select",
        prize_world.administrator,
        InvalidTransitionData,
        special_prize="on",
        amount="1e12",
        reason=REASON,
    )

    assert error.field == "amount"


def test_selection_refused_above_the_remaining_budget_envelope(world):
    set_call(world.call, budget=Decimal("25000"))
    first = world.dossier(S.SELECTED, data={"select": {"amount": "20000"}})
    second = world.dossier(S.AWAITING_DECISION)

    error = refused(
        second, "select", world.administrator, QuotaExceeded, amount="5000.01", reason=REASON
    )

    assert error.field == "amount"
    assert "20,000.00" in error.message
    assert "25,000.00" in error.message

    # What is left of the envelope can be granted.
    perform(second, "select", world.administrator, amount="5000", reason=REASON)
    assert Application.objects.get(pk=second.pk).state == S.SELECTED
    assert Application.objects.get(pk=first.pk).state == S.SELECTED


def test_reopened_grant_no_longer_counts_in_the_envelope(world):
    set_call(world.call, budget=Decimal("25000"))
    first = world.dossier(S.SELECTED, data={"select": {"amount": "20000"}})
    second = world.dossier(S.AWAITING_DECISION)
    refused(second, "select", world.administrator, QuotaExceeded, amount="10000", reason=REASON)

    perform(first, "reopen", world.administrator, reason="Le porteur a renoncé au projet.")
    perform(second, "select", world.administrator, amount="10000", reason=REASON)

    assert Application.objects.get(pk=second.pk).state == S.SELECTED


@pytest.mark.parametrize(
    ("amount", "needs_convention"),
    [("23000", False), ("23000.00", False), ("23000.01", True), ("30000", True)],
)
def test_grants_above_23000_need_a_convention(world, amount, needs_convention):
    dossier = world.dossier(S.AWAITING_DECISION)

    perform(dossier, "select", world.administrator, amount=amount, reason=REASON)

    decision = Decision.objects.get(application=dossier, is_current=True)
    assert decision.amount == Decimal(amount)
    assert decision.needs_convention is needs_convention


# Review set-up of the call.


def test_consultation_refused_when_the_call_consults_no_body(world):
    world.call.governance_bodies.clear()
    dossier = world.dossier(S.ELIGIBLE)

    error = refused(dossier, "open_consultation", world.administrator, ConditionNotMet)

    assert "does not consult any governance body" in error.message


def test_consultation_refused_when_the_call_requires_no_opinion(world):
    set_call(world.call, opinions_required=False)
    dossier = world.dossier(S.ELIGIBLE)

    error = refused(dossier, "open_consultation", world.administrator, ConditionNotMet)

    assert "does not consult any governance body" in error.message


def test_jury_refused_on_an_ami_without_jury(world):
    assert not world.call.jury_scores
    dossier = world.dossier(S.ELIGIBLE)

    error = refused(dossier, "open_jury", world.administrator, ConditionNotMet)

    assert "No jury scores the dossiers of this call" in error.message


def test_a_prize_nomination_needs_no_budget(prize_world):
    dossier = prize_world.dossier(S.DRAFT, requested_amount=None, total_budget=None)
    attach_required_documents(dossier)

    perform(dossier, "submit", prize_world.applicant)

    assert dossier.state == S.SUBMITTED
