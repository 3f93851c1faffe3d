"""Decisions in bulk: the administrator checks dossiers awaiting decision, gives each
its amount (or its distinction for the prize) and selects them, or declines them with
one motivation. Each dossier is decided on its own: a refusal is reported by reference
and the others go through."""

from decimal import Decimal

import pytest
from django.urls import reverse

from notifications.models import OutboundEmail
from reviews.models import Decision
from tests.web import page
from workflows.services import perform
from workflows.states import DossierState as S

URL = reverse("staff_decisions")


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, the language of the source strings (the tests read the same
    once the French translation is complete)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.administrator)
    return client


def shown_rows(client, call):
    """The dossiers the page offers to decide, by id, with the state each row carries."""
    response = client.get(URL, {"call": call.pk})
    assert response.status_code == 200
    content = page(response)
    states = {
        attrs["name"].removeprefix("state-"): attrs["value"]
        for attrs in content.all("input")
        if attrs.get("name", "").startswith("state-")
    }
    return {int(pk): state for pk, state in states.items()}


def decide(client, call, action, rows, shown=None, **extra):
    """Post the page as a user fills it: ``rows`` maps each checked dossier to its
    fields (amount, reason, prize); the states are those the page showed."""
    shown = shown if shown is not None else shown_rows(client, call)
    data = {"call": call.pk, "action": action, "dossier": [d.pk for d in rows], **extra}
    for dossier, fields in rows.items():
        data[f"state-{dossier.pk}"] = shown.get(dossier.pk, dossier.state)
        for name, value in fields.items():
            data[f"{name}-{dossier.pk}"] = value
    return client.post(URL, data)


def outcome(response, dossier) -> str:
    return page(response).text(f"outcome-{dossier.pk}")


def state_of(dossier):
    dossier.refresh_from_db()
    return dossier.state


# Access.


@pytest.mark.parametrize(
    "role",
    ["applicant", "other_applicant", "instructor", "other_instructor", "governance", "juror"],
)
def test_the_decisions_page_is_not_found_for_anybody_but_administrators(client, world, role):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.roles()[role])

    assert client.get(URL, {"call": world.call.pk}).status_code == 404
    response = client.post(
        URL,
        {
            "call": world.call.pk,
            "action": "select",
            "dossier": dossier.pk,
            f"state-{dossier.pk}": S.AWAITING_DECISION,
            f"amount-{dossier.pk}": "5000",
        },
    )
    assert response.status_code == 404
    assert state_of(dossier) == S.AWAITING_DECISION


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The page.


def test_the_page_lists_the_dossiers_awaiting_decision_of_the_chosen_call(admin_client, world):
    awaiting = [world.dossier(S.AWAITING_DECISION) for _ in range(2)]
    world.dossier(S.ELIGIBLE)
    world.dossier(S.SELECTED)

    response = admin_client.get(URL, {"call": world.call.pk})

    assert response.status_code == 200
    content = page(response)
    assert shown_rows(admin_client, world.call) == {d.pk: S.AWAITING_DECISION for d in awaiting}
    for dossier in awaiting:
        assert dossier.reference in content.text(f"row-{dossier.pk}")
    assert not content.unlabelled_fields()
    assert "1 dossier" in content.text("envelope")  # decided, not notified yet
    html = response.content.decode()
    assert f"{world.call.title} (2 awaiting decision)" in html


# Select in bulk.


def test_ten_dossiers_are_selected_at_once_each_with_its_amount(admin_client, world):
    dossiers = [world.dossier(S.AWAITING_DECISION) for _ in range(10)]
    amounts = {d: str(5000 + 1000 * i) for i, d in enumerate(dossiers)}
    amounts[dossiers[-1]] = "25 000"  # above 23,000 €: a convention d'objectifs

    response = decide(
        admin_client,
        world.call,
        "select",
        {
            d: {"amount": amount, "reason": f"Motivation {d.reference}"}
            for d, amount in amounts.items()
        },
    )

    assert response.status_code == 200
    for dossier in dossiers:
        assert state_of(dossier) == S.SELECTED
        assert outcome(response, dossier).startswith(f"{dossier.reference} Done")
    decisions = {
        d.application_id: d
        for d in Decision.objects.filter(application__in=dossiers, is_current=True)
    }
    assert {decisions[d.pk].amount for d in dossiers} == {
        Decimal(a.replace(" ", "")) for a in amounts.values()
    }
    assert decisions[dossiers[0].pk].motivation == f"Motivation {dossiers[0].reference}"
    assert [d.pk for d in dossiers if decisions[d.pk].needs_convention] == [dossiers[-1].pk]
    assert "Convention d'objectifs needed" in outcome(response, dossiers[-1])
    assert "Convention" not in outcome(response, dossiers[0])
    assert "25,000.00 €" in outcome(response, dossiers[-1])
    # Each reported dossier opens on its staff page, not the applicant's.
    html = response.content.decode()
    staff_page = reverse("staff_dossier_detail", args=[dossiers[0].pk])
    assert f'<a href="{staff_page}">{dossiers[0].reference}</a>' in html
    # Their decision emails wait for review in the outbox.
    held = OutboundEmail.objects.filter(application__in=dossiers, status=OutboundEmail.Status.HELD)
    assert held.count() == 10
    assert "10 emails to review in the outbox" in page(response).text("envelope")
    assert shown_rows(admin_client, world.call) == {}


def test_a_dossier_in_the_wrong_state_is_reported_and_the_others_go_through(admin_client, world):
    first, last = world.dossier(S.AWAITING_DECISION), world.dossier(S.AWAITING_DECISION)
    eligible = world.dossier(S.ELIGIBLE)  # not awaiting decision

    response = decide(
        admin_client,
        world.call,
        "select",
        {first: {"amount": "8000"}, eligible: {"amount": "8000"}, last: {"amount": "9000"}},
    )

    assert response.status_code == 200
    assert state_of(first) == S.SELECTED and state_of(last) == S.SELECTED
    assert state_of(eligible) == S.ELIGIBLE
    assert outcome(response, eligible) == (
        f"{eligible.reference} Refused This action is not possible in the dossier's current state."
    )
    assert not Decision.objects.filter(application=eligible).exists()


def test_missing_negative_and_excessive_amounts_are_reported_by_reference(admin_client, world):
    missing, negative, too_much, fine = (world.dossier(S.AWAITING_DECISION) for _ in range(4))

    response = decide(
        admin_client,
        world.call,
        "select",
        {
            missing: {"amount": ""},
            negative: {"amount": "-500"},
            too_much: {"amount": "30000.01"},  # the call's maximum grant is 30,000 €
            fine: {"amount": "30000"},
        },
    )

    assert response.status_code == 200
    content = page(response)
    assert outcome(response, missing).endswith("Refused Give the granted amount.")
    assert outcome(response, negative).endswith("Refused The amount must be above zero.")
    assert outcome(response, too_much).endswith(
        "Refused The amount is above the call's maximum grant (30,000 €)."
    )
    assert outcome(response, fine).startswith(f"{fine.reference} Done")
    for dossier in (missing, negative, too_much):
        assert state_of(dossier) == S.AWAITING_DECISION
    assert state_of(fine) == S.SELECTED
    assert Decision.objects.get(application=fine).needs_convention  # 30,000 € > 23,000 €
    # The refused rows are still offered, checked, with what was typed and the error.
    assert content.value(f"amount-{negative.pk}") == "-500"
    assert "The amount must be above zero." in content.text(f"row-{negative.pk}")
    [amount_field] = [a for a in content.all("input") if a.get("id") == f"amount-{negative.pk}"]
    assert amount_field["aria-invalid"] == "true"
    assert content.text(amount_field["aria-describedby"]) == "Error: The amount must be above zero."
    checked = {a["value"] for a in content.all("input") if "checked" in a}
    assert checked == {str(missing.pk), str(negative.pk), str(too_much.pk)}


def test_a_grant_beyond_the_budget_envelope_is_reported(admin_client, world):
    world.call.budget = Decimal("20000")
    world.call.save()
    first, second = world.dossier(S.AWAITING_DECISION), world.dossier(S.AWAITING_DECISION)

    response = decide(
        admin_client, world.call, "select", {first: {"amount": "15000"}, second: {"amount": "6000"}}
    )

    assert state_of(first) == S.SELECTED
    assert state_of(second) == S.AWAITING_DECISION
    assert "would exceed the call's budget envelope" in outcome(response, second)


def test_a_dossier_decided_meanwhile_is_reported_as_changed(admin_client, world):
    stale, other = world.dossier(S.AWAITING_DECISION), world.dossier(S.AWAITING_DECISION)
    shown = shown_rows(admin_client, world.call)
    # Another administrator declines it from its own page after this page was shown.
    perform(stale, "decline", world.administrator, reason="Hors du périmètre de l'appel.")

    response = decide(
        admin_client,
        world.call,
        "select",
        {stale: {"amount": "7000"}, other: {"amount": "7000"}},
        shown=shown,
    )

    assert outcome(response, stale).startswith(f"{stale.reference} Refused This dossier changed")
    assert "changed meanwhile" in outcome(response, stale)
    assert state_of(stale) == S.NOT_SELECTED
    assert Decision.objects.get(application=stale, is_current=True).outcome == "not_selected"
    assert state_of(other) == S.SELECTED


def test_nothing_checked_is_an_error(admin_client, world):
    dossier = world.dossier(S.AWAITING_DECISION)

    response = decide(admin_client, world.call, "select", {})

    assert response.status_code == 400
    assert "Check at least one dossier." in page(response).text("error")
    assert state_of(dossier) == S.AWAITING_DECISION


def test_a_dossier_of_another_call_is_not_decided_from_this_one(admin_client, world, prize_world):
    mine = world.dossier(S.AWAITING_DECISION)
    elsewhere = prize_world.dossier(S.AWAITING_DECISION)

    response = decide(
        admin_client,
        world.call,
        "select",
        {mine: {"amount": "5000"}, elsewhere: {"amount": "5000"}},
    )

    assert state_of(mine) == S.SELECTED
    assert state_of(elsewhere) == S.AWAITING_DECISION
    assert "This dossier is not part of this call." in outcome(response, elsewhere)


# Decline in bulk.


def test_declining_in_bulk_gives_every_dossier_the_same_motivation(admin_client, world):
    dossiers = [world.dossier(S.AWAITING_DECISION) for _ in range(3)]
    motivation = "Les projets ne répondent pas aux objectifs de l'appel."

    response = decide(
        admin_client,
        world.call,
        "decline",
        {d: {"amount": "1000"} for d in dossiers},  # amounts typed are ignored
        decline_reason=motivation,
    )

    assert response.status_code == 200
    for dossier in dossiers:
        assert state_of(dossier) == S.NOT_SELECTED
        decision = Decision.objects.get(application=dossier, is_current=True)
        assert (decision.outcome, decision.motivation, decision.amount) == (
            "not_selected",
            motivation,
            None,
        )
    assert (
        OutboundEmail.objects.filter(
            application__in=dossiers, event="decline", status=OutboundEmail.Status.HELD
        ).count()
        == 3
    )


def test_declining_without_a_motivation_declines_nothing(admin_client, world):
    dossiers = [world.dossier(S.AWAITING_DECISION) for _ in range(2)]

    response = decide(
        admin_client, world.call, "decline", {d: {} for d in dossiers}, decline_reason="   "
    )

    assert response.status_code == 400
    assert "Give the motivation of the refusal" in page(response).text("error")
    assert all(state_of(d) == S.AWAITING_DECISION for d in dossiers)
    assert not Decision.objects.filter(application__in=dossiers).exists()


# The prize.


def test_prize_dossiers_are_highlighted_or_given_a_special_prize_within_quota(client, prize_world):
    prize_world.call.special_prize_count = 1
    prize_world.call.save()
    client.force_login(prize_world.administrator)
    highlighted, special, second_special = (
        prize_world.dossier(S.AWAITING_DECISION) for _ in range(3)
    )

    response = decide(
        client,
        prize_world.call,
        "select",
        {
            highlighted: {"prize": "highlighted"},
            special: {"prize": "special", "amount": "6000"},
            second_special: {"prize": "special"},
        },
    )

    assert response.status_code == 200
    first = Decision.objects.get(application=highlighted)
    assert (first.highlighted, first.special_prize, first.amount) == (True, False, None)
    prize = Decision.objects.get(application=special)
    assert (prize.highlighted, prize.special_prize, prize.amount) == (True, True, Decimal("6000"))
    assert state_of(second_special) == S.AWAITING_DECISION
    assert "special prizes of this edition are already awarded" in outcome(response, second_special)
    assert "Special prize." in outcome(response, special)


# Reopened decisions.


def test_the_page_warns_when_a_reopening_cancelled_decision_emails(admin_client, world):
    dossier = world.dossier(S.SELECTED)
    perform(dossier, "reopen", world.administrator, reason="Erreur sur le montant.")

    content = page(admin_client.get(URL, {"call": world.call.pk}))

    warning = content.text(f"reopened-{dossier.pk}")
    assert f"The decision on {dossier.reference} was reopened" in warning
    assert "Erreur sur le montant." in warning
    assert dossier.pk in shown_rows(admin_client, world.call)
    assert OutboundEmail.objects.get(application=dossier, event="select").status == "cancelled"


def test_a_dossier_decided_meanwhile_keeps_what_was_typed_for_it(admin_client, world):
    stale, other = world.dossier(S.AWAITING_DECISION), world.dossier(S.AWAITING_DECISION)
    shown = shown_rows(admin_client, world.call)
    perform(stale, "decline", world.administrator, reason="Hors du périmètre de l'appel.")

    response = decide(
        admin_client,
        world.call,
        "select",
        {
            stale: {"amount": "7300", "reason": "Projet exemplaire du quartier"},
            other: {"amount": "7000"},
        },
        shown=shown,
    )

    kept = page(response).text(f"unsent-{stale.pk}")
    assert "7300" in kept and "Projet exemplaire du quartier" in kept
    assert "changed meanwhile and is now" in kept and "Not selected" in kept
    assert state_of(other) == S.SELECTED  # the valid row went through
