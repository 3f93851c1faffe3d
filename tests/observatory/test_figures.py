"""The observatory's figures against a hand-counted fixture of twelve dossiers."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from calls import observatory
from reviews.models import Decision
from tests.factories import ApplicationFactory, CallFactory, OrganizationFactory, UserFactory
from workflows import rules
from workflows.states import DossierState as S

pytestmark = pytest.mark.django_db

SELECTED, NOT_SELECTED = Decision.Outcome.SELECTED, Decision.Outcome.NOT_SELECTED

# state, objectives, districts, kind, channel, requested, people, decision (outcome, amount)
FIXTURE = [
    (S.DRAFT, (1,), ["sud"], "association", "online", 1000, 10, None),
    (S.SUBMITTED, (1, 2), ["sud", "centre"], "association", "online", 2000, 20, None),
    (S.INCOMPLETE, (2,), ["sud"], "association", "paper", 3000, 30, None),
    (S.WITHDRAWN, (3,), ["bastide"], "city_service", "online", 4000, 40, None),
    (S.INELIGIBLE, (1,), ["sud"], "association", "counter", 5000, 50, None),
    (S.ELIGIBLE, (1,), ["centre"], "other", "online", 6000, 60, None),
    (S.IN_JURY, (2,), [], "association", "phone", 7000, 70, None),
    (S.SELECTED, (1, 3), ["sud", "sud"], "association", "online", 8000, 80, (SELECTED, 7500)),
    (S.NOT_SELECTED, (1,), ["centre"], "association", "paper", 9000, 90, (NOT_SELECTED, None)),
    (S.NOTIFIED, (1,), ["sud"], "association", "online", 10000, 100, (SELECTED, 9000)),
    (S.NOTIFIED, (1,), ["sud"], "city_service", "online", 11000, 110, (NOT_SELECTED, None)),
    (S.NOTIFIED, (2,), ["bastide"], "association", "online", None, None, None),  # ineligible
]


@pytest.fixture
def scene(db):
    administrator = UserFactory(roles=[rules.ADMINISTRATORS])
    call = CallFactory(objectives=(1, 2, 3))
    other = CallFactory(objectives=(1,))
    organizations = {
        kind: OrganizationFactory(kind=kind) for kind in ("association", "city_service", "other")
    }
    for state, objectives, districts, kind, channel, requested, people, decision in FIXTURE:
        dossier = ApplicationFactory(
            call=call,
            organization=organizations[kind],
            objectives=objectives,
            districts=districts,
            channel=channel,
            requested_amount=None if requested is None else Decimal(requested),
            people_count=people,
        )
        type(dossier).objects.filter(pk=dossier.pk).update(state=state)
        if decision:
            Decision.objects.create(
                application=dossier,
                outcome=decision[0],
                amount=decision[1],
                decided_by=administrator,
            )
    ApplicationFactory(call=other, organization=organizations["other"])
    type(dossier).objects.filter(call=other).update(state=S.SUBMITTED)
    return administrator, call, other


def test_staff_figures_match_the_hand_count(scene):
    administrator, call, _other = scene
    with CaptureQueriesContext(connection) as queries:
        result = observatory.staff_observatory(administrator, call=call.pk)
    # The calls, the objectives, then the dossiers grouped by objective, by districts,
    # and by organisation kind and channel together (the roles of the reader aside).
    assert len(queries) <= 7
    total = result.total
    # Eleven dossiers past the draft; eligible: eligible, in jury, selected, not
    # selected and the two notified with a decision.
    assert (total.submitted, total.eligible, total.selected) == (11, 6, 2)
    assert total.requested == Decimal(2000 + 3000 + 4000 + 5000 + 6000 + 7000 + 8000) + Decimal(
        9000 + 10000 + 11000
    )
    assert total.granted == Decimal(16500)
    assert total.people == 180
    objectives = {row.key: row.figures for row in result.objectives}
    assert (objectives["1"].submitted, objectives["1"].eligible, objectives["1"].selected) == (
        7,
        5,
        2,
    )
    assert (objectives["2"].submitted, objectives["2"].selected) == (4, 0)
    assert (objectives["3"].submitted, objectives["3"].selected) == (2, 1)
    assert len(result.objectives) == 28
    assert [row.key for row in result.uncovered_objectives] == [str(n) for n in range(4, 29)]
    districts = {row.key: row.figures for row in result.districts}
    # "sud" counted once for the dossier listing it twice.
    assert (districts["sud"].submitted, districts["sud"].selected) == (6, 2)
    assert districts["sud"].granted == Decimal(16500)
    assert (districts["centre"].submitted, districts["bastide"].submitted) == (3, 2)
    assert {row.key for row in result.uncovered_districts} == {
        "maritime",
        "chartrons",
        "saint_augustin",
        "nansouty",
        "cauderan",
    }
    kinds = {row.key: row.figures.submitted for row in result.kinds}
    assert kinds == {"association": 8, "city_service": 2, "institutional": 0, "other": 1}
    channels = {row.key: row.figures.submitted for row in result.channels}
    assert channels == {"online": 7, "paper": 2, "counter": 1, "phone": 1}


def test_all_calls_add_the_other_call(scene):
    administrator, _call, _other = scene
    assert observatory.staff_observatory(administrator).total.submitted == 12


def test_an_instructor_reads_only_the_calls_they_instruct(scene):
    _administrator, call, other = scene
    instructor = UserFactory(roles=[rules.INSTRUCTORS])
    other.instructors.add(instructor)
    assert observatory.staff_observatory(instructor).total.submitted == 1
    assert observatory.staff_observatory(instructor, call=call.pk).total.submitted == 0


def test_public_figures_count_notified_decisions_and_hide_small_cells(scene):
    result = observatory.public_observatory()
    total = result.total
    # Three notified dossiers: fewer than five, shown as "< 5"; the laureate is public.
    assert total.submitted is None and total.eligible is None and total.requested is None
    assert total.selected == 1 and total.granted == Decimal(9000)
    kinds = {row.key: row.figures for row in result.kinds}
    assert kinds["institutional"].submitted == 0  # nothing to hide in an empty cell
    assert observatory.SMALL_CELL == 5


def test_public_figures_show_cells_of_five_or_more(scene):
    _administrator, call, _other = scene
    organization = Organization.objects.filter(kind="association").first()
    for _ in range(3):
        dossier = ApplicationFactory(call=call, organization=organization)
        type(dossier).objects.filter(pk=dossier.pk).update(state=S.NOTIFIED)
    total = observatory.public_observatory(call=call.pk).total
    assert total.submitted == 6 and total.eligible is None and total.selected == 1


def test_the_api_serves_the_public_figures_anonymously(scene, client):
    response = client.get("/api/observatory/?year=abc&kind=ami")
    assert response.status_code == 200
    data = response.json()
    assert data["licence"].startswith("Licence Ouverte")
    assert data["ignored_filters"] == ["year"] and data["filters"] == {"kind": "ami"}
    assert data["total"]["submitted"] == "< 5" and data["total"]["selected"] == 1
    assert data["total"]["granted"] == "9000.00"
    assert len(data["objectives"]) == 28 and len(data["districts"]) == 8


def test_the_number_of_queries_does_not_grow_with_the_dossiers(scene):
    administrator, call, _other = scene

    def queries():
        with CaptureQueriesContext(connection) as captured:
            observatory.staff_observatory(administrator)
            observatory.public_observatory()
        return len(captured)

    queries()  # the caches of the roles filled
    before = queries()
    organization = OrganizationFactory(kind="institutional")
    for index, district in enumerate(["maritime", "cauderan", "chartrons", "nansouty"] * 5):
        dossier = ApplicationFactory(
            call=call,
            organization=organization,
            objectives=(1 + index % 3,),
            districts=[district, "sud"][: 1 + index % 2],
            channel=["paper", "phone", "counter", "online"][index % 4],
        )
        type(dossier).objects.filter(pk=dossier.pk).update(state=S.NOTIFIED)
    assert queries() == before
    result = observatory.staff_observatory(administrator, call=call.pk)
    assert result.total.submitted == 11 + 20
    assert {row.key: row.figures.submitted for row in result.districts}["cauderan"] == 5
    assert {row.key: row.figures.submitted for row in result.kinds}["institutional"] == 20
