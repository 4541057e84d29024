"""Candidate approaches and their profiles (docs/methodology.md §7.1): the type, its loader, and
the conflict detector's view of a profile.

The catalogue is data: ``approaches/definitions/approaches.yaml`` (units in its header),
published as versioned ApproachSets that an admin may edit (approaches.versions). Both the
trade-off reports and the conflict detector read the latest published version, so an edit
changes the reports' must-have filter and the detector's infeasible must-haves alike.

Each approach's base profile holds for a problem of no particular kind; ``by_family`` and
``by_complexity`` adjust it to the problem (docs/methodology.md §7.12): ``profiles_for(problem,
approaches)`` reads the task family, the labelled examples and the pattern complexity from the
suitability answers (``problem_from_answers``) and returns the approaches with their figures for
that problem, each with its reason. The conflict detector and the trade-off report both call it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from domain.vocabulary import DEPLOYMENTS, INTERPRETABILITY_LEVELS
from domain.yamlcheck import as_bool, as_list, as_mapping, as_number, as_text, as_version, check_keys, is_number

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
    # Task family -> the figures that differ from the base profile for it, and their reasons
    # (docs/methodology.md §7.12), applied by profiles_for.
    by_family: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_family_reasons: dict[str, dict[str, str]] = field(default_factory=dict)
    # Pattern complexity (the rule_complexity answer) -> (shift of every quality point, reason).
    by_complexity: dict[str, tuple[float, str]] = field(default_factory=dict)


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

# The task families a profile may be conditioned on (the suitability question ``task_family``,
# docs/methodology.md §7.12); "other" (something else, a mix, or not answered) is the base profile.
TASK_FAMILIES = ("tabular", "text", "image", "audio", "ranking", "time_series", "other")
TASK_FAMILY_LABELS = {
    "tabular": "records in tables",
    "text": "text",
    "image": "images or video",
    "audio": "audio or speech",
    "ranking": "ranking or recommendation",
    "time_series": "time series",
    "other": "another kind of task, or a mix",
}
# The rule_complexity answers (docs/methodology.md §2.2) a quality curve may be shifted for.
COMPLEXITIES = ("table", "few_rules", "many_rules", "cannot_write")
COMPLEXITY_LABELS = {
    "table": "a pattern a small table or a fixed formula captures",
    "few_rules": "a pattern a handful of clear rules capture",
    "many_rules": "a pattern of many rules with exceptions",
    "cannot_write": "a pattern nobody could write down",
}


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
        check_keys(
            entry,
            f"approaches[{i}]",
            required={"key", "label", "description", "ml", "needs_labels", "profile"},
            optional={"by_family", "by_complexity"},
        )
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
        by_family, by_family_reasons = _by_family(entry.get("by_family", {}), f"{where}.by_family")
        by_complexity = _by_complexity(entry.get("by_complexity", {}), f"{where}.by_complexity")
        approaches.append(
            Approach(
                key=key,
                label=as_text(entry["label"], f"{where}.label"),
                description=as_text(entry["description"], f"{where}.description"),
                ml=as_bool(entry["ml"], f"{where}.ml"),
                needs_labels=as_bool(entry["needs_labels"], f"{where}.needs_labels"),
                reasons=reasons,
                by_family=by_family,
                by_family_reasons=by_family_reasons,
                by_complexity=by_complexity,
                **values,
            )
        )
    return tuple(approaches)


def _by_family(raw: Any, where: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """Per task family, the figures that differ from the base profile; unknown families and
    figures are refused by name (a typo would silently keep the base figure)."""
    values: dict[str, dict[str, Any]] = {}
    reasons: dict[str, dict[str, str]] = {}
    for family, figures in as_mapping(raw, where).items():
        if family not in TASK_FAMILIES or family == "other":
            known = ", ".join(f for f in TASK_FAMILIES if f != "other")
            raise ValueError(f"{where}: unknown task family '{family}' (known: {known}; 'other' is the base profile)")
        at = f"{where}.{family}"
        figures = as_mapping(figures, at)
        if not figures:
            raise ValueError(f"{at}: give at least one figure, or leave the family out")
        for name in figures:
            if name not in _FIGURES:
                raise ValueError(f"{at}: unknown figure '{name}' (known: {', '.join(_FIGURES)})")
        values[family], reasons[family] = {}, {}
        for name, figure in figures.items():
            check_keys(figure, f"{at}.{name}", required={"value", "reason"})
            reasons[family][name] = as_text(figure["reason"], f"{at}.{name}.reason")
            values[family][name] = _figure(name, figure["value"], f"{at}.{name}.value")
    return values, reasons


def _by_complexity(raw: Any, where: str) -> dict[str, tuple[float, str]]:
    shifts: dict[str, tuple[float, str]] = {}
    for complexity, figures in as_mapping(raw, where).items():
        if complexity not in COMPLEXITIES:
            raise ValueError(f"{where}: unknown pattern complexity '{complexity}' (known: {', '.join(COMPLEXITIES)})")
        at = f"{where}.{complexity}"
        check_keys(figures, at, required={"quality_shift"})
        check_keys(figures["quality_shift"], f"{at}.quality_shift", required={"value", "reason"})
        value = figures["quality_shift"]["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
            raise ValueError(f"{at}.quality_shift.value: expected a number from -1 to 1, got {value!r}")
        shifts[complexity] = (float(value), as_text(figures["quality_shift"]["reason"], f"{at}.quality_shift.reason"))
    return shifts


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
# Profiles conditioned on the problem (docs/methodology.md §7.12)


@dataclass(frozen=True)
class Problem:
    """What the profiles depend on, from the suitability answers."""

    task_family: str = "other"  # one of TASK_FAMILIES; "other" reads the base profiles
    labelled_examples: float = 0.0  # the labels at hand (the report reads each curve there)
    complexity: str | None = None  # the rule_complexity answer, None when not given
    answered: bool = False  # whether the task family was answered at all

    @property
    def family_label(self) -> str:
        return TASK_FAMILY_LABELS.get(self.task_family, self.task_family)

    def describe(self) -> str:
        """The problem the figures were read for, in one sentence (the report's inputs)."""
        if not self.answered:
            return (
                "The task family was not answered (the assessment predates the question, or there is none), so the "
                "general profiles are used: the figures for a task of no particular kind, as before profiles "
                "depended on the problem."
            )
        parts = [_TASK_PHRASES.get(self.task_family, f"a task on {self.family_label}")]
        parts.append(f"{_count(self.labelled_examples)} labelled examples at hand")
        if self.complexity in COMPLEXITY_LABELS:
            parts.append(COMPLEXITY_LABELS[self.complexity])
        return "The approaches' figures are read for " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."


_TASK_PHRASES = {
    "ranking": "a ranking or recommendation task",
    "time_series": "a time series to forecast",
    "other": "another kind of task, or a mix (the general profiles)",
}


def _count(examples: float) -> str:
    return f"{examples:,.0f}" if examples else "no"


def labelled_examples_of(answers: Mapping[str, Any]) -> float:
    """The labels at hand: ``labelled_examples``, or ``example_count`` when every example is
    labelled, else 0 (labels that could be made are not labels yet)."""
    count = answers.get("labelled_examples")
    if is_number(count):
        return max(float(count), 0.0)
    examples = answers.get("example_count")
    if answers.get("labels_available") in ("all", "yes") and is_number(examples):
        return max(float(examples), 0.0)
    return 0.0


def problem_from_answers(answers: Mapping[str, Any]) -> Problem:
    """The problem as the suitability answers (or the detector's stored facts) state it."""
    family = answers.get("task_family")
    complexity = answers.get("rule_complexity")
    return Problem(
        task_family=family if family in TASK_FAMILIES else "other",
        labelled_examples=labelled_examples_of(answers),
        complexity=complexity if complexity in COMPLEXITIES else None,
        answered=family in TASK_FAMILIES,
    )


def profiles_for(problem: Problem, approaches: Sequence[Approach]) -> tuple[Approach, ...]:
    """Each approach with its figures for ``problem``: the base profile, the task family's figures
    over it, then the quality curve shifted for the pattern's complexity (clamped to 0 to 1). Every
    figure keeps its reason; a shifted curve's reason says by how much and why. Pure: nine
    approaches take microseconds, so nothing is cached."""
    return tuple(_conditioned(approach, problem.task_family, problem.complexity) for approach in approaches)


def _conditioned(approach: Approach, family: str, complexity: str | None) -> Approach:
    values: dict[str, Any] = dict(approach.by_family.get(family, {}))
    reasons = {**approach.reasons, **approach.by_family_reasons.get(family, {})}
    shift = approach.by_complexity.get(complexity) if complexity else None
    if shift is not None and shift[0]:
        delta, why = shift
        curve = values.get("quality_by_examples", approach.quality_by_examples)
        values["quality_by_examples"] = tuple(
            QualityPoint(p.examples, min(1.0, max(0.0, round(p.quality + delta, 6)))) for p in curve
        )
        reasons["quality_by_examples"] = f"{reasons['quality_by_examples']} For this pattern ({delta:+g}): {why}"
    if not values:
        return approach  # the base profile holds for this problem
    return replace(approach, reasons=reasons, by_family={}, by_family_reasons={}, by_complexity={}, **values)


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
