"""Rule 2, ``infeasible_must_haves``: the hard filter of docs/methodology.md §7.2, run early, with
every minimal infeasible set and the relaxations ranked by what they give up (§7.13)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from domain.approaches import ApproachProfile
from domain.feasibility import (
    CHOICE_GIVE_UP,
    MAX_SETS,
    give_up,
    level_give_up,
    minimal_infeasible_sets,
    relaxation_options,
)
from domain.targets import LEVEL
from stakeholders.conflicts.model import _DIMENSION_RANK, Conflict, Relaxation, _conflict
from stakeholders.conflicts.rules import ConflictRules
from stakeholders.conflicts.targets import _CHOICE, _closeness, _meets, _relaxed, _Target
from stakeholders.conflicts.wording import _DIMENSION_WORDS, _join, _phrase, _stated, _stated_bare, _who


@dataclass(frozen=True)
class _Group:
    """Must-haves on one dimension that rule out exactly the same profiles."""

    dimension: str
    mask: int  # bit i set: profile i meets them
    targets: tuple[_Target, ...]


def _infeasible(
    targets: Sequence[_Target],
    profiles: Sequence[ApproachProfile],
    contradictory: Sequence[frozenset[str]],
    rules: ConflictRules,
) -> list[Conflict]:
    if not profiles:
        return []  # no approach data: nothing to judge feasibility by
    full = (1 << len(profiles)) - 1
    must_ids = {t.req.id for t in targets if t.req.must_have}
    contradictory = [ids for ids in contradictory if ids <= must_ids]  # only these can be in a combo

    def mask_of(target: _Target) -> int:
        return sum(1 << i for i, profile in enumerate(profiles) if _meets(profile, target))

    musts = [(t, mask_of(t)) for t in targets if t.req.must_have]
    feasible = full
    for _, mask in musts:
        feasible &= mask
    if feasible:
        return _out_of_reach(targets, profiles, feasible, mask_of, rules)

    members: dict[tuple[str, int], list[_Target]] = defaultdict(list)
    for t, mask in musts:
        if mask != full:  # met by every profile: never part of a minimal infeasible set
            members[(t.req.dimension, mask)].append(t)
    groups = [_Group(dim, mask, tuple(sorted(ts, key=lambda t: t.req.id))) for (dim, mask), ts in members.items()]
    by_mask: dict[int, list[_Group]] = defaultdict(list)
    for group in groups:
        by_mask[group.mask].append(group)
    # A profile that fails a single group meets every must-have once that group is relaxed.
    fails_only: dict[tuple[str, int], list[ApproachProfile]] = defaultdict(list)
    for i, profile in enumerate(profiles):
        failed = [group for group in groups if not group.mask >> i & 1]
        if len(failed) == 1:
            fails_only[(failed[0].dimension, failed[0].mask)].append(profile)

    # The cheapest ways to make some approach feasible (docs/methodology.md §7.13): one option
    # per approach, relaxing every group it fails to its figures, ranked by what they give up.
    options = _options(groups, profiles)

    conflicts = []
    distinct = sorted(by_mask)
    sets, truncated = minimal_infeasible_sets(distinct, len(profiles), max_size=rules.max_infeasible_set_size)
    for indices in sets:
        # A minimal set never holds two equal masks (dropping one would keep it infeasible), so
        # each mask stands for one group, or for several interchangeable ones.
        for combo in _product([by_mask[distinct[k]] for k in indices]):
            if not _holds_contradiction(combo, contradictory):
                conflicts.append(_infeasible_conflict(combo, fails_only, profiles, groups, options, truncated, rules))
    return conflicts


def _options(
    groups: Sequence[_Group], profiles: Sequence[ApproachProfile]
) -> list[tuple[ApproachProfile, list[tuple[_Group, str, float | str]]]]:
    """The ranked relaxation options: (the approach admitted, each group with its relaxed op and value)."""

    def cost(m: int, i: int) -> float | None:
        return _give_up(_strictest(groups[m]), profiles[i])

    ranked = relaxation_options([g.mask for g in groups], len(profiles), cost)
    return [
        (profiles[o.approach], [(groups[m], *_relaxed(_strictest(groups[m]), profiles[o.approach])) for m in o.members])
        for o in ranked
    ]


def _give_up(target: _Target, profile: ApproachProfile) -> float:
    """What relaxing ``target`` just enough for ``profile`` gives up (docs/methodology.md §7.13)."""
    dimension = target.req.dimension
    if dimension in _CHOICE:
        return CHOICE_GIVE_UP
    if dimension == "interpretability":
        return level_give_up(required=int(target.lo), offered=LEVEL[profile.interpretability], levels=len(LEVEL))
    _, value = _relaxed(target, profile)
    bound = target.hi if target.lower_is_better else target.lo
    return give_up(
        bound=float(bound),
        to=float(value),
        lower_is_better=target.lower_is_better,
        unit_interval=dimension == "quality",
    )


def _product(options: Sequence[Sequence[_Group]]) -> list[tuple[_Group, ...]]:
    combos: list[tuple[_Group, ...]] = [()]
    for choices in options:
        combos = [(*combo, choice) for combo in combos for choice in choices]
    return combos


def _holds_contradiction(combo: Sequence[_Group], contradictory: Sequence[frozenset[str]]) -> bool:
    ids = {t.req.id for group in combo for t in group.targets}
    return any(pair <= ids for pair in contradictory)


def _group_text(group: _Group, rules: ConflictRules) -> str:
    return _join([_stated(t.req, rules) for t in group.targets])


def _met_by(mask: int, profiles: Sequence[ApproachProfile]) -> str:
    labels = [p.label for i, p in enumerate(profiles) if mask >> i & 1]
    return f"met by {_join(labels)}" if labels else "met by no candidate approach"


def _infeasible_conflict(
    combo: tuple[_Group, ...],
    fails_only: Mapping[tuple[str, int], Sequence[ApproachProfile]],
    profiles: Sequence[ApproachProfile],
    groups: Sequence[_Group],
    options: Sequence[tuple[ApproachProfile, list[tuple[_Group, str, float | str]]]],
    truncated: bool,
    rules: ConflictRules,
) -> Conflict:
    combo = tuple(sorted(combo, key=lambda g: (_DIMENSION_RANK[g.dimension], g.targets[0].req.id)))
    offered: list[tuple[float, int, Relaxation, str]] = []
    for position, group in enumerate(combo):
        candidates = fails_only.get((group.dimension, group.mask))
        if not candidates:
            continue
        # Every member gets the value that relaxes the strictest one, so all of them pass.
        strictest = _strictest(group)
        best = min(candidates, key=lambda p: _closeness(strictest, p))
        op, value = _relaxed(strictest, best)
        offered.append(
            (
                _give_up(strictest, best),
                position,
                Relaxation(tuple(t.req.id for t in group.targets), group.dimension, op, value, approach=best.key),
                f"Relax the {_DIMENSION_WORDS[group.dimension]} must-have of "
                f"{_who([t.req for t in group.targets], rules)} to {_phrase(strictest.req, op, value)}: "
                f"the {best.label} approach then meets every must-have.",
            )
        )
    # Cheapest first: what each relaxation gives up (docs/methodology.md §7.13), then the order
    # of the dimensions.
    offered.sort(key=lambda o: (o[0], o[1]))
    relaxations = [o[2] for o in offered]
    resolutions = [o[3] for o in offered]
    # Relaxing one member is not always enough: then the cheapest options that relax several
    # must-haves at once, each admitting one approach (docs/methodology.md §7.13).
    if not relaxations:
        for best, changes in options[:2]:
            steps = [
                f"the {_DIMENSION_WORDS[group.dimension]} must-have of {_who([t.req for t in group.targets], rules)} "
                f"to {_phrase(_strictest(group).req, op, value)}"
                for group, op, value in changes
            ]
            resolutions.append(f"Relax {_join(steps)}: the {best.label} approach then meets every must-have.")
    resolutions += rules.infeasible_resolutions

    words = [_DIMENSION_WORDS[group.dimension] for group in combo]
    if len(combo) == 1:
        title = f"No approach meets the {words[0]} must-have"
        explanation = f"No candidate approach meets {_group_text(combo[0], rules)}."
        also = _also_constraining(combo[0], groups, profiles)
        if also:
            closest, others = also
            explanation += (
                f" The approaches that come closest ({_join([p.label for p in closest])}) also fail "
                + _join([_group_text(g, rules) for g in others])
                + ", so those must-haves constrain it too: relaxing this one alone does not admit them."
            )
    else:
        title = f"No approach meets the {_join(words)} must-haves together"
        explanation = (
            "No candidate approach meets these must-haves together: "
            + "; ".join(f"{_group_text(group, rules)}, {_met_by(group.mask, profiles)}" for group in combo)
            + "."
        )
    if truncated:
        explanation += (
            f" Only sets of up to {rules.max_infeasible_set_size} must-haves are listed, and at most "
            f"{MAX_SETS} of them; there may be more."
        )
    return _conflict(
        kind="infeasible_must_haves",
        severity=rules.severity.infeasible,
        title=title,
        explanation=explanation,
        resolutions=resolutions,
        items=[t.req for group in combo for t in group.targets],
        relaxations=tuple(relaxations),
    )


def _also_constraining(
    group: _Group, groups: Sequence[_Group], profiles: Sequence[ApproachProfile]
) -> tuple[list[ApproachProfile], list[_Group]] | None:
    """For a must-have no approach meets alone: the approaches closest to it, and the other
    must-haves they fail (docs/methodology.md §7.13), or None when they fail nothing else."""
    strictest = _strictest(group)
    ranked = sorted(profiles, key=lambda p: _closeness(strictest, p))
    if not ranked:
        return None
    best = _closeness(strictest, ranked[0])[0]
    closest = [p for p in ranked if _closeness(strictest, p)[0] == best]
    index = {p.key: i for i, p in enumerate(profiles)}
    others = [g for g in groups if g is not group and any(not g.mask >> index[p.key] & 1 for p in closest)]
    if not others:
        return None
    return closest, sorted(others, key=lambda g: (_DIMENSION_RANK[g.dimension], g.targets[0].req.id))


def _strictest(group: _Group) -> _Target:
    """The member whose relaxation words the group's (all get the same relaxed value)."""
    if group.dimension in _CHOICE:
        return group.targets[0]
    return min(group.targets, key=lambda t: (t.hi if t.lower_is_better else -t.lo, t.req.id))


def _out_of_reach(
    targets: Sequence[_Target],
    profiles: Sequence[ApproachProfile],
    feasible: int,
    mask_of: Callable[[_Target], int],
    rules: ConflictRules,
) -> list[Conflict]:
    """Rule 2's note: nice-to-haves no approach meeting every must-have reaches."""
    candidates = [p for i, p in enumerate(profiles) if feasible >> i & 1]
    any_must = any(t.req.must_have for t in targets)
    conflicts = []
    for t in targets:
        if t.req.must_have or mask_of(t) & feasible:
            continue
        req = t.req
        if any_must:
            reason = (
                f"none of the approaches that meet every must-have ({_join([p.label for p in candidates])}) reaches it"
            )
        else:
            reason = "no candidate approach reaches it"
        best = min(candidates, key=lambda p: _closeness(t, p))
        op, value = _relaxed(t, best)
        conflicts.append(
            _conflict(
                kind="infeasible_must_haves",
                severity=rules.severity.out_of_reach,
                title=f"The {_DIMENSION_WORDS[req.dimension]} nice-to-have is out of reach",
                explanation=f"{_who([req], rules)} would like {_stated_bare(req)}, but {reason}.",
                resolutions=(
                    f"Relax it to {_phrase(req, op, value)}: the {best.label} approach reaches that and meets every "
                    "must-have.",
                    *rules.out_of_reach_resolutions,
                ),
                items=[req],
                rule="nice_to_have_out_of_reach",
                relaxations=(Relaxation((req.id,), req.dimension, op, value, approach=best.key),),
            )
        )
    return conflicts
