"""The decision letter fits on one page when its motivation is short: the appeal
notice never spills alone onto a second page. Counted in the PDF WeasyPrint prints."""

import pytest

from notifications.letters import render_decision_letter
from tests.notifications.test_letters import pdf_page_count
from workflows.states import DossierState as S

SHORT = (
    "Un projet ancré dans le quartier, porté par des bénévoles formés, avec des partenaires "
    "engagés et un budget réaliste ; la Ville souhaite en suivre les premiers résultats."
)


@pytest.fixture
def long_address(world):
    world.organization.name = "Association des habitants et des commerçants du quartier Grand Parc"
    world.organization.address = "Maison de quartier, bâtiment B\n12 rue des Faures\n33800 Bordeaux"
    world.organization.save()
    return world


@pytest.mark.parametrize(
    ("state", "data"),
    [
        (S.SELECTED, {"select": {"amount": "25000", "reason": SHORT}}),  # with a convention
        (S.NOT_SELECTED, {"decline": {"reason": SHORT}}),
        (S.INELIGIBLE, {"declare_ineligible": {"reason": SHORT}}),
    ],
)
def test_a_letter_with_a_short_motivation_is_one_page(long_address, state, data):
    dossier = long_address.dossier(
        state, title="Médiation numérique pour les démarches de la CAF au Grand Parc", data=data
    )

    assert pdf_page_count(render_decision_letter(dossier)) == 1


def test_a_prize_letter_with_a_special_prize_is_one_page(prize_world):
    dossier = prize_world.dossier(
        S.SELECTED, data={"select": {"special_prize": "1", "reason": SHORT}}
    )

    assert pdf_page_count(render_decision_letter(dossier)) == 1


def test_a_long_motivation_goes_on_to_a_second_page(world):
    dossier = world.dossier(S.NOT_SELECTED, data={"decline": {"reason": SHORT * 25}})

    assert pdf_page_count(render_decision_letter(dossier)) == 2
