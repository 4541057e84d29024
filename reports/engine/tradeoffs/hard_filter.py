"""The hard filter (rule 1 of the package docstring, docs/methodology.md §7.2): which approaches
fail a must-have or lack the labels they need, and what to relax when every one of them does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.approaches import Approach
from domain.targets import EPS, LEVEL
from domain.yamlcheck import is_number
from reports.engine.tradeoffs.figures import _profile_number
from reports.engine.tradeoffs.model import Failure, FilteredApproach, Relaxation
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


def _relaxations(filtered: Sequence[FilteredApproach], by_key: Mapping[str, Approach]) -> list[Relaxation]:
    """The approaches that fail the fewest must-haves (and nothing else), and what to relax for each."""
    relaxable = [f for f in filtered if all(x.kind == "must_have" for x in f.failures)]
    if not relaxable:
        return []
    fewest = min(len(f.failures) for f in relaxable)
    found = []
    for f in relaxable:
        if len(f.failures) != fewest:
            continue
        steps = [f"{x.stakeholder_name}'s must-have ({x.stated}) to {x.approach_value}" for x in f.failures]
        found.append(
            Relaxation(
                approach=f.key,
                label=f.label,
                must_haves=f.failures,
                text=f"Relax {_join(steps)}, and {by_key[f.key].label} meets every must-have.",
            )
        )
    return found
