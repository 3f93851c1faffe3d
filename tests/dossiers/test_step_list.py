"""The step list of a draft: its counter counts the steps listed (the sections and the
check page), and a finished step is marked the same whatever the gender of its title."""

import re
from html import unescape

import pytest
from django.urls import reverse

from calls.dossier_views import sections_for
from tests.conftest import EnglishClient
from workflows.states import DossierState as S


@pytest.fixture
def french(world):
    client = EnglishClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.applicant)
    return client


def test_the_counter_counts_the_steps_listed(world, french):
    draft = world.dossier(S.DRAFT)
    sections = sections_for(draft)

    for position, section in enumerate(sections, 1):
        html = french.get(reverse("dossier_edit", args=[draft.pk, section.slug])).content
        html = unescape(html.decode())
        listed = len(re.findall(r'<li class="step', html))
        assert listed == len(sections) + 1  # the sections, then "Vérifier et déposer"
        assert f"Étape {position} sur {listed}" in html

    check = unescape(french.get(reverse("dossier_check", args=[draft.pk])).content.decode())
    assert f"Étape {listed} sur {listed}" in check


def test_a_finished_step_is_marked_without_a_gender(world, french):
    draft = world.dossier(S.DRAFT)  # its project section is filled in

    html = unescape(
        french.get(reverse("dossier_edit", args=[draft.pk, "objectifs"])).content.decode()
    )

    assert "Le projet" in html
    assert '<span class="step-mark" aria-hidden="true">✓</span>' in html
    assert "(étape terminée)" in html
    assert "complétée" not in html
