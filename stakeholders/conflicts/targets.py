"""Requirements as the values they allow (domain.targets), checked against approach profiles."""

from __future__ import annotations

from domain.approaches import ApproachProfile
from domain.targets import EPS, LEVEL, Target
from domain.vocabulary import CHOICE, DIMENSION_SPECS
from stakeholders.conflicts.model import Requirement

_Target = Target[Requirement]

_CHOICE = frozenset(d.key for d in DIMENSION_SPECS if d.better == CHOICE)
# The approach-profile figure each numeric dimension is checked against (rule 2).
_PROFILE_FIGURE = {d.key: d.figure for d in DIMENSION_SPECS if d.numeric and d.figure is not None}


def _meets(profile: ApproachProfile, target: _Target) -> bool:
    """Whether the approach can satisfy the requirement (rule 2: only the better side binds)."""
    dimension = target.req.dimension
    if dimension == "deployment":
        return not target.allowed.isdisjoint(profile.deployments)
    if dimension == "privacy":
        return not profile.residency or not target.allowed.isdisjoint(profile.residency)
    if dimension == "interpretability":
        return LEVEL[profile.interpretability] >= target.lo
    figure = _PROFILE_FIGURE.get(dimension)
    if figure is None or (dimension == "quality" and target.lower_is_better):
        return True
    x = getattr(profile, figure)
    if x is None:  # a profile that states no such figure rules nothing out
        return True
    return x <= target.hi + EPS if target.lower_is_better else x >= target.lo - EPS


def _relaxed(target: _Target, profile: ApproachProfile) -> tuple[str, float | str]:
    """The (op, value) of ``target`` loosened just enough for ``profile`` to meet it.

    Only asked of a profile that fails ``target``, so it states the figure (and likewise below).
    """
    dimension = target.req.dimension
    if dimension == "deployment":
        return "==", profile.deployments[0]
    if dimension == "privacy":
        return "==", profile.residency[0]
    if dimension == "interpretability":
        return ">=", profile.interpretability
    x = float(getattr(profile, _PROFILE_FIGURE[dimension]))
    return ("<=", x) if target.lower_is_better else (">=", x)


def _closeness(target: _Target, profile: ApproachProfile) -> tuple[float, str]:
    """Sort key: the profile that needs the smallest relaxation of ``target`` first."""
    dimension = target.req.dimension
    if dimension in _CHOICE:
        return 0.0, profile.key
    if dimension == "interpretability":
        return -LEVEL[profile.interpretability], profile.key
    x = float(getattr(profile, _PROFILE_FIGURE[dimension]))
    return (x if target.lower_is_better else -x), profile.key
