"""Prize quotas, enforced when an action is selected: at most ``highlighted_count``
highlighted actions and ``special_prize_count`` special prizes per edition, special
prizes only for actions carried by associations; reopening a decision frees its slot."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Organization
from calls.models import Application
from reviews.models import Decision
from tests.conftest import World
from workflows.exceptions import ConditionNotMet, QuotaExceeded
from workflows.services import perform
from workflows.states import DossierState as S

from . import snapshot

REASON = "Action exemplaire, saluée par le jury."
SPECIAL = {"select": {"special_prize": "on"}}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def set_quotas(call, highlighted=None, special=None):
    if highlighted is not None:
        call.highlighted_count = highlighted
    if special is not None:
        call.special_prize_count = special
    call.save()


def selected(world, count, special=False):
    return [world.dossier(S.SELECTED, data=SPECIAL if special else None) for _ in range(count)]


def refused(dossier, actor, error_class, **data):
    before = snapshot(dossier)
    with pytest.raises(error_class) as caught:
        perform(dossier, "select", actor, reason=REASON, **data)
    assert type(caught.value) is error_class
    assert snapshot(dossier) == before
    return caught.value


def current(dossier):
    return Decision.objects.get(application=dossier, is_current=True)


def test_edition_quotas_with_the_real_counts(prize_world):
    """28 highlighted actions and 4 special prizes, as the scheme sets them."""
    call = prize_world.call
    assert (call.highlighted_count, call.special_prize_count) == (28, 4)
    selected(prize_world, 4, special=True)
    selected(prize_world, 23)
    last = prize_world.dossier(S.AWAITING_DECISION)

    error = refused(last, prize_world.administrator, QuotaExceeded, special_prize="on")
    assert error.field == "special_prize"
    assert "4 special prizes" in error.message

    # Highlighted without a special prize, it is the 28th action.
    perform(last, "select", prize_world.administrator, reason=REASON)
    assert current(last).highlighted and not current(last).special_prize

    extra = prize_world.dossier(S.AWAITING_DECISION)
    error = refused(extra, prize_world.administrator, QuotaExceeded)
    assert "28 actions" in error.message
    assert Decision.objects.filter(application__call=call, highlighted=True).count() == 28
    assert Decision.objects.filter(application__call=call, special_prize=True).count() == 4


def test_highlight_beyond_the_quota_is_refused(prize_world):
    set_quotas(prize_world.call, highlighted=3)
    selected(prize_world, 3)
    extra = prize_world.dossier(S.AWAITING_DECISION)

    error = refused(extra, prize_world.administrator, QuotaExceeded)

    assert "3 actions" in error.message
    assert Application.objects.get(pk=extra.pk).state == S.AWAITING_DECISION


def test_declined_actions_take_no_slot(prize_world):
    set_quotas(prize_world.call, highlighted=2)
    for _ in range(3):
        prize_world.dossier(S.NOT_SELECTED)
    selected(prize_world, 1)
    dossier = prize_world.dossier(S.AWAITING_DECISION)

    perform(dossier, "select", prize_world.administrator, reason=REASON)

    assert Application.objects.get(pk=dossier.pk).state == S.SELECTED


def test_special_prize_beyond_the_quota_is_refused(prize_world):
    set_quotas(prize_world.call, highlighted=5, special=2)
    selected(prize_world, 2, special=True)
    dossier = prize_world.dossier(S.AWAITING_DECISION)

    error = refused(dossier, prize_world.administrator, QuotaExceeded, special_prize="on")

    assert error.field == "special_prize"
    assert "2 special prizes" in error.message


def test_special_prize_refused_to_a_non_association(prize_world):
    organization = prize_world.organization
    organization.kind = Organization.Kind.CITY_SERVICE
    organization.save()
    dossier = prize_world.dossier(S.AWAITING_DECISION)

    error = refused(dossier, prize_world.administrator, ConditionNotMet, special_prize="on")

    assert error.field == "special_prize"
    assert "association" in error.message
    # The action can still be highlighted.
    perform(dossier, "select", prize_world.administrator, reason=REASON)
    assert (current(dossier).highlighted, current(dossier).special_prize) == (True, False)


def test_special_prize_gets_the_edition_amount_unless_another_is_given(prize_world):
    default = prize_world.dossier(S.SELECTED, data=SPECIAL)
    larger = prize_world.dossier(
        S.SELECTED, data={"select": {"special_prize": "on", "amount": "25000"}}
    )
    plain = prize_world.dossier(S.SELECTED)

    assert (current(default).amount, current(default).needs_convention) == (Decimal("5000"), False)
    assert (current(larger).amount, current(larger).needs_convention) == (Decimal("25000"), True)
    assert (current(plain).amount, current(plain).special_prize) == (None, False)
    assert all(current(d).highlighted for d in (default, larger, plain))


def test_reopening_a_highlighted_decision_frees_its_slot(prize_world):
    set_quotas(prize_world.call, highlighted=2)
    first, _ = selected(prize_world, 2)
    waiting = prize_world.dossier(S.AWAITING_DECISION)
    refused(waiting, prize_world.administrator, QuotaExceeded)

    perform(first, "reopen", prize_world.administrator, reason="Action finalement abandonnée.")
    perform(waiting, "select", prize_world.administrator, reason=REASON)

    assert Application.objects.get(pk=waiting.pk).state == S.SELECTED
    # The reopened action now waits for a slot like any other.
    refused(first, prize_world.administrator, QuotaExceeded)


def test_reopening_a_special_prize_frees_its_slot(prize_world):
    set_quotas(prize_world.call, highlighted=5, special=1)
    (first,) = selected(prize_world, 1, special=True)
    waiting = prize_world.dossier(S.AWAITING_DECISION)
    refused(waiting, prize_world.administrator, QuotaExceeded, special_prize="on")

    perform(first, "reopen", prize_world.administrator, reason="Le jury a revu son classement.")
    perform(waiting, "select", prize_world.administrator, special_prize="on", reason=REASON)

    assert current(waiting).special_prize


def test_quotas_are_counted_per_edition(prize_world):
    set_quotas(prize_world.call, highlighted=1, special=1)
    selected(prize_world, 1, special=True)
    next_edition = World("prize")
    set_quotas(next_edition.call, highlighted=1, special=1)
    dossier = next_edition.dossier(S.AWAITING_DECISION)

    perform(dossier, "select", next_edition.administrator, special_prize="on", reason=REASON)

    assert current(dossier).special_prize
