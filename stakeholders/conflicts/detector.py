"""``detect``: every rule run over the inputs, and the conflicts in a fixed order."""

from __future__ import annotations

from collections.abc import Sequence

from domain.approaches import ApproachProfile
from domain.targets import LEVEL, read_target
from domain.vocabulary import DEPLOYMENTS, DIRECTIONS
from stakeholders.conflicts.bounds import _bounds
from stakeholders.conflicts.competing import _competing
from stakeholders.conflicts.contradictions import _contradictions
from stakeholders.conflicts.infeasible import _infeasible
from stakeholders.conflicts.mismatch import _suitability
from stakeholders.conflicts.model import _KIND_RANK, _SEVERITY_RANK, Conflict, Objective, Requirement, SuitabilityFacts
from stakeholders.conflicts.rules import ConflictRules, _default_rules


def detect(
    requirements: Sequence[Requirement],
    objectives: Sequence[Objective],
    profiles: Sequence[ApproachProfile],
    facts: SuitabilityFacts | None = None,
    rules: ConflictRules | None = None,
) -> list[Conflict]:
    """Every conflict among the requirements and objectives, sorted (see the package docstring).

    Raises ValueError for a requirement, objective or profile that is malformed (an unknown
    dimension, an op the dimension does not take, a duplicate id), naming it.
    """
    if rules is None:
        rules = _default_rules()
    _check_unique(requirements, "requirement")
    _check_objectives(objectives)
    _check_profiles(profiles)
    targets = [t for t in (read_target(req) for req in requirements) if t is not None]

    contradictions = _contradictions(targets, rules)
    conflicts = [conflict for conflict, _ in contradictions]
    contradictory = [frozenset(pair) for _, pair in contradictions]
    conflicts += _infeasible(targets, profiles, contradictory, rules)
    conflicts += _competing(objectives, rules, facts)
    conflicts += _bounds(targets, objectives, profiles, conflicts, rules)
    if facts is not None:
        conflicts += _suitability(requirements, targets, facts, rules)
    return sorted(conflicts, key=lambda c: (_SEVERITY_RANK[c.severity], _KIND_RANK[c.kind], c.fingerprint))


def _check_unique(items: Sequence[Requirement] | Sequence[Objective], what: str) -> None:
    # The ids make the fingerprint: two rows with one id would share conflicts they do not share.
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} {item.id}: duplicate id")
        seen.add(item.id)


def _check_objectives(objectives: Sequence[Objective]) -> None:
    _check_unique(objectives, "objective")
    for objective in objectives:
        if objective.direction not in DIRECTIONS:
            raise ValueError(f"objective {objective.id}: direction must be one of {', '.join(DIRECTIONS)}")


def _check_profiles(profiles: Sequence[ApproachProfile]) -> None:
    for profile in profiles:
        if profile.interpretability not in LEVEL:
            raise ValueError(f"profile {profile.key}: unknown interpretability '{profile.interpretability}'")
        if not set(profile.deployments) <= set(DEPLOYMENTS):
            raise ValueError(f"profile {profile.key}: deployments must be among {', '.join(DEPLOYMENTS)}")
