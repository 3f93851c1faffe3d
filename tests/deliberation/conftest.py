"""A prize edition ranked by its jury: three jurors, a grid of two weighted criteria,
dossiers awaiting decision, each scored by the jurors given."""

from decimal import Decimal

import pytest

from calls.models import ScoringCriterion
from reviews import services
from tests.factories import OrganizationFactory, UserFactory, assign_confirmed
from workflows import rules
from workflows.services import perform
from workflows.states import DossierState as S


class Edition:
    def __init__(self, world):
        self.world = world
        self.call = world.call
        self.admin = world.administrator
        self.jurors = [world.juror]
        for n in (2, 3):
            juror = UserFactory(
                email=f"jure{n}-{world.call.pk}@example.org",
                first_name=f"Juré{n}",
                last_name="Martin",
                roles=[rules.JURORS],
            )
            world.jury.members.add(juror)
            self.jurors.append(juror)
        # Mark on 20 = 20 × (3 × A/5 + 1 × B/10) / 4 = 3A + B/2.
        self.local = ScoringCriterion.objects.create(
            call=world.call, label="Ancrage local", weight=Decimal("3"), max_score=5, position=0
        )
        self.innovation = ScoringCriterion.objects.create(
            call=world.call,
            label="Caractère innovant",
            weight=Decimal("1"),
            max_score=10,
            position=1,
        )
        self.company = OrganizationFactory(name="Entreprise Solidaire SARL", kind="other")

    def scored(
        self, marks, *, objectives=(1,), organization=None, comments=(), close=True, **kwargs
    ):
        """A dossier scored by the first jurors: marks = [(A, B), ...]; then sent to
        decision."""
        dossier = self.world.dossier(
            S.IN_JURY, organization=organization, objectives=objectives, **kwargs
        )
        for index, (juror, values) in enumerate(zip(self.jurors, marks, strict=False)):
            assign_confirmed(dossier, juror, by=self.admin)
            services.save_scorecard(
                dossier,
                juror,
                {self.local.pk: values[0], self.innovation.pk: values[1]},
                comment=comments[index] if index < len(comments) else "",
                submit=True,
            )
        if close:
            perform(dossier, "close_jury", self.admin)
        dossier.refresh_from_db()
        return dossier


@pytest.fixture
def edition(prize_world):
    return Edition(prize_world)
