"""The suggested selection (reviews.deliberation) against the brute-force optimum."""

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.deliberation import COVERS, Candidate, suggest

OBJECTIVES = range(1, 8)


def coverage(actions) -> set:
    covered = set()
    for action in actions:
        covered |= set(action.objectives)
    return covered


def brute_force_best(candidates, selected, slots) -> int:
    """The largest number of objectives any choice of at most ``slots`` candidates covers
    together with the selected actions."""
    base = coverage(selected) & set(OBJECTIVES)
    best = len(base)
    for size in range(1, min(slots, len(candidates)) + 1):
        for chosen in combinations(candidates, size):
            best = max(best, len(base | (coverage(chosen) & set(OBJECTIVES))))
    return best


objective_sets = st.frozensets(st.sampled_from(list(OBJECTIVES)), min_size=0, max_size=3)


@st.composite
def deliberations(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    candidates = [
        Candidate(
            pk=i, position=i, objectives=draw(objective_sets), is_association=draw(st.booleans())
        )
        for i in range(1, count + 1)
    ]
    selected = [
        Candidate(pk=100 + i, position=0, objectives=draw(objective_sets))
        for i in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    slots = draw(st.integers(min_value=0, max_value=4))
    special_slots = draw(st.integers(min_value=0, max_value=2))
    return candidates, selected, slots, special_slots


@settings(max_examples=150, deadline=None)
@given(deliberations())
def test_suggestion_covers_as_many_objectives_as_the_best_choice(case):
    candidates, selected, slots, special_slots = case
    result = suggest(
        candidates, selected, slots=slots, special_slots=special_slots, objectives=OBJECTIVES
    )
    chosen = [c for c in candidates if c.pk in {pick.pk for pick in result.picks}]

    assert result.exact
    assert len(coverage(selected + chosen) & set(OBJECTIVES)) == brute_force_best(
        candidates, selected, slots
    )
    assert result.covered == frozenset(coverage(selected + chosen) & set(OBJECTIVES))
    assert result.uncovered == frozenset(OBJECTIVES) - result.covered
    # Within the quotas, each action once, every slot used when there are candidates.
    assert len(result.picks) == min(slots, len(candidates))
    assert len({pick.pk for pick in result.picks}) == len(result.picks)
    specials = [pick for pick in result.picks if pick.special]
    assert len(specials) <= special_slots
    by_pk = {c.pk: c for c in candidates}
    assert all(by_pk[pick.pk].is_association for pick in specials)
    # A coverage pick covers objectives no other action of the selection covers.
    for pick in result.picks:
        if pick.kind == COVERS:
            others = coverage(selected + [c for c in chosen if c.pk != pick.pk])
            assert pick.objectives and not set(pick.objectives) & others


def test_the_reason_names_the_objective_only_this_action_covers():
    candidates = [
        Candidate(pk=1, position=1, objectives=frozenset({1, 2}), is_association=True),
        Candidate(pk=2, position=2, objectives=frozenset({1})),
        Candidate(pk=3, position=3, objectives=frozenset({17})),
    ]
    result = suggest(candidates, [], slots=2, special_slots=1, objectives=[1, 2, 17])

    assert [pick.pk for pick in result.picks] == [1, 3]
    assert result.picks[1].reason == "Covers objective 17, otherwise uncovered."
    assert result.picks[0].special
    assert result.uncovered == frozenset()


def test_greedy_is_not_enough_the_search_is_exact():
    # Greedy takes {1, 2, 3} first and then covers one more; {1, 2, 4} + {3, 5, 6}... the
    # best pair is {1, 2, 5} and {3, 4, 6}: 6 objectives.
    candidates = [
        Candidate(pk=1, position=1, objectives=frozenset({1, 2, 3, 4})),
        Candidate(pk=2, position=2, objectives=frozenset({1, 2, 5})),
        Candidate(pk=3, position=3, objectives=frozenset({3, 4, 6})),
    ]
    result = suggest(candidates, [], slots=2, special_slots=0, objectives=range(1, 7))
    assert {pick.pk for pick in result.picks} == {2, 3}
    assert result.uncovered == frozenset()


def test_associations_are_added_for_the_special_prizes_left():
    candidates = [
        Candidate(pk=1, position=1, objectives=frozenset({1})),
        Candidate(pk=2, position=2, objectives=frozenset({2})),
        Candidate(pk=3, position=3, objectives=frozenset({1}), is_association=True),
    ]
    result = suggest(candidates, [], slots=3, special_slots=1, objectives=[1, 2])
    assert [(pick.pk, pick.special) for pick in result.picks] == [
        (1, False),
        (2, False),
        (3, True),
    ]
