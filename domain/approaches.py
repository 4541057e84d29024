"""Candidate approaches and their profiles (docs/methodology.md §7.1): the type, its loader, and
the conflict detector's view of a profile.

The catalogue is data: ``approaches/definitions/approaches.yaml`` (units in its header),
published as versioned ApproachSets that an admin may edit (approaches.versions). Both the
trade-off reports and the conflict detector read the latest published version, so an edit
changes the reports' must-have filter and the detector's infeasible must-haves alike.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from domain.vocabulary import DEPLOYMENTS, INTERPRETABILITY_LEVELS
from domain.yamlcheck import as_bool, as_list, as_number, as_text, as_version, check_keys

# The catalogue's source file, which the approaches app publishes as its first version.
APPROACHES_PATH = Path(__file__).resolve().parent.parent / "approaches" / "definitions" / "approaches.yaml"


@dataclass(frozen=True)
class QualityPoint:
    examples: float
    quality: float


@dataclass(frozen=True)
class Approach:
    """A candidate approach and its profile (units in approaches.yaml's header)."""

    key: str
    label: str
    description: str
    ml: bool  # False for the options without machine learning
    needs_labels: bool
    latency_ms: float
    data_needed: float
    interpretability: str  # the best level it offers
    cost_per_month: float
    size_mb: float
    retrain_effort: float  # engineer-days per retraining
    min_retrain_days: float
    months_to_release: float
    quality_by_examples: tuple[QualityPoint, ...]
    deployments: tuple[str, ...]
    residency: tuple[str, ...] = ()  # empty: hosted by the team, so it runs wherever data must stay
    reasons: dict[str, str] = field(default_factory=dict)  # profile figure -> where it comes from


_FIGURES = (
    "latency_ms",
    "data_needed",
    "interpretability",
    "cost_per_month",
    "size_mb",
    "retrain_effort",
    "min_retrain_days",
    "months_to_release",
    "quality_by_examples",
    "deployments",
)
_NUMBER_FIGURES = frozenset(_FIGURES) - {"interpretability", "quality_by_examples", "deployments"}
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def approaches_from_file(path: str | Path = APPROACHES_PATH) -> tuple[Approach, ...]:
    """Read and check an approaches file; raise ValueError naming the first bad key."""
    with open(path, encoding="utf-8") as fh:
        return load_approaches(yaml.safe_load(fh))


def load_approaches(data: Any) -> tuple[Approach, ...]:
    """Build the approaches from the parsed YAML, refusing unknown keys and impossible values.

    Each report freezes the definition it is computed with, so a batch of reports reads the same
    one hundreds of times: each distinct definition is checked and built once per process (its
    JSON text is the key; the approaches are never changed once built). That took a seventh of a
    report job's time.
    """
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):  # not JSON at all: the checks say what is wrong with it
        return _build_approaches(data)
    return _approaches_of_json(text)


@lru_cache(maxsize=16)
def _approaches_of_json(text: str) -> tuple[Approach, ...]:
    return _build_approaches(json.loads(text))


def _build_approaches(data: Any) -> tuple[Approach, ...]:
    check_keys(data, "approaches file", required={"version", "approaches"})
    as_version(data["version"], "approaches file")
    entries = as_list(data["approaches"], "approaches")
    if not entries:
        raise ValueError("approaches: list at least one approach")
    approaches: list[Approach] = []
    for i, entry in enumerate(entries):
        check_keys(entry, f"approaches[{i}]", required={"key", "label", "description", "ml", "needs_labels", "profile"})
        key = entry["key"]
        if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
            raise ValueError(f"approaches[{i}].key: expected lower_snake_case, got {key!r}")
        where = f"approaches.{key}"
        if any(a.key == key for a in approaches):
            raise ValueError(f"{where}: duplicate key")
        profile = entry["profile"]
        check_keys(profile, f"{where}.profile", required=set(_FIGURES), optional={"residency"})
        values: dict[str, Any] = {}
        reasons: dict[str, str] = {}
        for name, figure in profile.items():
            at = f"{where}.profile.{name}"
            check_keys(figure, at, required={"value", "reason"})
            reasons[name] = as_text(figure["reason"], f"{at}.reason")
            values[name] = _figure(name, figure["value"], f"{at}.value")
        approaches.append(
            Approach(
                key=key,
                label=as_text(entry["label"], f"{where}.label"),
                description=as_text(entry["description"], f"{where}.description"),
                ml=as_bool(entry["ml"], f"{where}.ml"),
                needs_labels=as_bool(entry["needs_labels"], f"{where}.needs_labels"),
                reasons=reasons,
                **values,
            )
        )
    return tuple(approaches)


def _figure(name: str, value: Any, where: str) -> Any:
    if name in _NUMBER_FIGURES:
        return as_number(value, where)
    if name == "interpretability":
        if value not in INTERPRETABILITY_LEVELS:
            raise ValueError(f"{where}: expected one of {', '.join(INTERPRETABILITY_LEVELS)}, got {value!r}")
        return value
    if name == "deployments":
        targets = tuple(as_text(v, where) for v in as_list(value, where))
        if not targets or any(t not in DEPLOYMENTS for t in targets) or len(set(targets)) != len(targets):
            raise ValueError(f"{where}: expected distinct values among {', '.join(DEPLOYMENTS)}")
        return targets
    if name == "residency":
        regions = tuple(as_text(v, where) for v in as_list(value, where))
        if not regions:
            raise ValueError(f"{where}: list at least one region, or leave residency out")
        return regions
    return _quality_points(value, where)


def _quality_points(value: Any, where: str) -> tuple[QualityPoint, ...]:
    points = []
    for i, raw in enumerate(as_list(value, where)):
        check_keys(raw, f"{where}[{i}]", required={"examples", "quality"})
        quality = as_number(raw["quality"], f"{where}[{i}].quality")
        if quality > 1:
            raise ValueError(f"{where}[{i}].quality: expected a number from 0 to 1")
        points.append(QualityPoint(as_number(raw["examples"], f"{where}[{i}].examples"), quality))
    if not points or points[0].examples != 0:
        raise ValueError(f"{where}: the first point must be at 0 examples")
    if any(b.examples <= a.examples for a, b in itertools.pairwise(points)):
        raise ValueError(f"{where}: examples must increase from point to point")
    return tuple(points)


def quality_at(approach: Approach, examples: float) -> float:
    """Quality potential at ``examples`` labels: linear in log10(1 + examples), ends held."""
    x = math.log10(1 + max(examples, 0.0))
    points = approach.quality_by_examples
    for a, b in itertools.pairwise(points):
        xb = math.log10(1 + b.examples)
        if x <= xb:
            xa = math.log10(1 + a.examples)
            return a.quality + (b.quality - a.quality) * (x - xa) / (xb - xa)
    return points[-1].quality


# --------------------------------------------------------------------------------------------
# The conflict detector's view


@dataclass(frozen=True)
class ApproachProfile:
    """What the conflict detector reads of an approach: the best it achieves on each dimension."""

    key: str
    label: str
    latency_ms: float
    interpretability: str  # the best level it offers
    size_mb: float
    cost_per_month: float
    quality: float  # relative quality potential, 0 to 1
    min_retrain_days: float  # the fastest realistic retraining cadence
    deployments: tuple[str, ...]
    needs_labels: bool
    # Where it can keep data (regions or "on_premises"); empty for approaches the team hosts
    # itself, which can run wherever the data must stay. A third-party API lists its regions.
    residency: tuple[str, ...] = ()
    months_to_release: float | None = None  # None: not stated, so it rules nothing out


def profile_of(approach: Approach) -> ApproachProfile:
    """The detector's profile of a catalogue approach.

    The detector asks whether any approach can meet the must-haves together at all, before
    anyone knows how many labels there will be, so its quality is the best on the approach's
    curve. The report reads the curve at the labels in hand (quality_at), and the detector's
    suitability checks flag a quality target on few labels.
    """
    return ApproachProfile(
        key=approach.key,
        label=approach.label,
        latency_ms=approach.latency_ms,
        interpretability=approach.interpretability,
        size_mb=approach.size_mb,
        cost_per_month=approach.cost_per_month,
        quality=max(point.quality for point in approach.quality_by_examples),
        min_retrain_days=approach.min_retrain_days,
        deployments=approach.deployments,
        needs_labels=approach.needs_labels,
        residency=approach.residency,
        months_to_release=approach.months_to_release,
    )
