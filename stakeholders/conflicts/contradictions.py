"""Rule 1, ``contradictory_targets``: requirements on one dimension that no value satisfies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.targets import EPS
from stakeholders.conflicts.model import _DIMENSION_RANK, Conflict, Relaxation, Requirement, _conflict
from stakeholders.conflicts.rules import ConflictRules
from stakeholders.conflicts.targets import _CHOICE, _Target
from stakeholders.conflicts.wording import _DIMENSION_WORDS, _phrase, _stated, _stated_bare, _who


def _contradiction_severity(reqs: Sequence[Requirement], rules: ConflictRules) -> str:
    musts = sum(req.must_have for req in reqs)
    if musts == len(reqs):
        return rules.severity.contradiction_all_must_have
    return rules.severity.contradiction_some_must_have if musts else rules.severity.contradiction_no_must_have


def _contradictions(targets: Sequence[_Target], rules: ConflictRules) -> list[tuple[Conflict, tuple[str, ...]]]:
    """Rule 1, with the requirement ids of each conflict (rule 2 leaves those sets alone)."""
    by_dimension: dict[tuple[str, str], list[_Target]] = defaultdict(list)
    for t in targets:
        # Interpretability is one-sided with no upper bound: nothing to contradict.
        if t.req.dimension != "interpretability":
            by_dimension[(t.req.dimension, t.req.metric if t.req.dimension == "quality" else "")].append(t)
    found = []
    for (dimension, _), group in sorted(
        by_dimension.items(), key=lambda item: (_DIMENSION_RANK[item[0][0]], item[0][1])
    ):
        group.sort(key=lambda t: t.req.id)
        pairs = []
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if dimension in _CHOICE:
                    if a.allowed.isdisjoint(b.allowed):
                        pairs.append((a, b))
                elif a.lo > b.hi + EPS:
                    pairs.append((b, a))  # (the one with the ceiling, the one with the floor)
                elif b.lo > a.hi + EPS:
                    pairs.append((a, b))
        for a, b in pairs:
            conflict = (
                _choice_pair(a, b, rules) if dimension in _CHOICE else _interval_pair(ceiling=a, floor=b, rules=rules)
            )
            found.append((conflict, (a.req.id, b.req.id)))
        if (
            dimension in _CHOICE
            and not pairs
            and len(group) > 2
            and not frozenset.intersection(*(t.allowed for t in group))
        ):
            found.append((_choice_none_common(group, rules), tuple(t.req.id for t in group)))
    return found


def _between(a: Requirement, b: Requirement, rules: ConflictRules) -> str:
    if a.stakeholder_id == b.stakeholder_id:
        return f"{_who([a], rules)} states both {_stated_bare(a)} and {_stated_bare(b)}"
    return f"{_who([a], rules)} needs {_stated_bare(a)}; {_who([b], rules)} needs {_stated_bare(b)}"


def _interval_pair(*, ceiling: _Target, floor: _Target, rules: ConflictRules) -> Conflict:
    a, b = ceiling.req, floor.req
    dimension = a.dimension
    # Either bound moved onto the other satisfies both: the ceiling up to the floor's value, or
    # the floor down to the ceiling's value ("==" keeps its op, which then meets the other).
    ceiling_to = floor.lo
    floor_to = ceiling.hi
    relaxations = (
        Relaxation((a.id,), dimension, a.op, ceiling_to),
        Relaxation((b.id,), dimension, b.op, floor_to),
    )
    resolutions = [
        f"{_who([a], rules)} accepts {_phrase(a, a.op, ceiling_to)}, which also meets {_phrase(b)}.",
        f"{_who([b], rules)} accepts {_phrase(b, b.op, floor_to)}, which also meets {_phrase(a)}.",
        *rules.contradiction_resolutions.get(dimension, ()),
    ]
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity([a, b], rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=f"{_between(a, b, rules)}. No value satisfies both.",
        resolutions=resolutions,
        items=[a, b],
        relaxations=relaxations,
    )


def _choice_pair(first: _Target, second: _Target, rules: ConflictRules) -> Conflict:
    a, b = first.req, second.req
    dimension = a.dimension
    relaxations = (
        Relaxation((a.id,), dimension, b.op, b.value),
        Relaxation((b.id,), dimension, a.op, a.value),
    )
    resolutions = [
        f"{_who([a], rules)} accepts {_phrase(b)}, as {_who([b], rules)} needs.",
        f"{_who([b], rules)} accepts {_phrase(a)}, as {_who([a], rules)} needs.",
        *rules.contradiction_resolutions.get(dimension, ()),
    ]
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity([a, b], rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=f"{_between(a, b, rules)}. No single {_DIMENSION_WORDS[dimension]} satisfies both.",
        resolutions=resolutions,
        items=[a, b],
        relaxations=relaxations,
    )


def _choice_none_common(group: Sequence[_Target], rules: ConflictRules) -> Conflict:
    reqs = [t.req for t in group]
    dimension = reqs[0].dimension
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity(reqs, rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=(
            f"Any two of these can be met together, but no single {_DIMENSION_WORDS[dimension]} meets all of them: "
            + "; ".join(_stated(req, rules) for req in reqs)
            + "."
        ),
        resolutions=rules.contradiction_resolutions.get(dimension, ()),
        items=reqs,
    )
