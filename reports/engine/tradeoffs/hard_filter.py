"""The hard filter (rule 1 of the package docstring, docs/methodology.md §7.2): which approaches
fail a must-have or lack the labels they need, and when every one of them does, each minimal set
of must-haves no approach meets together and what to relax, cheapest first (§7.13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.approaches import Approach
from domain.feasibility import CHOICE_GIVE_UP, give_up, level_give_up, minimal_infeasible_sets
from domain.targets import EPS, LEVEL
from domain.yamlcheck import is_number
from reports.engine.tradeoffs.figures import _profile_number
from reports.engine.tradeoffs.model import Failure, FilteredApproach, InfeasibleSet, Relaxation, SetMember
from reports.engine.tradeoffs.weighting import _Item
from reports.engine.tradeoffs.wording import _join, _shown, _stated, _who


def _satisfies(approach: Approach, item: _Item, quality: Mapping[str, float]) -> float:
    """How much of a target the approach reaches, 0 to 1 (rule 6); 1 means it meets it."""
    target, dim = item.target, item.requirement.dimension  # type: ignore[union-attr]
    assert target is not None
    if dim == "deployment":
        return 1.0 if target.allowed.intersection(approach.deployments) else 0.0
    if dim == "privacy":
        return 1.0 if not approach.residency or target.allowed.intersection(approach.residency) else 0.0
    if dim == "interpretability":
        level = LEVEL[approach.interpretability]
        return 1.0 if level >= target.bound else level / target.bound
    x = _profile_number(approach, dim, quality)
    if target.lower_is_better:
        return 1.0 if x <= target.bound + EPS else (target.bound / x if x > 0 else 0.0)
    return 1.0 if x >= target.bound - EPS else x / target.bound


def labelled_examples_from(answers: Mapping[str, object]) -> float:
    """The labels at hand: ``labelled_examples``, or ``example_count`` when every example is labelled."""
    count = answers.get("labelled_examples")
    if is_number(count):
        return max(float(count), 0.0)  # type: ignore[arg-type]
    examples = answers.get("example_count")
    if answers.get("labels_available") == "all" and is_number(examples):
        return max(float(examples), 0.0)  # type: ignore[arg-type]
    return 0.0


def _failures(
    approach: Approach, must_haves: Sequence[_Item], answers: Mapping[str, object], quality: Mapping[str, float]
) -> list[Failure]:
    failures = []
    if approach.needs_labels:
        for key in ("labels_available", "has_data"):
            if answers.get(key) == "no":
                failures.append(
                    Failure(
                        kind="no_labels",
                        requirement_id="",
                        stakeholder_id="",
                        stakeholder_name="",
                        dimension="",
                        stated=f"{key} = no",
                        approach_value="needs labelled examples",
                        explanation=(
                            f"{approach.label} needs labelled examples to be trained and tested, and the suitability "
                            "answers say there are none to be had."
                        ),
                    )
                )
                break
    for item in must_haves:
        if _satisfies(approach, item, quality) < 1.0:
            req = item.requirement
            assert req is not None
            shown = _shown(approach, req.dimension, quality)
            failures.append(
                Failure(
                    kind="must_have",
                    requirement_id=req.id,
                    stakeholder_id=item.stakeholder.id,
                    stakeholder_name=item.stakeholder.name,
                    dimension=req.dimension,
                    stated=_stated(req),
                    approach_value=shown,
                    explanation=f"{_who(item.stakeholder)} requires {_stated(req)}; {approach.label} offers {shown}.",
                )
            )
    return failures


def _give_up(approach: Approach, item: _Item, quality: Mapping[str, float]) -> float:
    """What relaxing ``item`` to the approach's figure gives up (docs/methodology.md §7.13)."""
    target, dim = item.target, item.requirement.dimension  # type: ignore[union-attr]
    assert target is not None
    if dim in ("deployment", "privacy"):
        return CHOICE_GIVE_UP
    if dim == "interpretability":
        return level_give_up(required=int(target.bound), offered=LEVEL[approach.interpretability], levels=len(LEVEL))
    return give_up(
        bound=target.bound,
        to=_profile_number(approach, dim, quality),
        lower_is_better=target.lower_is_better,
        unit_interval=dim == "quality",
    )


def _relaxations(
    filtered: Sequence[FilteredApproach],
    by_key: Mapping[str, Approach],
    must_haves: Sequence[_Item],
    quality: Mapping[str, float],
) -> list[Relaxation]:
    """The approaches that fail the fewest must-haves (and nothing else), and what to relax for
    each, cheapest first: ranked by what the relaxation gives up (docs/methodology.md §7.13)."""
    relaxable = [f for f in filtered if all(x.kind == "must_have" for x in f.failures)]
    if not relaxable:
        return []
    fewest = min(len(f.failures) for f in relaxable)
    items = {i.requirement.id: i for i in must_haves if i.requirement is not None}
    found = []
    for f in relaxable:
        if len(f.failures) != fewest:
            continue
        steps = [f"{x.stakeholder_name}'s must-have ({x.stated}) to {x.approach_value}" for x in f.failures]
        cost = sum(_give_up(by_key[f.key], items[x.requirement_id], quality) for x in f.failures)
        found.append(
            Relaxation(
                approach=f.key,
                label=f.label,
                must_haves=f.failures,
                text=f"Relax {_join(steps)}, and {by_key[f.key].label} meets every must-have.",
                give_up=round(cost, 6),
            )
        )
    # Stable: approaches that give up as much keep the catalogue's order. The five cheapest: the
    # rest give up more than anyone would take as advice.
    return sorted(found, key=lambda r: r.give_up)[:5]


def _infeasible_sets(
    filtered: Sequence[FilteredApproach],
    by_key: Mapping[str, Approach],
    must_haves: Sequence[_Item],
    quality: Mapping[str, float],
    max_size: int = 4,
) -> tuple[list[InfeasibleSet], bool]:
    """Every minimal set of must-haves no approach meets together (docs/methodology.md §7.13),
    over the approaches that could be trained (not out for want of labels). Must-haves on one
    dimension that rule out the same approaches are one member, as in the conflict detector."""
    eligible = [by_key[f.key] for f in filtered if all(x.kind == "must_have" for x in f.failures)]
    if not eligible:
        return [], False
    full = (1 << len(eligible)) - 1
    members: dict[tuple[str, int], list[_Item]] = {}
    for item in must_haves:
        mask = sum(1 << i for i, a in enumerate(eligible) if _satisfies(a, item, quality) >= 1.0)
        if mask != full:
            members.setdefault((item.requirement.dimension, mask), []).append(item)  # type: ignore[union-attr]
    keys = list(members)
    sets, capped = minimal_infeasible_sets([mask for _, mask in keys], len(eligible), max_size=max_size)
    found = []
    for indices in sets:
        shown = [_member(members[keys[k]], keys[k][1], eligible) for k in indices]
        also: list[str] = []
        if len(indices) == 1:
            also = _also_constraining(members[keys[indices[0]]], keys[indices[0]], members, eligible, quality)
        if len(shown) == 1:
            text = f"No candidate approach meets {shown[0].stated} on its own."
            if also:
                text += f" The approaches that come closest also fail {_join(also)}: those must-haves constrain it too."
        else:
            text = (
                "No candidate approach meets these must-haves together: "
                + "; ".join(f"{m.stated}, met by {_join(m.met_by) or 'no candidate approach'}" for m in shown)
                + "."
            )
        found.append(InfeasibleSet(members=shown, text=text, also_constrained_by=also))
    return found, capped


def _member(items: Sequence[_Item], mask: int, eligible: Sequence[Approach]) -> SetMember:
    return SetMember(
        requirement_ids=[i.requirement.id for i in items],  # type: ignore[union-attr]
        stated=_join([f"{_stated(i.requirement)} ({i.stakeholder.name})" for i in items]),  # type: ignore[arg-type]
        met_by=[a.label for n, a in enumerate(eligible) if mask >> n & 1],
    )


def _also_constraining(
    items: Sequence[_Item],
    key: tuple[str, int],
    members: Mapping[tuple[str, int], Sequence[_Item]],
    eligible: Sequence[Approach],
    quality: Mapping[str, float],
) -> list[str]:
    """For a must-have no approach meets alone: the other must-haves the closest approaches fail."""
    costs = [min(_give_up(a, i, quality) for i in items) for a in eligible]
    best = min(costs)
    closest = [n for n, c in enumerate(costs) if c == best]
    return [
        _join([f"{_stated(i.requirement)} ({i.stakeholder.name})" for i in others])  # type: ignore[arg-type]
        for other, others in members.items()
        if other != key and any(not other[1] >> n & 1 for n in closest)
    ]
