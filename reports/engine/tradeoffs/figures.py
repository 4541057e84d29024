"""An approach's figure on each dimension the trade-off engine compares it on."""

from __future__ import annotations

from collections.abc import Mapping

from domain.approaches import Approach
from domain.vocabulary import CHOICE, DIMENSION_SPECS

_CHOICE = frozenset(d.key for d in DIMENSION_SPECS if d.better == CHOICE)
# The profile figure each numeric dimension is checked against; quality is read off the curve
# (quality_at). Throughput and fairness have none, so they filter nothing.
_PROFILE_FIGURE = {
    d.key: d.figure for d in DIMENSION_SPECS if d.numeric and d.figure is not None and d.key != "quality"
}
_FIGURE_DIMENSIONS = frozenset({"quality", *_PROFILE_FIGURE})


def _profile_number(approach: Approach, dimension: str, quality: Mapping[str, float]) -> float:
    """The approach's figure on a numeric dimension; ``quality``: each approach's quality_at the
    proposal's labelled examples, computed once per report."""
    if dimension == "quality":
        return quality[approach.key]
    return getattr(approach, _PROFILE_FIGURE[dimension])
