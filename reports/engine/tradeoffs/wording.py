"""The trade-off report's words: figures with their units, requirements as stated, people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.approaches import Approach
from reports.engine.tradeoffs.figures import _profile_number
from reports.engine.tradeoffs.model import Requirement, Stakeholder

# Each dimension in a sentence: "p95 latency <= 100 ms".
_DIMENSION_WORDS = {
    "quality": "quality",
    "latency": "p95 latency",
    "throughput": "throughput",
    "cost": "running cost",
    "interpretability": "interpretability",
    "fairness": "fairness",
    "freshness": "retraining cadence",
    "deployment": "deployment target",
    "model_size": "model size",
    "privacy": "data residency",
    "time_to_release": "time to first release",
}
_UNITS = {"latency": " ms", "cost": " a month", "model_size": " MB", "freshness": " days", "time_to_release": " months"}


def _num(x: float) -> str:
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _amount(dimension: str, x: float) -> str:
    """A figure with its unit; latencies of a minute or more (a person in the loop answers in
    hours) also in minutes or hours, since "3,600,000 ms" says little to anyone."""
    text = _num(x) + _UNITS.get(dimension, "")
    if dimension == "latency" and x >= 60_000:
        minutes = x / 60_000
        text += f" ({_num(round(minutes))} min)" if minutes < 120 else f" ({_num(round(minutes / 60, 1))} h)"
    return text


def _stated(req: Requirement) -> str:
    value = req.value
    if isinstance(value, tuple | list):
        shown = " or ".join(str(v).replace("_", " ") for v in value)
    elif isinstance(value, str):
        shown = value.replace("_", " ")
    else:
        shown = _amount(req.dimension, float(value))
    words = req.metric if req.dimension == "quality" and req.metric else _DIMENSION_WORDS[req.dimension]
    return f"{words} {req.op} {shown}"


def _shown(approach: Approach, dimension: str, quality: Mapping[str, float]) -> str:
    if dimension == "deployment":
        return ", ".join(approach.deployments)
    if dimension == "privacy":
        return ", ".join(approach.residency) or "wherever it is hosted"
    if dimension == "interpretability":
        return approach.interpretability.replace("_", " ")
    return _amount(dimension, round(_profile_number(approach, dimension, quality), 2))


def _join(words: Sequence[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _who(s: Stakeholder) -> str:
    return f"{s.name} ({s.role})" if s.role else s.name
