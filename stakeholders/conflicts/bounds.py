"""Rule 5, a bound against an objective (docs/methodology.md §7.9): what one stakeholder's
requirement costs another stakeholder's objective, read from the approach profiles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.approaches import ApproachProfile
from domain.vocabulary import SEVERITIES
from stakeholders.conflicts.competing import _wants
from stakeholders.conflicts.model import _DIMENSION_RANK, Conflict, Objective, Requirement, _conflict
from stakeholders.conflicts.rules import BoundRule, ConflictRules
from stakeholders.conflicts.targets import _meets, _Target
from stakeholders.conflicts.wording import _DIMENSION_WORDS, _capital, _join, _number_text, _phrase, _stated_bare, _who

# The profile figure behind each objective's dimension, and whether more of it is better.
_FIGURE = {"quality": ("quality", True), "freshness": ("min_retrain_days", False)}
# Dimensions whose requirements are never a bound on these objectives: the objective's own
# dimension is a target for it, not a bound against it, and a profile states no fairness or
# throughput figure to weigh.
_NOT_BOUNDS = frozenset({"quality", "freshness", "fairness", "throughput"})


def _bounds(
    targets: Sequence[_Target],
    objectives: Sequence[Objective],
    profiles: Sequence[ApproachProfile],
    earlier: Sequence[Conflict],
    rules: ConflictRules,
) -> list[Conflict]:
    rule = rules.bound_vs_objective
    if rule is None or not profiles or not objectives:
        return []
    # Objectives by the dimension they pull on and by holder.
    held: dict[tuple[str, str], list[Objective]] = defaultdict(list)
    for o in objectives:
        name = o.name.strip().lower()
        for dimension, names in rule.objectives.items():
            if o.direction == "maximise" and name in names:
                held[(dimension, o.stakeholder_id)].append(o)
    if not held:
        return []
    # What is already reported with each requirement, so a bound that an infeasible set or a
    # contradiction already weighs against the holder's own target is not reported twice.
    together: dict[str, set[str]] = defaultdict(set)
    for conflict in earlier:
        for rid in conflict.requirement_ids:
            together[rid].update(conflict.requirement_ids)
    by_holder_dimension: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in targets:
        by_holder_dimension[(t.req.dimension, t.req.stakeholder_id)].add(t.req.id)

    best_all = {dimension: _best(profiles, dimension) for dimension in rule.objectives}
    # §7.9: per dimension, the strictest bound (the one that leaves the fewest approaches in)
    # speaks for that dimension's bounds: a looser one costs no more than it. Bounds that leave
    # exactly the same approaches in are one member, as in rule 2.
    by_dimension: dict[str, list[tuple[int, _Target]]] = defaultdict(list)
    for t in targets:
        if t.req.dimension not in _NOT_BOUNDS:
            mask = sum(1 << i for i, p in enumerate(profiles) if _meets(p, t))
            if 0 < mask < (1 << len(profiles)) - 1:  # none: rule 2's to report; all: costs nothing
                by_dimension[t.req.dimension].append((mask, t))
    conflicts = []
    for _, masked in sorted(by_dimension.items(), key=lambda item: _DIMENSION_RANK[item[0]]):
        strictest = min(masked, key=lambda m: (m[0].bit_count(), m[1].req.id))[0]
        group = sorted((t.req for mask, t in masked if mask == strictest), key=lambda r: r.id)
        within = [p for i, p in enumerate(profiles) if strictest >> i & 1]
        bound_holders = {r.stakeholder_id for r in group}
        reported = set().union(*(together[r.id] for r in group))
        for dimension in rule.objectives:
            objs = []
            for (held_dimension, holder), held_objs in sorted(held.items()):
                if held_dimension != dimension or holder in bound_holders:
                    continue  # one person's own bound against their own wish: their call
                if reported & (by_holder_dimension[(dimension, holder)] | {o.id for o in held_objs}):
                    continue  # already weighed against the holder's own target (rules 1 and 2)
                objs += held_objs
            if not objs:
                continue
            best = _best(within, dimension)
            cost = _cost(dimension, best[0], best_all[dimension][0])
            severity = _severity(cost, rule.thresholds[dimension], any(r.must_have for r in group))
            if severity is not None:
                conflicts.append(
                    _bound_conflict(group, objs, dimension, best, best_all[dimension], severity, rule, rules)
                )
    return conflicts


def _best(profiles: Sequence[ApproachProfile], dimension: str) -> tuple[float, str]:
    """The best figure among ``profiles`` on the objective's dimension, and who reaches it."""
    figure, higher = _FIGURE[dimension]
    value = (max if higher else min)(float(getattr(p, figure)) for p in profiles)
    labels = [p.label for p in profiles if float(getattr(p, figure)) == value]
    return value, _join(labels)


def _cost(dimension: str, within: float, overall: float) -> float:
    """§7.9: quality lost (best overall minus best within the bound), or for freshness how many
    times longer the fastest cadence within the bound is than the fastest overall."""
    if dimension == "quality":
        return round(overall - within, 6)  # rounded: 0.94 - 0.88 is not quite 0.06 in floats
    return within / overall if overall > 0 else 1.0


def _severity(cost: float, thresholds: tuple[float, float, float], must_have: bool) -> str | None:
    """§7.9: the highest level whose threshold the cost reaches; a nice-to-have bound one level
    lower, since it never rules an approach out (§6.2). None: too small to name."""
    levels = [level for level, limit in zip(SEVERITIES[::-1], thresholds, strict=True) if cost >= limit]
    if not levels:
        return None
    severity = levels[-1]
    if not must_have and severity != "low":
        severity = SEVERITIES[SEVERITIES.index(severity) + 1]
    return severity


def _figure_text(dimension: str, value: float) -> str:
    if dimension == "quality":
        return f"a quality potential of {_number_text(round(value, 3))}"
    return f"retraining every {_number_text(value)} day{'' if value == 1 else 's'} at the fastest"


def _cost_text(dimension: str, within: float, overall: float, objective: str) -> str:
    """What the bound costs, in numbers: the figure the severity is read from (§7.9)."""
    cost = _cost(dimension, within, overall)
    if dimension == "quality":
        return f"so the bound costs {objective} {_number_text(round(cost, 3))} of quality potential"
    return f"so the bound makes retraining {_number_text(round(cost, 1))} times slower at best, against {objective}"


def _bound_conflict(
    group: Sequence[Requirement],
    objs: Sequence[Objective],
    dimension: str,
    within: tuple[float, str],
    overall: tuple[float, str],
    severity: str,
    rule: BoundRule,
    rules: ConflictRules,
) -> Conflict:
    objective = _join(sorted({o.name.replace("_", " ") for o in objs}))
    bound_words = _DIMENSION_WORDS[group[0].dimension]
    needs = "; ".join(f"{_who([r], rules)} needs {_stated_bare(r)}" for r in group)
    words = {"bound": _join([_phrase(r) for r in group]), "objective": objective, "who": _who(group, rules)}
    explanation = (
        f"{needs}; {_wants(objs, rules)}. "
        f"The candidate approaches within that {bound_words} bound reach {_figure_text(dimension, within[0])} "
        f"({within[1]}), against {_figure_text(dimension, overall[0])} ({overall[1]}) without it, "
        f"{_cost_text(dimension, within[0], overall[0], objective)}."
    )
    return _conflict(
        kind="competing_objectives",
        severity=severity,
        title=f"{_capital(bound_words)} bound versus {objective}",
        explanation=explanation,
        resolutions=[text.format(**words) for text in rule.resolutions],
        items=[*group, *objs],
        rule="bound_vs_objective",
    )
