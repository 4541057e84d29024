"""A requirement read as the values it allows (docs/methodology.md §6.2).

An approach profile states the best an approach achieves, and an approach can always do worse on
purpose (answer later, retrain less often, explain less). So on a numeric dimension only a bound
on the better side is a target ("latency <= 100 ms"); a bound on the worse side ("latency >= 500
ms is fine") states a tolerance and allows everything, and ``==`` reads as the bound on the better
side. Freshness and time to release are two-sided: there both bounds carry a reason ("retrain no
more often than every 30 days", "no release before 6 months"), and ``==`` pins the value.
Interpretability levels are one-sided the same way (an approach that explains each prediction
also explains the model). Deployment and data residency are choices: the set of values allowed.

The conflict detector and the trade-off engine both read requirements through ``read_target``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from domain.vocabulary import CHOICE, DIMENSION, INTERPRETABILITY_LEVELS, OPS, lower_is_better
from domain.yamlcheck import is_number

# Requirements are often typed as the very figure a profile states (quality 0.9 against 0.9);
# float noise must not turn that into a miss.
EPS = 1e-9

LEVEL = {level: i for i, level in enumerate(INTERPRETABILITY_LEVELS)}  # interpretability as a number


class Stated(Protocol):
    """What a requirement states, in the dimension's canonical unit (both engines' Requirement)."""

    @property
    def id(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def value(self) -> float | str | tuple[str, ...]: ...
    @property
    def metric(self) -> str: ...


R = TypeVar("R", bound=Stated)


@dataclass(frozen=True)
class Target(Generic[R]):
    """A binding requirement: the closed interval it allows (numbers, and interpretability levels
    as their index in INTERPRETABILITY_LEVELS) or the set of choices it allows."""

    req: R
    lower_is_better: bool = False
    lo: float = -math.inf
    hi: float = math.inf
    allowed: frozenset[str] = frozenset()

    @property
    def bound(self) -> float:
        """The bound on the better side: infinite when only the worse side binds (a two-sided
        dimension's "no more often than", "not before")."""
        return self.hi if self.lower_is_better else self.lo


def read_target(req: R) -> Target[R] | None:
    """The values ``req`` allows, or None when it only states a tolerance.

    Raises ValueError naming the requirement for an unknown dimension, an op the dimension does
    not take, or a value it cannot hold.
    """
    spec = DIMENSION.get(req.dimension)
    if spec is None:
        raise ValueError(f"requirement {req.id}: unknown dimension '{req.dimension}'")
    if req.op not in OPS:
        raise ValueError(f"requirement {req.id}: unknown op '{req.op}'")
    if spec.better == CHOICE:
        if req.op not in ("==", "in"):
            raise ValueError(f"requirement {req.id}: {req.dimension} takes '==' or 'in'")
        return Target(req, allowed=frozenset(choice_values(req, spec.values)))
    if spec.values:  # interpretability: levels
        levels = choice_values(req, spec.values)
        if req.op == "<=":
            return None  # the most explanation tolerated: every approach can explain less
        return Target(req, lo=min(LEVEL[level] for level in levels))
    if req.op == "in":
        raise ValueError(f"requirement {req.id}: {req.dimension} takes '<=', '>=' or '=='")
    if not is_number(req.value):
        raise ValueError(f"requirement {req.id}: {req.dimension} needs a finite number")
    v = float(req.value)  # type: ignore[arg-type]
    lower = lower_is_better(req.dimension, req.metric)
    lo, hi = (v, v) if req.op == "==" else (-math.inf, v) if req.op == "<=" else (v, math.inf)
    if not spec.two_sided:
        if req.op == (">=" if lower else "<="):
            return None
        lo, hi = (-math.inf, hi) if lower else (lo, math.inf)
    return Target(req, lower_is_better=lower, lo=lo, hi=hi)


def choice_values(req: Stated, known: Sequence[str] = ()) -> tuple[str, ...]:
    """The requirement's level or choice values, checked against ``known`` when given."""
    raw = req.value if req.op == "in" else (req.value,)
    if not isinstance(raw, tuple | list) or not raw:
        raise ValueError(f"requirement {req.id}: 'in' needs a non-empty list of values")
    values = tuple(v for v in raw if isinstance(v, str) and v)
    if len(values) != len(raw):
        raise ValueError(f"requirement {req.id}: {req.dimension} values must be non-empty strings")
    for v in values:
        if known and v not in known:
            raise ValueError(f"requirement {req.id}: unknown {req.dimension} '{v}' (known: {', '.join(known)})")
    return values
