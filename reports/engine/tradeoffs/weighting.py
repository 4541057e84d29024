"""Stakeholders' requirements and objectives as targets and weights on the criteria (the
"Reading a requirement" and "Criteria and weights" paragraphs of the package docstring)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.targets import Target, read_target
from domain.vocabulary import DIRECTIONS
from domain.yamlcheck import is_number
from reports.engine.tradeoffs.figures import _CHOICE, _FIGURE_DIMENSIONS
from reports.engine.tradeoffs.model import (
    BENEFIT,
    COST,
    LINEAR,
    LOG,
    Contribution,
    CriterionUsed,
    Objective,
    Requirement,
    Stakeholder,
)
from reports.engine.tradeoffs.wording import _DIMENSION_WORDS


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    label: str
    direction: str  # BENEFIT | COST
    scale: str  # LINEAR | LOG: compared on log10(1 + x), see rule 2
    unit: str


CRITERIA = (
    CriterionSpec("quality", "Quality", BENEFIT, LINEAR, "relative quality at the labelled examples in hand, 0 to 1"),
    CriterionSpec("latency", "Latency (p95)", COST, LOG, "ms"),
    CriterionSpec("cost", "Running cost", COST, LOG, "per month"),
    CriterionSpec("interpretability", "Interpretability", BENEFIT, LINEAR, "0 none, 1 global, 2 per prediction"),
    CriterionSpec("model_size", "Model size", COST, LOG, "MB"),
    CriterionSpec("freshness", "Retraining cadence", COST, LOG, "days between retrainings, at the fastest"),
    CriterionSpec("maintenance", "Retraining effort", COST, LINEAR, "engineer-days per retraining"),
    CriterionSpec("time_to_release", "Time to first release", COST, LINEAR, "months"),
    CriterionSpec("deployment", "Deployment target", BENEFIT, LINEAR, "share of deployment requirements met"),
    CriterionSpec("privacy", "Data residency", BENEFIT, LINEAR, "share of residency requirements met"),
)
_CRITERION = {c.key: c for c in CRITERIA}
# Deployment and privacy only mean something once someone states where; the rest always apply.
DEFAULT_CRITERIA = tuple(c.key for c in CRITERIA if c.key not in ("deployment", "privacy"))

# Objective names (the stakeholder questionnaire's, and a few synonyms) -> the criterion they
# weigh. A better model earns more relevance, engagement, revenue and fees; margin is what the
# system costs to run (the manager of docs/methodology.md §6); stability is fewer, cheaper model updates.
OBJECTIVE_CRITERIA = {
    "accuracy": "quality",
    "quality": "quality",
    "relevance": "quality",
    "engagement": "quality",
    "revenue": "quality",
    "fees": "quality",
    "speed": "latency",
    "latency": "latency",
    "low_cost": "cost",
    "cost": "cost",
    "margin": "cost",
    "stability": "maintenance",
    "interpretability": "interpretability",
    "explainability": "interpretability",
    "freshness": "freshness",
}


@dataclass(frozen=True)
class _Item:
    stakeholder: Stakeholder
    id: str
    kind: str  # "requirement" | "objective"
    weight: float
    criterion: str | None  # the criterion it weighs; None: none (``note`` says why)
    target: Target[Requirement] | None  # set for requirements checked against a profile figure
    requirement: Requirement | None
    note: str = ""


def _read_requirement(s: Stakeholder, req: Requirement) -> _Item:
    target = read_target(req)  # raises ValueError naming a malformed requirement
    weight = _weight(req.weight, f"requirement {req.id}")

    def item(criterion: str | None, target: Target[Requirement] | None, note: str = "") -> _Item:
        return _Item(s, req.id, "requirement", weight, criterion, target, req, note)

    dim = req.dimension
    if dim in _CHOICE:
        return item(dim, target)
    if dim == "interpretability":
        if target is None:
            return item(None, None, "states the most explanation tolerated; every approach can explain less")
        return item(dim, target)
    # Only the worse side binds: a tolerance, or on freshness and time to release a floor.
    if target is None or math.isinf(target.bound):
        if dim == "freshness":
            return item("maintenance", None)  # model updates held back: fewer, cheaper retrainings
        return item(None, None, "states a tolerance on the worse side, which every approach can meet by design")
    if dim not in _FIGURE_DIMENSIONS:
        return item(None, None, f"no approach profile gives a {_DIMENSION_WORDS[dim]} figure")
    if dim == "quality" and target.lower_is_better:
        return item(dim, None)  # profiles give relative quality, not an error figure
    return item(dim, target)


def _read_objective(s: Stakeholder, objective: Objective) -> _Item:
    where = f"objective {objective.id}"
    if objective.direction not in DIRECTIONS:
        raise ValueError(f"{where}: direction must be one of {', '.join(DIRECTIONS)}")
    weight = _weight(objective.weight, where)
    criterion = OBJECTIVE_CRITERIA.get(objective.name.strip().lower())
    note = "" if criterion else f"no criterion measures '{objective.name}'"
    return _Item(s, objective.id, "objective", weight, criterion, None, None, note)


def _weight(value: Any, where: str) -> float:
    if not is_number(value) or value < 0:
        raise ValueError(f"{where}: weight must be a number of 0 or more")
    return float(value)


def _items(stakeholders: Sequence[Stakeholder]) -> list[_Item]:
    items = []
    for s in stakeholders:
        items += [_read_requirement(s, req) for req in s.requirements]
        items += [_read_objective(s, o) for o in s.objectives]
    return items


def _by_stakeholder(items: Sequence[_Item]) -> dict[str, list[_Item]]:
    grouped: dict[str, list[_Item]] = defaultdict(list)
    for i in items:
        grouped[i.stakeholder.id].append(i)
    return grouped


def _criteria(stakeholders: Sequence[Stakeholder], items: Sequence[_Item]) -> tuple[list[CriterionUsed], str]:
    """The criteria in use with their weights, and how they were derived."""
    shares: dict[str, list[Contribution]] = defaultdict(list)
    by_stakeholder = _by_stakeholder(items)
    weighing = 0
    for s in stakeholders:
        own = [i for i in by_stakeholder[s.id] if i.criterion and i.weight > 0]
        total = sum(i.weight for i in own)
        if total <= 0:
            continue
        weighing += 1
        per: dict[str, list[_Item]] = defaultdict(list)
        for i in own:
            per[i.criterion].append(i)  # type: ignore[index]
        for key, held in per.items():
            shares[key].append(Contribution(s.id, s.name, sum(i.weight for i in held) / total, [i.id for i in held]))
    if not weighing:
        n = len(DEFAULT_CRITERIA)
        used = [_used(_CRITERION[key], 1 / n, []) for key in DEFAULT_CRITERIA]
        return used, "Equal weights over the default criteria: no stakeholder has weighed any criterion yet."
    used = [
        _used(spec, sum(c.share for c in shares[spec.key]) / weighing, shares[spec.key])
        for spec in CRITERIA
        if shares.get(spec.key)
    ]
    how = (
        "Each stakeholder's requirement and objective weights are summed per criterion and scaled to sum to 1, "
        "so everyone has an equal say however many requirements they state; a criterion's weight is the mean "
        f"of those shares over the {weighing} stakeholder{'s' if weighing != 1 else ''} who weigh any criterion. "
        "Must-haves count with their weight and are also hard filters."
    )
    return used, how


def _used(spec: CriterionSpec, weight: float, contributions: list[Contribution]) -> CriterionUsed:
    return CriterionUsed(spec.key, spec.label, spec.direction, spec.scale, spec.unit, weight, contributions)
