"""Properties of the bulk assignment plan (pure: no database): 300 dossiers × 12
jurors × K in 2..5 with random conflicts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.assignment import plan_assignment

DOSSIERS = list(range(1000, 1300))
JURORS = list(range(1, 13))


@st.composite
def scenarios(draw):
    k = draw(st.integers(min_value=2, max_value=5))
    seed = draw(st.integers(min_value=0, max_value=2**31))
    # Each juror is in conflict with up to a tenth of the dossiers.
    conflicts = set()
    for juror in JURORS:
        for dossier in draw(st.lists(st.sampled_from(DOSSIERS), max_size=30, unique=True)):
            conflicts.add((dossier, juror))
    # A few dossiers where nearly every juror is in conflict (to be reported short).
    for dossier in draw(st.lists(st.sampled_from(DOSSIERS), max_size=3, unique=True)):
        for juror in JURORS[: draw(st.integers(min_value=8, max_value=12))]:
            conflicts.add((dossier, juror))
    return k, seed, conflicts


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_every_dossier_gets_k_free_jurors_balanced_and_reproducible(scenario):
    k, seed, conflicts = scenario

    plan = plan_assignment(DOSSIERS, JURORS, k, seed, conflicts=conflicts)

    for dossier in DOSSIERS:
        proposed = plan.proposals.get(dossier, [])
        free = [j for j in JURORS if (dossier, j) not in conflicts]
        assert len(set(proposed)) == len(proposed)
        assert not any((dossier, j) in conflicts for j in proposed)
        assert len(proposed) == min(k, len(free))
        assert plan.short.get(dossier, 0) == k - len(proposed)
    loads = {j: sum(j in js for js in plan.proposals.values()) for j in JURORS}
    assert loads == plan.loads
    assert max(loads.values()) - min(loads.values()) <= 1
    again = plan_assignment(list(reversed(DOSSIERS)), JURORS, k, seed, conflicts=conflicts)
    assert again.proposals == plan.proposals


def test_existing_assignments_count_and_are_kept():
    existing = {1000: {1, 2}, 1001: {3}}

    plan = plan_assignment([1000, 1001, 1002], [1, 2, 3, 4], 2, seed=7, existing=existing)

    assert 1000 not in plan.proposals
    assert len(plan.proposals[1001]) == 1 and 3 not in plan.proposals[1001]
    assert len(plan.proposals[1002]) == 2
    assert sum(plan.loads.values()) == 6
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1


def test_another_seed_gives_another_balanced_plan():
    one = plan_assignment(DOSSIERS, JURORS, 3, seed=1)
    two = plan_assignment(DOSSIERS, JURORS, 3, seed=2)

    assert one.proposals != two.proposals
    assert set(one.loads.values()) == set(two.loads.values()) == {75}
