"""The axes, orientations and objectives loaded by the data migration match, word for
word, the synthesis of the "Schéma communal des solidarités" kept in docs/reference."""

import re
from pathlib import Path

import pytest

from calls.models import Axis, Objective, Orientation

REFERENCE = (
    Path(__file__).resolve().parents[2]
    / "docs/reference/schema-communal-des-solidarites-synthese.txt"
)

EXPECTED_GROUPS = {
    "Requalifier nos pratiques dans toutes les offres de service public": range(1, 8),
    "Favoriser l'accès aux droits et aux démarches": range(8, 12),
    "Optimiser l'usage partagé des lieux publics d'accès aux droits": range(12, 14),
    "Accompagner vers leurs droits les publics aux droits incomplets": range(14, 16),
    "Favoriser le parcours résidentiel des plus vulnérables": range(16, 19),
    "Promouvoir l'accès aux communs essentiels": range(19, 22),
    "Favoriser l'émancipation personnelle et citoyenne dans l'espace public": range(22, 24),
    "Promouvoir l'inclusion des publics éloignés de la participation citoyenne": range(24, 27),
    "Agir pour l'émancipation numérique": range(27, 29),
}


def parse_reference():
    """Return (axes, orientations, objectives) as read from the reference document.

    Paragraphs are separated by blank lines. Between the "28 objectifs" heading and the
    next section, a paragraph starting with "Objectif N " opens objective N, a bulleted
    paragraph continues the current objective, and any other paragraph is an orientation.
    """
    paragraphs = REFERENCE.read_text(encoding="utf-8").split("\n\n")

    def following(heading):
        return paragraphs[paragraphs.index(heading) + 1]

    axes = {
        "L'accès aux droits": following("L'accès aux droits"),
        "L'émancipation personnelle et citoyenne": following(
            "L'émancipation personnelle et citoyenne"
        ),
    }
    start = paragraphs.index("28 objectifs") + 1
    end = paragraphs.index("Les outils de valorisation et de mobilisation")
    orientations = {}  # title -> list of objective numbers, in document order
    objectives = {}  # number -> text
    current_orientation = current_number = None
    for paragraph in paragraphs[start:end]:
        match = re.fullmatch(r"Objectif (\d+) (.+)", paragraph, flags=re.DOTALL)
        if match:
            current_number = int(match.group(1))
            objectives[current_number] = match.group(2)
            orientations[current_orientation].append(current_number)
        elif paragraph.startswith("- "):
            objectives[current_number] += "\n\n" + paragraph
        else:
            current_orientation = paragraph
            orientations[current_orientation] = []
    return axes, orientations, objectives


def test_reference_document_parses_into_28_objectives_and_9_orientations():
    axes, orientations, objectives = parse_reference()
    assert len(axes) == 2
    assert sorted(objectives) == list(range(1, 29))
    assert {title: list(numbers) for title, numbers in EXPECTED_GROUPS.items()} == orientations
    assert list(orientations) == list(EXPECTED_GROUPS)


@pytest.mark.django_db
def test_objectives_match_the_reference_word_for_word():
    _, _, reference = parse_reference()
    assert Objective.objects.count() == 28
    stored = dict(Objective.objects.values_list("number", "text"))
    assert sorted(stored) == list(range(1, 29))
    for number, text in reference.items():
        assert stored[number] == text, f"objective {number} differs from the reference"


@pytest.mark.django_db
def test_objective_12_keeps_its_bulleted_list():
    text = Objective.objects.get(number=12).text
    assert text.endswith(
        "Cela implique :\n\n"
        "- D'adapter les espaces d'accueil et la signalétique,\n"
        "- De réinterroger les horaires d'accueil,\n"
        "- De solliciter la participation des usagers,\n"
        "- D'accroître le nombre de lieux d'accueil social pertinents."
    )
    assert "Mettre en œuvre" in Objective.objects.get(number=6).text


@pytest.mark.django_db
def test_orientations_group_the_right_objectives():
    _, reference, _ = parse_reference()
    assert Orientation.objects.count() == 9
    orientations = list(Orientation.objects.order_by("position"))
    assert [orientation.title for orientation in orientations] == list(reference)
    for orientation in orientations:
        numbers = list(orientation.objectives.order_by("number").values_list("number", flat=True))
        assert numbers == reference[orientation.title], orientation.title


@pytest.mark.django_db
def test_axes_and_their_orientations():
    axes_reference, _, _ = parse_reference()
    assert list(Axis.objects.values_list("position", "code", "title")) == [
        (1, "acces-aux-droits", "L'accès aux droits"),
        (2, "emancipation", "L'émancipation personnelle et citoyenne"),
    ]
    for axis in Axis.objects.all():
        assert axis.description == axes_reference[axis.title]
    positions_by_axis = {
        axis.position: list(
            axis.orientations.order_by("position").values_list("position", flat=True)
        )
        for axis in Axis.objects.all()
    }
    assert positions_by_axis == {1: [1, 2, 3, 4, 5, 6], 2: [7, 8, 9]}


@pytest.mark.django_db
def test_migration_is_idempotent_and_reversible():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("calls.migrations.0002_objectives")
    migration.create_objectives(apps, None)
    assert (Axis.objects.count(), Orientation.objects.count(), Objective.objects.count()) == (
        2,
        9,
        28,
    )
    migration.delete_objectives(apps, None)
    assert not Objective.objects.exists()
    assert not Orientation.objects.exists()
    assert not Axis.objects.exists()
    migration.create_objectives(apps, None)
    assert Objective.objects.count() == 28
