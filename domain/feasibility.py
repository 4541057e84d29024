"""All the ways a set of must-haves fails, and the cheapest ways out (docs/methodology.md §7.13).

Shared by the conflict detector (stakeholders.conflicts, rule 2) and the trade-off report's hard
filter (reports.engine.tradeoffs), so both name the same sets and offer the same relaxations.
Pure Python on bit masks: must-have ``m`` has ``masks[m]``, bit ``i`` set when approach ``i``
meets it.

- A **minimal infeasible set** is a set of must-haves that no approach meets together, while
  dropping any one of them leaves some approach that meets the rest.
- A **relaxation option** makes one approach feasible: it relaxes exactly the must-haves that
  approach fails, each to the approach's own figure. Every way to make some approach feasible
  relaxes at least that much for some approach, so one option per approach is the whole choice.
  Options are ranked by how little they give up: fewest must-haves touched, then the smallest
  total give-up (``give_up``: the relative change of each bound).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# More sets than this are not listed one by one: the caller says the list is cut short. With tens
# of must-haves and nine approaches the sets up to size 4 number in the tens at most; the cap only
# guards against a pathological catalogue.
MAX_SETS = 50


def minimal_infeasible_sets(
    masks: Sequence[int], approaches: int, *, max_size: int, cap: int = MAX_SETS
) -> tuple[list[tuple[int, ...]], bool]:
    """The index sets of up to ``max_size`` masks (over ``approaches`` approaches) whose AND is 0
    while every proper subset's is not, smallest first; and whether the search stopped at ``cap``
    sets (or the size limit hid larger ones: some must-haves infeasible together while no set of
    ``max_size`` is).

    Depth-first over increasing indices, extending only sets whose AND is still non-zero, so a
    superset of an infeasible prefix is never visited; a set that only became 0 through a
    non-prefix subset is dropped by the minimality check. Masks equal to all ones (met by every
    approach) are never in a minimal set and are skipped.
    """
    full = -1
    every = (1 << approaches) - 1
    candidates = [k for k, mask in enumerate(masks) if mask & every != every]
    found: list[tuple[int, ...]] = []
    truncated = False

    def extend(start: int, chosen: tuple[int, ...], acc: int) -> None:
        nonlocal truncated
        for pos in range(start, len(candidates)):
            if len(found) >= cap:
                truncated = True
                return
            k = candidates[pos]
            combo = (*chosen, k)
            both = acc & masks[k]
            if both & every == 0:
                if all(_and_without(masks, combo, skip) & every for skip in range(len(combo))):
                    found.append(combo)
            elif len(combo) < max_size:
                extend(pos + 1, combo, both)

    extend(0, (), full)
    if not found and candidates:
        # Nothing of up to max_size is infeasible; if all of them together are, the sets are larger.
        acc = full
        for k in candidates:
            acc &= masks[k]
        truncated = truncated or acc & every == 0
    found.sort(key=lambda combo: (len(combo), combo))
    return found, truncated


def _and_without(masks: Sequence[int], combo: tuple[int, ...], skip: int) -> int:
    acc = -1
    for i, k in enumerate(combo):
        if i != skip:
            acc &= masks[k]
    return acc


@dataclass(frozen=True)
class Option:
    """Relax ``members`` (indices into the masks) to approach ``approach``'s figures."""

    approach: int
    members: tuple[int, ...]
    give_up: float  # the sum of each member's give_up


def relaxation_options(
    masks: Sequence[int],
    approaches: int,
    cost: Callable[[int, int], float | None],
    *,
    limit: int = 5,
) -> list[Option]:
    """Per approach that fails some must-have, the option that admits it (``cost(member,
    approach)`` is the give-up of relaxing the member to the approach's figure, None when it
    cannot be relaxed there), ranked by (must-haves touched, total give-up, approach index); one
    option per set of must-haves touched (the cheapest), at most ``limit``."""
    options = []
    for i in range(approaches):
        failed = tuple(m for m, mask in enumerate(masks) if not mask >> i & 1)
        if not failed:
            continue
        costs = [cost(m, i) for m in failed]
        if any(c is None for c in costs):
            continue
        options.append(Option(i, failed, round(sum(c for c in costs if c is not None), 6)))
    options.sort(key=lambda o: (len(o.members), o.give_up, o.approach))
    seen: set[tuple[int, ...]] = set()
    ranked = []
    for option in options:
        if option.members in seen:
            continue
        seen.add(option.members)
        ranked.append(option)
    return ranked[:limit]


def give_up(*, bound: float, to: float, lower_is_better: bool, unit_interval: bool = False) -> float:
    """How much relaxing a numeric bound from ``bound`` to ``to`` gives up, as a relative change.

    A ceiling (lower is better: latency, cost, size, days, months) gives up (to - bound) / bound:
    20 -> 100 MB is 4. A quality floor on a 0-to-1 metric (``unit_interval``) gives up the
    relative growth of the shortfall from 1, since that is the error users see: 0.97 -> 0.85 lets
    errors grow from 3% to 15%, also 4; a plain ratio (12%) would make every quality relaxation
    look cheap. Other floors give up (bound - to) / bound.
    """
    if lower_is_better:
        return max(to - bound, 0.0) / max(abs(bound), 1e-9)
    if unit_interval:
        return max(bound - to, 0.0) / max(1.0 - bound, 0.01)
    return max(bound - to, 0.0) / max(abs(bound), 1e-9)


def level_give_up(*, required: int, offered: int, levels: int) -> float:
    """Lowering an ordered level (interpretability: none < global < per prediction) by one step
    gives up 1 / (levels - 1): dropping per-prediction explanations altogether gives up 1."""
    return max(required - offered, 0) / max(levels - 1, 1)


# A different deployment target or residency is a different system, not a looser bound.
CHOICE_GIVE_UP = 1.0
