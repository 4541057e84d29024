"""The rules file (``data/conflict_rules.yaml``): severities, thresholds, role labels and the
words of each rule, checked strictly when it is read."""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from domain.vocabulary import DIMENSIONS, DIRECTIONS, SEVERITIES
from domain.yamlcheck import (
    as_list,
    as_mapping,
    as_number,
    as_string_map,
    as_text,
    as_texts,
    as_version,
    check_keys,
)
from stakeholders.conflicts.model import SuitabilityFacts

RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "conflict_rules.yaml"


@dataclass(frozen=True)
class Severities:
    contradiction_all_must_have: str
    contradiction_some_must_have: str
    contradiction_no_must_have: str
    infeasible: str
    out_of_reach: str
    competing: str
    competing_heavy: str
    competing_heavy_weight: float


@dataclass(frozen=True)
class CompetingRule:
    key: str
    sides: tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]  # (name, direction) pairs
    explanation: str  # placeholders {a}, {b}
    resolutions: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class OppositeRule:
    explanation: str  # placeholders {a}, {b}: the objective, in words
    resolutions: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Stake:
    """What raises a missing-requirement check's severity (docs/methodology.md §7.10): every
    condition holds (an answer among its values; for a list of answers, any of them)."""

    when: tuple[tuple[str, frozenset[str]], ...]
    severity: str
    reason: str  # placeholders {groups}, {error_cost}, {personal_data}: the answers in words


@dataclass(frozen=True)
class SuitabilityCheck:
    key: str
    when: tuple[str, frozenset[str]] | None  # (suitability answer, values that trigger the check)
    limit: float | None
    severity_must_have: str
    severity_nice_to_have: str
    title: str
    explanation: str
    resolutions: tuple[str, ...]
    source: str
    stakes: tuple[Stake, ...] = ()  # the first whose conditions hold sets the severity


@dataclass(frozen=True)
class BoundRule:
    """Rule 5 (docs/methodology.md §7.9): a bound against another stakeholder's objective."""

    objectives: Mapping[str, frozenset[str]]  # dimension ("quality", "freshness") -> objective names
    # Per dimension, the (low, medium, high) thresholds of what the bound costs: for quality the
    # quality potential lost, for freshness how many times slower the fastest cadence gets.
    thresholds: Mapping[str, tuple[float, float, float]]
    resolutions: tuple[str, ...]  # placeholders {bound}, {objective}, {who}
    source: str


@dataclass(frozen=True)
class ConflictRules:
    version: int
    severity: Severities
    max_infeasible_set_size: int
    role_labels: Mapping[str, str]
    contradiction_resolutions: Mapping[str, tuple[str, ...]]  # per dimension
    infeasible_resolutions: tuple[str, ...]
    out_of_reach_resolutions: tuple[str, ...]
    competing: tuple[CompetingRule, ...]
    opposite: OppositeRule
    suitability_checks: tuple[SuitabilityCheck, ...]
    answer_texts: Mapping[str, Mapping[str, str]]
    bound_vs_objective: BoundRule | None = None  # left out of the file: rule 5 is off


_STAKE_TEXTS = frozenset({"groups", "error_cost", "personal_data"})


@dataclass(frozen=True)
class _CheckSpec:
    """What a suitability check reads; the rest of it is data."""

    dimension: str | None  # the requirements it looks at; None: it is about a missing one
    limit_key: str | None  # its threshold's key in the rules file
    placeholders: frozenset[str]
    missing: str | None = None  # the dimension nobody stated a requirement on


_WHO_TARGET = frozenset({"who", "target", "answer", "limit"})
_CHECK_SPECS = {
    "freshness_without_labels": _CheckSpec("freshness", "max_days", _WHO_TARGET),
    "freshness_needless": _CheckSpec("freshness", "max_days", _WHO_TARGET),
    "quality_without_labels": _CheckSpec("quality", None, _WHO_TARGET),
    "quality_with_few_labels": _CheckSpec("quality", "min_examples", frozenset({"who", "target", "count", "limit"})),
    "fairness_missing": _CheckSpec(None, None, frozenset({"answer"}), missing="fairness"),
    "privacy_missing": _CheckSpec(None, None, frozenset({"answer"}), missing="privacy"),
    "fast_release_without_data": _CheckSpec("time_to_release", "max_months", _WHO_TARGET),
}
_FACTS = frozenset(f.name for f in fields(SuitabilityFacts))


def load_rules(path: str | Path = RULES_PATH) -> ConflictRules:
    """Read and check the rules file; raise ValueError naming the first bad key."""
    with open(path, encoding="utf-8") as fh:
        return parse_rules(yaml.safe_load(fh))


@functools.cache
def _default_rules() -> ConflictRules:
    return load_rules()


def parse_rules(data: Any) -> ConflictRules:
    """Build ConflictRules from the parsed YAML, refusing unknown keys and placeholders."""
    check_keys(
        data,
        "rules",
        required={
            "version",
            "severity",
            "thresholds",
            "role_labels",
            "contradictory_targets",
            "infeasible_must_haves",
            "nice_to_have_out_of_reach",
            "competing_objectives",
            "opposite_directions",
            "suitability_checks",
        },
        optional={"answer_texts", "bound_vs_objective"},
    )
    version = as_version(data["version"], "rules")

    severity = data["severity"]
    check_keys(
        severity,
        "severity",
        required={
            "contradictory_targets",
            "infeasible_must_haves",
            "nice_to_have_out_of_reach",
            "competing_objectives",
        },
    )
    contradiction = severity["contradictory_targets"]
    check_keys(
        contradiction, "severity.contradictory_targets", required={"all_must_have", "some_must_have", "no_must_have"}
    )
    competing = severity["competing_objectives"]
    check_keys(competing, "severity.competing_objectives", required={"default", "heavy", "heavy_weight"})
    severities = Severities(
        contradiction_all_must_have=_severity(contradiction["all_must_have"], "severity.contradictory_targets"),
        contradiction_some_must_have=_severity(contradiction["some_must_have"], "severity.contradictory_targets"),
        contradiction_no_must_have=_severity(contradiction["no_must_have"], "severity.contradictory_targets"),
        infeasible=_severity(severity["infeasible_must_haves"], "severity.infeasible_must_haves"),
        out_of_reach=_severity(severity["nice_to_have_out_of_reach"], "severity.nice_to_have_out_of_reach"),
        competing=_severity(competing["default"], "severity.competing_objectives"),
        competing_heavy=_severity(competing["heavy"], "severity.competing_objectives"),
        competing_heavy_weight=as_number(competing["heavy_weight"], "severity.competing_objectives.heavy_weight"),
    )

    thresholds = data["thresholds"]
    check_keys(thresholds, "thresholds", required={"max_infeasible_set_size"})
    max_size = thresholds["max_infeasible_set_size"]
    if not isinstance(max_size, int) or isinstance(max_size, bool) or not 1 <= max_size <= 4:
        raise ValueError("thresholds: 'max_infeasible_set_size' must be a whole number from 1 to 4")

    contradictions = data["contradictory_targets"]
    check_keys(contradictions, "contradictory_targets", required={"resolutions"})
    per_dimension = as_mapping(contradictions["resolutions"], "contradictory_targets.resolutions")
    for dimension in per_dimension:
        if dimension not in DIMENSIONS:
            raise ValueError(f"contradictory_targets.resolutions: unknown dimension '{dimension}'")

    return ConflictRules(
        version=version,
        severity=severities,
        max_infeasible_set_size=max_size,
        role_labels=as_string_map(data["role_labels"], "role_labels"),
        contradiction_resolutions={
            dimension: as_texts(texts, f"contradictory_targets.resolutions.{dimension}")
            for dimension, texts in per_dimension.items()
        },
        infeasible_resolutions=_section_resolutions(data, "infeasible_must_haves"),
        out_of_reach_resolutions=_section_resolutions(data, "nice_to_have_out_of_reach"),
        competing=_competing_rules(data["competing_objectives"]),
        opposite=_opposite_rule(data["opposite_directions"]),
        suitability_checks=_suitability_checks(data["suitability_checks"]),
        answer_texts={
            fact: as_string_map(texts, f"answer_texts.{fact}")
            for fact, texts in as_mapping(data.get("answer_texts", {}), "answer_texts").items()
        },
        bound_vs_objective=_bound_rule(data["bound_vs_objective"]) if "bound_vs_objective" in data else None,
    )


def _bound_rule(raw: Any) -> BoundRule:
    where = "bound_vs_objective"
    check_keys(raw, where, required={"objectives", "thresholds", "resolutions", "source"})
    objectives = {}
    for dimension, names in as_mapping(raw["objectives"], f"{where}.objectives").items():
        if dimension not in ("quality", "freshness"):
            raise ValueError(f"{where}.objectives: '{dimension}' must be quality or freshness")
        objectives[dimension] = frozenset(as_texts(names, f"{where}.objectives.{dimension}"))
    thresholds = {}
    for dimension, levels in as_mapping(raw["thresholds"], f"{where}.thresholds").items():
        if dimension not in objectives:
            raise ValueError(f"{where}.thresholds: '{dimension}' names no objectives")
        check_keys(levels, f"{where}.thresholds.{dimension}", required={"low", "medium", "high"})
        low, medium, high = (as_number(levels[k], f"{where}.thresholds.{dimension}.{k}") for k in SEVERITIES[::-1])
        if not low <= medium <= high:
            raise ValueError(f"{where}.thresholds.{dimension}: expected low <= medium <= high")
        thresholds[dimension] = (low, medium, high)
    if set(thresholds) != set(objectives):
        raise ValueError(f"{where}.thresholds: give thresholds for each dimension in objectives")
    return BoundRule(
        objectives=objectives,
        thresholds=thresholds,
        resolutions=_templates(raw["resolutions"], f"{where}.resolutions", {"bound", "objective", "who"}),
        source=as_text(raw["source"], f"{where}.source"),
    )


def _stakes(raw: Any, where: str) -> tuple[Stake, ...]:
    stakes = []
    for i, entry in enumerate(as_list(raw, where)):
        at = f"{where}[{i}]"
        check_keys(entry, at, required={"when", "severity", "reason"})
        conditions = []
        for fact, values in as_mapping(entry["when"], f"{at}.when").items():
            if fact not in _FACTS:
                raise ValueError(f"{at}.when: unknown suitability answer '{fact}'")
            conditions.append((fact, frozenset(as_texts(values, f"{at}.when.{fact}"))))
        if not conditions:
            raise ValueError(f"{at}.when: name at least one suitability answer")
        stakes.append(
            Stake(
                when=tuple(conditions),
                severity=_severity(entry["severity"], f"{at}.severity"),
                reason=_template(entry["reason"], f"{at}.reason", _STAKE_TEXTS),
            )
        )
    return tuple(stakes)


def _competing_rules(raw: Any) -> tuple[CompetingRule, ...]:
    rules = []
    for i, entry in enumerate(as_list(raw, "competing_objectives")):
        where = f"competing_objectives[{i}]"
        check_keys(entry, where, required={"key", "between", "explanation", "resolutions", "source"})
        where = f"competing_objectives '{entry['key']}'"
        between = as_list(entry["between"], f"{where}.between")
        if len(between) != 2:
            raise ValueError(f"{where}: 'between' must list exactly two sides")
        sides = []
        for side in between:
            pairs = as_string_map(side, f"{where}.between")
            if not pairs or any(direction not in DIRECTIONS for direction in pairs.values()):
                raise ValueError(f"{where}: each side maps objective names to one of {', '.join(DIRECTIONS)}")
            sides.append(frozenset(pairs.items()))
        if sides[0] & sides[1]:
            raise ValueError(f"{where}: an objective cannot be on both sides")
        if any(r.key == entry["key"] for r in rules):
            raise ValueError(f"{where}: duplicate key")
        rules.append(
            CompetingRule(
                key=as_text(entry["key"], f"{where}.key"),
                sides=(sides[0], sides[1]),
                explanation=_template(entry["explanation"], f"{where}.explanation", {"a", "b", "subject"}),
                resolutions=_templates(entry["resolutions"], f"{where}.resolutions", {"a", "b", "subject"}),
                source=as_text(entry["source"], f"{where}.source"),
            )
        )
    return tuple(rules)


def _opposite_rule(raw: Any) -> OppositeRule:
    check_keys(raw, "opposite_directions", required={"explanation", "resolutions", "source"})
    return OppositeRule(
        explanation=_template(raw["explanation"], "opposite_directions.explanation", {"a", "b"}),
        resolutions=_templates(raw["resolutions"], "opposite_directions.resolutions", {"a", "b"}),
        source=as_text(raw["source"], "opposite_directions.source"),
    )


def _suitability_checks(raw: Any) -> tuple[SuitabilityCheck, ...]:
    checks = []
    for key, entry in as_mapping(raw, "suitability_checks").items():
        where = f"suitability_checks.{key}"
        spec = _CHECK_SPECS.get(key)
        if spec is None:
            raise ValueError(f"{where}: unknown check (known: {', '.join(sorted(_CHECK_SPECS))})")
        limit_keys = {spec.limit_key} if spec.limit_key else set()
        check_keys(
            entry,
            where,
            required={"severity", "title", "explanation", "resolutions", "source"} | limit_keys,
            optional={"when", "stakes"} if spec.missing else {"when"},
        )
        when = None
        if "when" in entry:
            condition = as_mapping(entry["when"], f"{where}.when")
            if len(condition) != 1 or next(iter(condition)) not in _FACTS:
                raise ValueError(f"{where}.when: name exactly one suitability answer ({', '.join(sorted(_FACTS))})")
            fact, values = next(iter(condition.items()))
            when = (fact, frozenset(as_texts(values, f"{where}.when.{fact}")))
        severity = entry["severity"]
        if isinstance(severity, Mapping):
            check_keys(severity, f"{where}.severity", required={"must_have", "nice_to_have"})
            must, nice = severity["must_have"], severity["nice_to_have"]
        else:
            must = nice = severity
        checks.append(
            SuitabilityCheck(
                key=key,
                when=when,
                limit=as_number(entry[spec.limit_key], f"{where}.{spec.limit_key}") if spec.limit_key else None,
                severity_must_have=_severity(must, f"{where}.severity"),
                severity_nice_to_have=_severity(nice, f"{where}.severity"),
                title=as_text(entry["title"], f"{where}.title"),
                explanation=_template(entry["explanation"], f"{where}.explanation", spec.placeholders),
                resolutions=_templates(entry["resolutions"], f"{where}.resolutions", spec.placeholders),
                source=as_text(entry["source"], f"{where}.source"),
                stakes=_stakes(entry.get("stakes", []), f"{where}.stakes"),
            )
        )
    return tuple(checks)


def _section_resolutions(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    check_keys(data[key], key, required={"resolutions"})
    return as_texts(data[key]["resolutions"], f"{key}.resolutions")


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


def _template(value: Any, where: str, allowed: Iterable[str]) -> str:
    text = as_text(value, where)
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in allowed:
            raise ValueError(f"{where}: unknown placeholder {{{name}}} (allowed: {', '.join(sorted(allowed))})")
    return text


def _templates(value: Any, where: str, allowed: Iterable[str]) -> tuple[str, ...]:
    return tuple(_template(item, where, allowed) for item in as_list(value, where))
