"""The suggested selection of a prize edition: pure computation, no database.

The prize highlights up to ``highlighted_count`` (28) actions that together answer the
28 objectives, ``special_prize_count`` (4) of them carried by associations with a
special prize. The suggestion helps the administrators; it never decides: the page
shows it with a reason per pick, and only what they record is decided.

Method (documented on the deliberation page):

1. **Coverage.** Starting from the actions already selected, choose at most the free
   slots among the candidates (dossiers awaiting decision, ranked) so that the most
   objectives are covered. The search is exact: a branch and bound over the candidates
   in ranking order (so that among equally covering sets, the better-ranked come
   first), seeded with the greedy answer (take the action covering the most objectives
   still uncovered, the better-ranked among equals) and bounded by the objectives the
   remaining candidates could still add. When the search would exceed
   ``SEARCH_BUDGET`` candidates examined, the greedy answer is kept and the page says so. A pick whose
   objectives the others cover anyway is dropped, so that each coverage pick covers at
   least one objective no other action of the selection covers: that is its reason.
2. **Associations.** When the selection holds fewer associations than special prizes
   left, the best-ranked remaining associations are added (special prizes go only to
   associations).
3. **Ranking.** The free slots left are filled in ranking order.
4. **Special prizes** go to the best-ranked associations of the suggested picks, up
   to the special prizes left.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SEARCH_BUDGET = 2_000_000  # candidates examined by the exact search

COVERS = "covers"
ASSOCIATION = "association"
RANK = "rank"


@dataclass(frozen=True)
class Candidate:
    pk: int
    position: int  # rank in the ranking (1 is the best)
    objectives: frozenset
    is_association: bool = False


@dataclass(frozen=True)
class Pick:
    pk: int
    kind: str  # COVERS, ASSOCIATION or RANK
    objectives: tuple = ()  # objectives only this pick covers (COVERS)
    special: bool = False
    position: int = 0

    @property
    def reason(self) -> str:
        if self.kind == COVERS:
            numbers = ", ".join(str(n) for n in self.objectives)
            text = ngettext(
                "Covers objective %(numbers)s, otherwise uncovered.",
                "Covers objectives %(numbers)s, otherwise uncovered.",
                len(self.objectives),
            ) % {"numbers": numbers}
        elif self.kind == ASSOCIATION:
            text = _("Best-ranked association left, for a special prize.")
        else:
            text = _("Ranked %(position)s: best-ranked action left.") % {"position": self.position}
        if self.special:
            text += " " + _("Special prize: one of the best-ranked associations of the selection.")
        return text


@dataclass
class Suggestion:
    picks: list = field(default_factory=list)
    covered: frozenset = frozenset()
    uncovered: frozenset = frozenset()
    exact: bool = True

    @property
    def uncovered_list(self) -> list:
        return sorted(self.uncovered)

    @property
    def special_count(self) -> int:
        return sum(1 for pick in self.picks if pick.special)


def _mask(objectives, index) -> int:
    mask = 0
    for number in objectives:
        if number in index:
            mask |= 1 << index[number]
    return mask


def _greedy(masks, base, slots):
    chosen, covered = [], base
    for _step in range(slots):
        best, best_gain = None, 0
        for i, mask in enumerate(masks):
            gain = (mask & ~covered).bit_count()
            if gain > best_gain:
                best, best_gain = i, gain
        if best is None:
            break
        chosen.append(best)
        covered |= masks[best]
    return chosen, covered


def max_coverage(masks, base, slots, budget=SEARCH_BUDGET):
    """Indexes (into ``masks``, given in ranking order) of at most ``slots`` masks
    maximising the bits covered together with ``base``; and whether the answer is
    proven optimal (False when the budget ran out: the greedy answer is kept)."""
    chosen, covered = _greedy(masks, base, slots)
    reachable = base
    for mask in masks:
        reachable |= mask
    if covered == reachable or not masks or slots <= 0:
        return chosen, True
    best = {"count": covered.bit_count(), "chosen": list(chosen)}
    # Suffix unions: what the candidates from i on could still add.
    suffix = [0] * (len(masks) + 1)
    for i in range(len(masks) - 1, -1, -1):
        suffix[i] = suffix[i + 1] | masks[i]
    steps = 0

    def search(i, covered, picked):
        nonlocal steps
        steps += len(masks) - i + 1
        if steps > budget:
            raise TimeoutError
        count = covered.bit_count()
        if count > best["count"]:
            best["count"], best["chosen"] = count, list(picked)
        if len(picked) == slots or i == len(masks):
            return
        left = slots - len(picked)
        gains = sorted(((mask & ~covered).bit_count() for mask in masks[i:]), reverse=True)[:left]
        bound = min((covered | suffix[i]).bit_count(), count + sum(gains))
        if bound <= best["count"]:
            return
        for j in range(i, len(masks)):
            if masks[j] & ~covered:
                picked.append(j)
                search(j + 1, covered | masks[j], picked)
                picked.pop()
                if (covered | suffix[j + 1]).bit_count() <= best["count"]:
                    return

    try:
        search(0, base, [])
    except TimeoutError:
        return chosen, False
    return best["chosen"], True


def suggest(candidates, selected, *, slots, special_slots, objectives) -> Suggestion:
    """The suggested picks among ``candidates`` (in ranking order), given the actions
    already ``selected`` (their objectives count as covered), ``slots`` highlighted
    actions and ``special_slots`` special prizes left, over the ``objectives``
    (numbers) to cover."""
    objectives = sorted(set(objectives))
    index = {number: i for i, number in enumerate(objectives)}
    candidates = sorted(candidates, key=lambda c: (c.position, c.pk))
    slots = max(0, slots)
    special_slots = max(0, special_slots)
    base = 0
    for action in selected:
        base |= _mask(action.objectives, index)
    masks = [_mask(c.objectives, index) & ~base for c in candidates]
    # One candidate per distinct set of new objectives (the best-ranked).
    distinct, seen = [], set()
    for i, mask in enumerate(masks):
        if mask and mask not in seen:
            seen.add(mask)
            distinct.append(i)
    chosen, exact = max_coverage([masks[i] for i in distinct], base, slots)
    picks = [distinct[i] for i in chosen]
    # Drop the picks whose objectives the others cover anyway.
    for i in sorted(picks, key=lambda i: -candidates[i].position):
        others = base
        for j in picks:
            if j != i:
                others |= masks[j]
        if not masks[i] & ~others:
            picks.remove(i)
    picked = set(picks)
    result = [(COVERS, i) for i in sorted(picks, key=lambda i: candidates[i].position)]
    associations = sum(1 for i in picks if candidates[i].is_association)
    for i, candidate in enumerate(candidates):
        if len(result) >= slots or associations >= special_slots:
            break
        if i not in picked and candidate.is_association:
            picked.add(i)
            associations += 1
            result.append((ASSOCIATION, i))
    for i, _candidate in enumerate(candidates):
        if len(result) >= slots:
            break
        if i not in picked:
            picked.add(i)
            result.append((RANK, i))
    specials = set(
        sorted(
            (i for _kind, i in result if candidates[i].is_association),
            key=lambda i: candidates[i].position,
        )[:special_slots]
    )
    # The reasons, read on the final selection: a pick "covers" the objectives no other
    # action of the selection covers; otherwise it was added for a special prize or
    # for its rank.
    full = {i: _mask(candidates[i].objectives, index) for _kind, i in result}
    final = []
    for kind, i in result:
        others = base
        for j, mask in full.items():
            if j != i:
                others |= mask
        own = tuple(n for n in objectives if full[i] & ~others & (1 << index[n]))
        if own:
            kind = COVERS
        elif kind == COVERS:
            kind = RANK
        final.append(
            Pick(
                pk=candidates[i].pk,
                kind=kind,
                objectives=own if kind == COVERS else (),
                special=i in specials,
                position=candidates[i].position,
            )
        )
    final.sort(key=lambda pick: pick.position)
    covered = base
    for mask in full.values():
        covered |= mask
    covered_numbers = frozenset(n for n in objectives if covered & (1 << index[n]))
    return Suggestion(
        picks=final,
        covered=covered_numbers,
        uncovered=frozenset(objectives) - covered_numbers,
        exact=exact,
    )
