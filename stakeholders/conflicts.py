"""The conflict detector: stakeholders' requirements and objectives in, explained conflicts out.

A production ML system has many stakeholders, each with their own requirements (docs/methodology.md §6);
they state them per dimension, as must-haves (hard constraints) or weighted nice-to-haves, and
name the objectives they want optimised (docs/methodology.md §6.2). The detector finds what cannot all
hold and says why, naming the values and the people, with concrete ways out. Four rules:

1. ``contradictory_targets``: two requirements on the same dimension (and, for quality, the same
   metric) that no value satisfies, whoever states them, even one stakeholder. A requirement is
   read as the set of values it allows:

   - numeric dimensions have a better side (lower latency, cost, disparity, size, days between
     retrainings, months to release; higher quality and throughput; for quality metrics listed
     in ``quality_metrics_lower_is_better``, such as RMSE, lower). A bound on the better side is
     a target ("latency <= 100 ms"). A bound on the worse side only says what is tolerable
     ("latency >= 500 ms is fine") and constrains nothing, so it never conflicts; ``==`` reads
     as the target. Two dimensions are two-sided, because there both bounds carry a reason:
     freshness (">= 30 days": the ML platform team holding model updates back, docs/methodology.md §6.2)
     and time to release (">= 6 months": not before an audit or a season). Two targets conflict
     when their intervals do not meet (``>= x`` and ``<= y`` with x > y);
   - interpretability levels (none < global < per_prediction) are one-sided the same way: an
     approach that explains each prediction also explains the model, so they never conflict;
   - deployment target and data residency are choices: requirements conflict when the values
     they allow are disjoint (phone and server, EU and US), or, three or more of them, when no
     single value is allowed by all.

   Severity by how many of them are must-haves (``severity.contradictory_targets``). The
   resolutions move one bound to the other's value, checked to satisfy both.

2. ``infeasible_must_haves``: the hard filter of docs/methodology.md §7.2, run early. Each approach
   profile is checked against each must-have on its own. A profile figure is the best the
   approach achieves; it can always do worse on purpose (answer later, retrain less often, show
   fewer explanations), so only a bound on the better side can rule it out. Dimensions with no
   profile figure (throughput, fairness, time to release, and quality on a lower-is-better
   metric) rule nothing out. If some profile meets every must-have, nothing is reported.
   Otherwise the detector reports each minimal set (up to ``max_infeasible_set_size``) of
   must-haves that no profile meets together: single must-haves first, then pairs, then
   triples, never a superset of one already found. Must-haves on the same dimension that rule
   out the same profiles are merged into one member of a set (relaxing only one of them would
   not help), and sets that hold a contradiction of rule 1 are left to rule 1. Severity
   ``severity.infeasible_must_haves``. For each member, the resolutions name an approach that
   fails nothing else and the value the member must be relaxed to for it to pass: that approach
   then meets every must-have, so every infeasible set goes away.

   When some profile meets every must-have, a nice-to-have none of those profiles reaches is
   reported under the same kind, at ``severity.nice_to_have_out_of_reach``, with the value a
   profile meeting every must-have does reach.

3. ``competing_objectives``: each entry of ``competing_objectives`` in the rules file names two
   sides (objective name -> direction); when both sides are held, by different stakeholders or
   by one, that is one conflict with every holder in it (relevance versus fees, the restaurant
   example of docs/methodology.md §6.3; accuracy versus latency, cost or interpretability, §4.2,
   §4.4 and §4.8; freshness versus stability, §6). Objectives with the same name and opposite directions conflict too.
   Severity ``default``, or ``heavy`` when each side holds an objective of weight at least
   ``heavy_weight``. Explanations and resolutions are the rules file's words (decoupling: one
   model per objective, combined with weights the business sets, docs/methodology.md §6.3).

4. ``suitability_mismatch``: requirements at odds with the ML-suitability answers (docs/methodology.md
   §6.3, item 4), each check's trigger, threshold, severity and words in ``suitability_checks``:
   frequent retraining without labels, or for patterns that hardly change (Rules of ML, rule
   8); a quality target without labels, or on few of them; no fairness requirement although
   the predictions affect people (§4.5); a quick release without data (§3.2, "fake it till you
   make it").

The rules file (``data/conflict_rules.yaml``; ``load_rules`` reads it, ``parse_rules`` refuses
unknown keys, severities and text placeholders) holds: ``severity`` per kind, ``thresholds``,
``quality_metrics_lower_is_better``, ``role_labels``, extra ``resolutions`` per kind (per
dimension for contradictions), ``competing_objectives`` (``key``, ``between``: two maps of
objective name -> direction, ``explanation``, ``resolutions``, ``source``),
``opposite_directions``, ``suitability_checks`` (``when``: one answer and the values that
trigger it, a threshold, ``severity``, ``title``, ``explanation``, ``resolutions``, ``source``;
the checks themselves are the six named above, and one left out is off) and ``answer_texts``.

Resolutions the detector computes (rules 1 and 2) also come as ``Conflict.relaxations``, the
changed op and value per requirement, so the app can offer to apply one and re-detect.

Every conflict has a ``fingerprint``: the first 16 hex digits of the SHA-1 of its kind and the
sorted ids of what is in conflict (requirement or objective ids, and ``suitability:<answer>`` for
the suitability answers involved). It does not depend on input order or on the words, so the app
keeps a recorded resolution attached across re-detections. Conflicts come out sorted by
severity (high first), then kind (in the order of the rules above), then fingerprint; every list
inside a conflict is in a fixed order too, so the same input in any order gives the same output.
"""

from __future__ import annotations

import functools
import hashlib
import math
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).resolve().parent / "data" / "conflict_rules.yaml"

DIMENSIONS = (
    "quality",
    "latency",
    "throughput",
    "cost",
    "interpretability",
    "fairness",
    "freshness",
    "deployment",
    "model_size",
    "privacy",
    "time_to_release",
)
OPS = ("<=", ">=", "==", "in")
INTERPRETABILITY_LEVELS = ("none", "global", "per_prediction")
DEPLOYMENTS = ("server", "browser", "phone", "device")
DIRECTIONS = ("maximise", "minimise")
KINDS = ("contradictory_targets", "infeasible_must_haves", "competing_objectives", "suitability_mismatch")
SEVERITIES = ("high", "medium", "low")

_LEVEL = {level: i for i, level in enumerate(INTERPRETABILITY_LEVELS)}
_SEVERITY_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}
_KIND_RANK = {kind: i for i, kind in enumerate(KINDS)}
_DIMENSION_RANK = {dimension: i for i, dimension in enumerate(DIMENSIONS)}
_LOWER_IS_BETTER = frozenset({"latency", "cost", "fairness", "freshness", "model_size", "time_to_release"})
_NUMERIC = _LOWER_IS_BETTER | {"quality", "throughput"}
# Both bounds bind here: see rule 1 in the module docstring.
_TWO_SIDED = frozenset({"freshness", "time_to_release"})
_CHOICE = frozenset({"deployment", "privacy"})
# The approach-profile figure each numeric dimension is checked against (rule 2).
_PROFILE_FIGURE = {
    "quality": "quality",
    "latency": "latency_ms",
    "cost": "cost_per_month",
    "freshness": "min_retrain_days",
    "model_size": "size_mb",
}
# Targets are often typed as the very figure a profile states (quality 0.9 against 0.9); float
# noise must not turn that into a miss.
_EPS = 1e-9


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Requirement:
    """One stakeholder's requirement on one dimension, in the dimension's canonical unit.

    ``value`` is a number for the numeric dimensions, a level or choice for interpretability,
    deployment and privacy, and a tuple of them for ``in``.
    """

    id: str
    stakeholder_id: str
    stakeholder_name: str
    role: str
    dimension: str
    op: str
    value: float | str | tuple[str, ...]
    unit: str
    must_have: bool
    weight: float = 1.0
    metric: str = ""


@dataclass(frozen=True)
class Objective:
    id: str
    stakeholder_id: str
    stakeholder_name: str
    role: str
    name: str  # "relevance", "fees", "margin", "accuracy", "latency", "stability", ... (free keys allowed)
    direction: str  # "maximise" | "minimise"
    weight: float = 1.0


@dataclass(frozen=True)
class ApproachProfile:
    """A candidate approach's typical capabilities: the best it achieves on each dimension."""

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


@dataclass(frozen=True)
class SuitabilityFacts:
    """A few answers from the ML-suitability questionnaire, in its canonical values."""

    labels_available: str | None = None  # "all" / "yes" | "some" | "can_label" | "no" | "unknown"
    labelled_examples: float | None = None
    pattern_change: str | None = None  # "stable" | "slow" | "fast" | "unknown"
    has_data: str | None = None  # "yes" | "can_collect" | "no" | "unknown"
    affects_people: str | None = None  # "yes" | "no"


# --------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Relaxation:
    """A change to requirements that resolves a conflict, in a form the app can apply."""

    requirement_ids: tuple[str, ...]
    dimension: str
    op: str
    value: float | str | tuple[str, ...]
    approach: str = ""  # the profile key that then meets every must-have (rule 2)


@dataclass(frozen=True)
class Conflict:
    kind: str  # one of KINDS
    severity: str  # one of SEVERITIES
    title: str
    explanation: str
    resolutions: tuple[str, ...]
    stakeholder_ids: tuple[str, ...]
    requirement_ids: tuple[str, ...]  # objective ids for competing objectives
    fingerprint: str
    rule: str = ""  # the rules-file key behind it ("relevance_vs_fees", "freshness_without_labels")
    facts: tuple[str, ...] = ()  # the suitability answers involved
    relaxations: tuple[Relaxation, ...] = ()  # the computed resolutions, in the order of their texts


# --------------------------------------------------------------------------------------------
# Rules data


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


@dataclass(frozen=True)
class ConflictRules:
    version: int
    severity: Severities
    max_infeasible_set_size: int
    lower_is_better_metrics: frozenset[str]
    role_labels: Mapping[str, str]
    contradiction_resolutions: Mapping[str, tuple[str, ...]]  # per dimension
    infeasible_resolutions: tuple[str, ...]
    out_of_reach_resolutions: tuple[str, ...]
    competing: tuple[CompetingRule, ...]
    opposite: OppositeRule
    suitability_checks: tuple[SuitabilityCheck, ...]
    answer_texts: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class _CheckSpec:
    """What a suitability check reads; the rest of it is data."""

    dimension: str | None  # the requirements it looks at; None: it is about a missing one
    limit_key: str | None  # its threshold's key in the rules file
    placeholders: frozenset[str]


_WHO_TARGET = frozenset({"who", "target", "answer", "limit"})
_CHECK_SPECS = {
    "freshness_without_labels": _CheckSpec("freshness", "max_days", _WHO_TARGET),
    "freshness_needless": _CheckSpec("freshness", "max_days", _WHO_TARGET),
    "quality_without_labels": _CheckSpec("quality", None, _WHO_TARGET),
    "quality_with_few_labels": _CheckSpec("quality", "min_examples", frozenset({"who", "target", "count", "limit"})),
    "fairness_missing": _CheckSpec(None, None, frozenset({"answer"})),
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
    _check_keys(
        data,
        "rules",
        required={
            "version",
            "severity",
            "thresholds",
            "quality_metrics_lower_is_better",
            "role_labels",
            "contradictory_targets",
            "infeasible_must_haves",
            "nice_to_have_out_of_reach",
            "competing_objectives",
            "opposite_directions",
            "suitability_checks",
        },
        optional={"answer_texts"},
    )
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("rules: 'version' must be a whole number from 1 up")

    severity = data["severity"]
    _check_keys(
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
    _check_keys(
        contradiction, "severity.contradictory_targets", required={"all_must_have", "some_must_have", "no_must_have"}
    )
    competing = severity["competing_objectives"]
    _check_keys(competing, "severity.competing_objectives", required={"default", "heavy", "heavy_weight"})
    severities = Severities(
        contradiction_all_must_have=_severity(contradiction["all_must_have"], "severity.contradictory_targets"),
        contradiction_some_must_have=_severity(contradiction["some_must_have"], "severity.contradictory_targets"),
        contradiction_no_must_have=_severity(contradiction["no_must_have"], "severity.contradictory_targets"),
        infeasible=_severity(severity["infeasible_must_haves"], "severity.infeasible_must_haves"),
        out_of_reach=_severity(severity["nice_to_have_out_of_reach"], "severity.nice_to_have_out_of_reach"),
        competing=_severity(competing["default"], "severity.competing_objectives"),
        competing_heavy=_severity(competing["heavy"], "severity.competing_objectives"),
        competing_heavy_weight=_number(competing["heavy_weight"], "severity.competing_objectives.heavy_weight"),
    )

    thresholds = data["thresholds"]
    _check_keys(thresholds, "thresholds", required={"max_infeasible_set_size"})
    max_size = thresholds["max_infeasible_set_size"]
    if not isinstance(max_size, int) or isinstance(max_size, bool) or not 1 <= max_size <= 4:
        raise ValueError("thresholds: 'max_infeasible_set_size' must be a whole number from 1 to 4")

    contradictions = data["contradictory_targets"]
    _check_keys(contradictions, "contradictory_targets", required={"resolutions"})
    per_dimension = _mapping(contradictions["resolutions"], "contradictory_targets.resolutions")
    for dimension in per_dimension:
        if dimension not in DIMENSIONS:
            raise ValueError(f"contradictory_targets.resolutions: unknown dimension '{dimension}'")

    return ConflictRules(
        version=version,
        severity=severities,
        max_infeasible_set_size=max_size,
        lower_is_better_metrics=frozenset(
            _texts(data["quality_metrics_lower_is_better"], "quality_metrics_lower_is_better")
        ),
        role_labels=_string_map(data["role_labels"], "role_labels"),
        contradiction_resolutions={
            dimension: _texts(texts, f"contradictory_targets.resolutions.{dimension}")
            for dimension, texts in per_dimension.items()
        },
        infeasible_resolutions=_section_resolutions(data, "infeasible_must_haves"),
        out_of_reach_resolutions=_section_resolutions(data, "nice_to_have_out_of_reach"),
        competing=_competing_rules(data["competing_objectives"]),
        opposite=_opposite_rule(data["opposite_directions"]),
        suitability_checks=_suitability_checks(data["suitability_checks"]),
        answer_texts={
            fact: _string_map(texts, f"answer_texts.{fact}")
            for fact, texts in _mapping(data.get("answer_texts", {}), "answer_texts").items()
        },
    )


def _competing_rules(raw: Any) -> tuple[CompetingRule, ...]:
    rules = []
    for i, entry in enumerate(_list(raw, "competing_objectives")):
        where = f"competing_objectives[{i}]"
        _check_keys(entry, where, required={"key", "between", "explanation", "resolutions", "source"})
        where = f"competing_objectives '{entry['key']}'"
        between = _list(entry["between"], f"{where}.between")
        if len(between) != 2:
            raise ValueError(f"{where}: 'between' must list exactly two sides")
        sides = []
        for side in between:
            pairs = _string_map(side, f"{where}.between")
            if not pairs or any(direction not in DIRECTIONS for direction in pairs.values()):
                raise ValueError(f"{where}: each side maps objective names to one of {', '.join(DIRECTIONS)}")
            sides.append(frozenset(pairs.items()))
        if sides[0] & sides[1]:
            raise ValueError(f"{where}: an objective cannot be on both sides")
        if any(r.key == entry["key"] for r in rules):
            raise ValueError(f"{where}: duplicate key")
        rules.append(
            CompetingRule(
                key=_text(entry["key"], f"{where}.key"),
                sides=(sides[0], sides[1]),
                explanation=_template(entry["explanation"], f"{where}.explanation", {"a", "b"}),
                resolutions=_templates(entry["resolutions"], f"{where}.resolutions", {"a", "b"}),
                source=_text(entry["source"], f"{where}.source"),
            )
        )
    return tuple(rules)


def _opposite_rule(raw: Any) -> OppositeRule:
    _check_keys(raw, "opposite_directions", required={"explanation", "resolutions", "source"})
    return OppositeRule(
        explanation=_template(raw["explanation"], "opposite_directions.explanation", {"a", "b"}),
        resolutions=_templates(raw["resolutions"], "opposite_directions.resolutions", {"a", "b"}),
        source=_text(raw["source"], "opposite_directions.source"),
    )


def _suitability_checks(raw: Any) -> tuple[SuitabilityCheck, ...]:
    checks = []
    for key, entry in _mapping(raw, "suitability_checks").items():
        where = f"suitability_checks.{key}"
        spec = _CHECK_SPECS.get(key)
        if spec is None:
            raise ValueError(f"{where}: unknown check (known: {', '.join(sorted(_CHECK_SPECS))})")
        limit_keys = {spec.limit_key} if spec.limit_key else set()
        _check_keys(
            entry,
            where,
            required={"severity", "title", "explanation", "resolutions", "source"} | limit_keys,
            optional={"when"},
        )
        when = None
        if "when" in entry:
            condition = _mapping(entry["when"], f"{where}.when")
            if len(condition) != 1 or next(iter(condition)) not in _FACTS:
                raise ValueError(f"{where}.when: name exactly one suitability answer ({', '.join(sorted(_FACTS))})")
            fact, values = next(iter(condition.items()))
            when = (fact, frozenset(_texts(values, f"{where}.when.{fact}")))
        severity = entry["severity"]
        if isinstance(severity, Mapping):
            _check_keys(severity, f"{where}.severity", required={"must_have", "nice_to_have"})
            must, nice = severity["must_have"], severity["nice_to_have"]
        else:
            must = nice = severity
        checks.append(
            SuitabilityCheck(
                key=key,
                when=when,
                limit=_number(entry[spec.limit_key], f"{where}.{spec.limit_key}") if spec.limit_key else None,
                severity_must_have=_severity(must, f"{where}.severity"),
                severity_nice_to_have=_severity(nice, f"{where}.severity"),
                title=_text(entry["title"], f"{where}.title"),
                explanation=_template(entry["explanation"], f"{where}.explanation", spec.placeholders),
                resolutions=_templates(entry["resolutions"], f"{where}.resolutions", spec.placeholders),
                source=_text(entry["source"], f"{where}.source"),
            )
        )
    return tuple(checks)


def _section_resolutions(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    _check_keys(data[key], key, required={"resolutions"})
    return _texts(data[key]["resolutions"], f"{key}.resolutions")


def _check_keys(node: Any, where: str, *, required: set[str], optional: Iterable[str] = ()) -> None:
    _mapping(node, where)
    missing = sorted(required - node.keys())
    if missing:
        raise ValueError(f"{where}: missing key '{missing[0]}'")
    # A typo such as `resolution:` must fail here, not silently drop advice.
    unknown = sorted(str(k) for k in node.keys() - required - set(optional))
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}'")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string")
    return value.strip()


def _texts(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_text(item, where) for item in _list(value, where))


def _string_map(value: Any, where: str) -> dict[str, str]:
    return {_text(k, where): _text(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: expected a number of 0 or more")
    return float(value)


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


def _template(value: Any, where: str, allowed: Iterable[str]) -> str:
    text = _text(value, where)
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in allowed:
            raise ValueError(f"{where}: unknown placeholder {{{name}}} (allowed: {', '.join(sorted(allowed))})")
    return text


def _templates(value: Any, where: str, allowed: Iterable[str]) -> tuple[str, ...]:
    return tuple(_template(item, where, allowed) for item in _list(value, where))


# --------------------------------------------------------------------------------------------
# Requirements as the values they allow


@dataclass(frozen=True)
class _Target:
    """A binding requirement: the closed interval (numbers, levels) or set (choices) it allows."""

    req: Requirement
    lower_is_better: bool = False
    lo: float = -math.inf
    hi: float = math.inf
    allowed: frozenset[str] = frozenset()


def _values(req: Requirement) -> tuple[str, ...]:
    """The requirement's level or choice values, checked."""
    raw = req.value if req.op == "in" else (req.value,)
    if not isinstance(raw, tuple | list) or not raw:
        raise ValueError(f"requirement {req.id}: 'in' needs a non-empty list of values")
    values = tuple(v for v in raw if isinstance(v, str) and v)
    if len(values) != len(raw):
        raise ValueError(f"requirement {req.id}: {req.dimension} values must be non-empty strings")
    known = {"interpretability": INTERPRETABILITY_LEVELS, "deployment": DEPLOYMENTS}.get(req.dimension)
    for v in values:
        if known is not None and v not in known:
            raise ValueError(f"requirement {req.id}: unknown {req.dimension} '{v}' (known: {', '.join(known)})")
    return values


def _target(req: Requirement, rules: ConflictRules) -> _Target | None:
    """The values ``req`` allows, or None when it only states a tolerance (rule 1)."""
    if req.dimension not in _DIMENSION_RANK:
        raise ValueError(f"requirement {req.id}: unknown dimension '{req.dimension}'")
    if req.op not in OPS:
        raise ValueError(f"requirement {req.id}: unknown op '{req.op}'")
    if req.dimension in _CHOICE:
        if req.op not in ("==", "in"):
            raise ValueError(f"requirement {req.id}: {req.dimension} takes '==' or 'in'")
        return _Target(req, allowed=frozenset(_values(req)))
    if req.dimension == "interpretability":
        levels = _values(req)
        if req.op == "<=":
            return None
        return _Target(req, lo=min(_LEVEL[level] for level in levels))
    if req.op == "in":
        raise ValueError(f"requirement {req.id}: {req.dimension} takes '<=', '>=' or '=='")
    value = req.value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"requirement {req.id}: {req.dimension} needs a finite number")
    v = float(value)
    lower_is_better = req.dimension in _LOWER_IS_BETTER or (
        req.dimension == "quality" and req.metric in rules.lower_is_better_metrics
    )
    lo, hi = (v, v) if req.op == "==" else (-math.inf, v) if req.op == "<=" else (v, math.inf)
    if req.dimension not in _TWO_SIDED:
        if req.op == (">=" if lower_is_better else "<="):
            return None
        lo, hi = (-math.inf, hi) if lower_is_better else (lo, math.inf)
    return _Target(req, lower_is_better=lower_is_better, lo=lo, hi=hi)


def _meets(profile: ApproachProfile, target: _Target) -> bool:
    """Whether the approach can satisfy the requirement (rule 2: only the better side binds)."""
    dimension = target.req.dimension
    if dimension == "deployment":
        return not target.allowed.isdisjoint(profile.deployments)
    if dimension == "privacy":
        return not profile.residency or not target.allowed.isdisjoint(profile.residency)
    if dimension == "interpretability":
        return _LEVEL[profile.interpretability] >= target.lo
    figure = _PROFILE_FIGURE.get(dimension)
    if figure is None or (dimension == "quality" and target.lower_is_better):
        return True
    x = getattr(profile, figure)
    return x <= target.hi + _EPS if target.lower_is_better else x >= target.lo - _EPS


def _relaxed(target: _Target, profile: ApproachProfile) -> tuple[str, float | str]:
    """The (op, value) of ``target`` loosened just enough for ``profile`` to meet it."""
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
        return -_LEVEL[profile.interpretability], profile.key
    x = float(getattr(profile, _PROFILE_FIGURE[dimension]))
    return (x if target.lower_is_better else -x), profile.key


# --------------------------------------------------------------------------------------------
# Words


_NUMBER_PHRASES = {
    # dimension: (at most, at least, exactly); {v} the value, {n} the value with its unit
    "quality": ("{metric} of at most {v}", "{metric} of at least {v}", "{metric} of {v}"),
    "latency": ("p95 latency of at most {v} ms", "p95 latency of at least {v} ms", "p95 latency of {v} ms"),
    "throughput": (
        "at most {v} predictions a second",
        "at least {v} predictions a second",
        "{v} predictions a second",
    ),
    "cost": (
        "a running cost of at most {v} a month",
        "a running cost of at least {v} a month",
        "a cost of {v} a month",
    ),
    "fairness": (
        "a disparity between groups of at most {v}",
        "a disparity between groups of at least {v}",
        "a disparity between groups of {v}",
    ),
    "freshness": (
        "retraining at least every {n}",
        "model updates no more often than every {n}",
        "retraining every {n}",
    ),
    "model_size": ("a model of at most {v} MB", "a model of at least {v} MB", "a model of {v} MB"),
    "time_to_release": ("a first release within {n}", "no release before {n}", "a first release in {n}"),
}
_UNIT_NOUNS = {"freshness": "day", "time_to_release": "month"}
_LEVEL_PHRASES = {
    "none": "no explanations",
    "global": "a global explanation of the model",
    "per_prediction": "an explanation for each prediction",
}
_DEPLOYMENT_PHRASES = {
    "server": "on a server",
    "browser": "in the browser",
    "phone": "on phones",
    "device": "on the device",
}
_DIMENSION_WORDS = {
    "quality": "quality",
    "latency": "latency",
    "throughput": "throughput",
    "cost": "cost",
    "interpretability": "interpretability",
    "fairness": "fairness",
    "freshness": "freshness",
    "deployment": "deployment target",
    "model_size": "model size",
    "privacy": "data residency",
    "time_to_release": "time to release",
}


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _metric_text(metric: str) -> str:
    if not metric:
        return "quality"
    # Short metric names are acronyms (AUC, F1, RMSE); longer ones are words (precision, log loss).
    return metric.upper() if len(metric) <= 4 else metric.replace("_", " ")


def _phrase(req: Requirement, op: str | None = None, value: float | str | tuple[str, ...] | None = None) -> str:
    """``req`` in plain words; ``op`` and ``value`` override its own (to word a relaxation)."""
    op = req.op if op is None else op
    value = req.value if value is None else value
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    return _phrase_of(req.dimension, op, values, req.metric)


# A requirement is worded once per conflict it is in, and again in the resolutions; with many
# conflicts the wording was most of detect()'s time.
@functools.lru_cache(maxsize=4096)
def _phrase_of(dimension: str, op: str, values: tuple[float | str, ...], metric: str) -> str:
    if dimension == "deployment":
        return "running " + " or ".join(_DEPLOYMENT_PHRASES.get(str(v), str(v)) for v in values)
    if dimension == "privacy":
        places = (
            "on premises" if v == "on_premises" else f"in {str(v).upper() if len(str(v)) <= 3 else v}" for v in values
        )
        return "data kept " + " or ".join(places)
    if dimension == "interpretability":
        level = min(values, key=lambda v: _LEVEL.get(str(v), 0))
        words = _LEVEL_PHRASES.get(str(level), str(level))
        return f"at most {words}" if op == "<=" else words
    at_most, at_least, exactly = _NUMBER_PHRASES[dimension]
    template = at_most if op == "<=" else at_least if op == ">=" else exactly
    number = float(values[0])
    noun = _UNIT_NOUNS.get(dimension, "")
    with_unit = f"{_number_text(number)} {noun}{'' if number == 1 else 's'}" if noun else _number_text(number)
    return template.format(v=_number_text(number), n=with_unit, metric=_metric_text(metric))


def _who(items: Iterable[Requirement | Objective], rules: ConflictRules) -> str:
    """ "Asha Rao (ML engineering) and Sam Lee (sales)": each stakeholder once, in a fixed order."""
    items = list(items)
    if len(items) == 1:
        return _person(items[0], rules)
    seen: dict[str, str] = {}
    for item in sorted(items, key=lambda i: (i.stakeholder_name, i.stakeholder_id)):
        if item.stakeholder_id not in seen:
            seen[item.stakeholder_id] = _person(item, rules)
    return _join(list(seen.values()))


def _person(item: Requirement | Objective, rules: ConflictRules) -> str:
    role = _role(item, rules)
    return f"{item.stakeholder_name} ({role})" if role else item.stakeholder_name


def _role(item: Requirement | Objective, rules: ConflictRules) -> str:
    return rules.role_labels.get(item.role, item.role.replace("_", " "))


def _join(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _priority(req: Requirement) -> str:
    return "must-have" if req.must_have else f"nice-to-have, weight {_number_text(req.weight)}"


def _stated(req: Requirement, rules: ConflictRules) -> str:
    """ "precision of at least 0.9 (Asha Rao, ML engineering: must-have)" """
    return f"{_phrase(req)} ({req.stakeholder_name}, {_role(req, rules)}: {_priority(req)})"


def _stated_bare(req: Requirement) -> str:
    return f"{_phrase(req)} ({_priority(req)})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# Detection


def detect(
    requirements: Sequence[Requirement],
    objectives: Sequence[Objective],
    profiles: Sequence[ApproachProfile],
    facts: SuitabilityFacts | None = None,
    rules: ConflictRules | None = None,
) -> list[Conflict]:
    """Every conflict among the requirements and objectives, sorted (see the module docstring).

    Raises ValueError for a requirement, objective or profile that is malformed (an unknown
    dimension, an op the dimension does not take, a duplicate id), naming it.
    """
    if rules is None:
        rules = _default_rules()
    _check_unique(requirements, "requirement")
    _check_objectives(objectives)
    _check_profiles(profiles)
    targets = [t for t in (_target(req, rules) for req in requirements) if t is not None]

    contradictions = _contradictions(targets, rules)
    conflicts = [conflict for conflict, _ in contradictions]
    contradictory = [frozenset(pair) for _, pair in contradictions]
    conflicts += _infeasible(targets, profiles, contradictory, rules)
    conflicts += _competing(objectives, rules)
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
        if profile.interpretability not in _LEVEL:
            raise ValueError(f"profile {profile.key}: unknown interpretability '{profile.interpretability}'")
        if not set(profile.deployments) <= set(DEPLOYMENTS):
            raise ValueError(f"profile {profile.key}: deployments must be among {', '.join(DEPLOYMENTS)}")


def _conflict(
    *,
    kind: str,
    severity: str,
    title: str,
    explanation: str,
    resolutions: Iterable[str],
    items: Iterable[Requirement | Objective],
    rule: str = "",
    facts: tuple[str, ...] = (),
    relaxations: tuple[Relaxation, ...] = (),
) -> Conflict:
    items = list(items)
    ids = tuple(sorted({item.id for item in items}))
    return Conflict(
        kind=kind,
        severity=severity,
        title=title,
        explanation=explanation,
        resolutions=tuple(resolutions),
        stakeholder_ids=tuple(sorted({item.stakeholder_id for item in items})),
        requirement_ids=ids,
        fingerprint=fingerprint(kind, ids + tuple(f"suitability:{fact}" for fact in facts)),
        rule=rule,
        facts=facts,
        relaxations=relaxations,
    )


def fingerprint(kind: str, ids: Iterable[str]) -> str:
    """SHA-1 of the kind and the sorted ids, 16 hex digits: stable across order and wording."""
    payload = kind + ":" + ",".join(sorted(ids))
    return hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def _contradiction_severity(reqs: Sequence[Requirement], rules: ConflictRules) -> str:
    musts = sum(req.must_have for req in reqs)
    if musts == len(reqs):
        return rules.severity.contradiction_all_must_have
    return rules.severity.contradiction_some_must_have if musts else rules.severity.contradiction_no_must_have


# Rule 1 ------------------------------------------------------------------------------------


def _contradictions(targets: Sequence[_Target], rules: ConflictRules) -> list[tuple[Conflict, tuple[str, ...]]]:
    """Rule 1, with the requirement ids of each conflict (rule 2 leaves those sets alone)."""
    by_dimension: dict[tuple[str, str], list[_Target]] = defaultdict(list)
    for t in targets:
        # Interpretability is one-sided with no upper bound: nothing to contradict.
        if t.req.dimension != "interpretability":
            by_dimension[(t.req.dimension, t.req.metric if t.req.dimension == "quality" else "")].append(t)
    found = []
    for (dimension, _), group in sorted(
        by_dimension.items(), key=lambda item: (_DIMENSION_RANK[item[0][0]], item[0][1])
    ):
        group.sort(key=lambda t: t.req.id)
        pairs = []
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if dimension in _CHOICE:
                    if a.allowed.isdisjoint(b.allowed):
                        pairs.append((a, b))
                elif a.lo > b.hi + _EPS:
                    pairs.append((b, a))  # (the one with the ceiling, the one with the floor)
                elif b.lo > a.hi + _EPS:
                    pairs.append((a, b))
        for a, b in pairs:
            conflict = (
                _choice_pair(a, b, rules) if dimension in _CHOICE else _interval_pair(ceiling=a, floor=b, rules=rules)
            )
            found.append((conflict, (a.req.id, b.req.id)))
        if (
            dimension in _CHOICE
            and not pairs
            and len(group) > 2
            and not frozenset.intersection(*(t.allowed for t in group))
        ):
            found.append((_choice_none_common(group, rules), tuple(t.req.id for t in group)))
    return found


def _between(a: Requirement, b: Requirement, rules: ConflictRules) -> str:
    if a.stakeholder_id == b.stakeholder_id:
        return f"{_who([a], rules)} states both {_stated_bare(a)} and {_stated_bare(b)}"
    return f"{_who([a], rules)} needs {_stated_bare(a)}; {_who([b], rules)} needs {_stated_bare(b)}"


def _interval_pair(*, ceiling: _Target, floor: _Target, rules: ConflictRules) -> Conflict:
    a, b = ceiling.req, floor.req
    dimension = a.dimension
    # Either bound moved onto the other satisfies both: the ceiling up to the floor's value, or
    # the floor down to the ceiling's value ("==" keeps its op, which then meets the other).
    ceiling_to = floor.lo
    floor_to = ceiling.hi
    relaxations = (
        Relaxation((a.id,), dimension, a.op, ceiling_to),
        Relaxation((b.id,), dimension, b.op, floor_to),
    )
    resolutions = [
        f"{_who([a], rules)} accepts {_phrase(a, a.op, ceiling_to)}, which also meets {_phrase(b)}.",
        f"{_who([b], rules)} accepts {_phrase(b, b.op, floor_to)}, which also meets {_phrase(a)}.",
        *rules.contradiction_resolutions.get(dimension, ()),
    ]
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity([a, b], rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=f"{_between(a, b, rules)}. No value satisfies both.",
        resolutions=resolutions,
        items=[a, b],
        relaxations=relaxations,
    )


def _choice_pair(first: _Target, second: _Target, rules: ConflictRules) -> Conflict:
    a, b = first.req, second.req
    dimension = a.dimension
    relaxations = (
        Relaxation((a.id,), dimension, b.op, b.value),
        Relaxation((b.id,), dimension, a.op, a.value),
    )
    resolutions = [
        f"{_who([a], rules)} accepts {_phrase(b)}, as {_who([b], rules)} needs.",
        f"{_who([b], rules)} accepts {_phrase(a)}, as {_who([a], rules)} needs.",
        *rules.contradiction_resolutions.get(dimension, ()),
    ]
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity([a, b], rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=f"{_between(a, b, rules)}. No single {_DIMENSION_WORDS[dimension]} satisfies both.",
        resolutions=resolutions,
        items=[a, b],
        relaxations=relaxations,
    )


def _choice_none_common(group: Sequence[_Target], rules: ConflictRules) -> Conflict:
    reqs = [t.req for t in group]
    dimension = reqs[0].dimension
    return _conflict(
        kind="contradictory_targets",
        severity=_contradiction_severity(reqs, rules),
        title=f"Contradictory {_DIMENSION_WORDS[dimension].removesuffix(' target')} targets",
        explanation=(
            f"Any two of these can be met together, but no single {_DIMENSION_WORDS[dimension]} meets all of them: "
            + "; ".join(_stated(req, rules) for req in reqs)
            + "."
        ),
        resolutions=rules.contradiction_resolutions.get(dimension, ()),
        items=reqs,
    )


# Rule 2 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Must-haves on one dimension that rule out exactly the same profiles."""

    dimension: str
    mask: int  # bit i set: profile i meets them
    targets: tuple[_Target, ...]


def _infeasible(
    targets: Sequence[_Target],
    profiles: Sequence[ApproachProfile],
    contradictory: Sequence[frozenset[str]],
    rules: ConflictRules,
) -> list[Conflict]:
    if not profiles:
        return []  # no approach data: nothing to judge feasibility by
    full = (1 << len(profiles)) - 1
    must_ids = {t.req.id for t in targets if t.req.must_have}
    contradictory = [ids for ids in contradictory if ids <= must_ids]  # only these can be in a combo

    def mask_of(target: _Target) -> int:
        return sum(1 << i for i, profile in enumerate(profiles) if _meets(profile, target))

    musts = [(t, mask_of(t)) for t in targets if t.req.must_have]
    feasible = full
    for _, mask in musts:
        feasible &= mask
    if feasible:
        return _out_of_reach(targets, profiles, feasible, mask_of, rules)

    members: dict[tuple[str, int], list[_Target]] = defaultdict(list)
    for t, mask in musts:
        if mask != full:  # met by every profile: never part of a minimal infeasible set
            members[(t.req.dimension, mask)].append(t)
    groups = [_Group(dim, mask, tuple(sorted(ts, key=lambda t: t.req.id))) for (dim, mask), ts in members.items()]
    by_mask: dict[int, list[_Group]] = defaultdict(list)
    for group in groups:
        by_mask[group.mask].append(group)
    # A profile that fails a single group meets every must-have once that group is relaxed.
    fails_only: dict[tuple[str, int], list[ApproachProfile]] = defaultdict(list)
    for i, profile in enumerate(profiles):
        failed = [group for group in groups if not group.mask >> i & 1]
        if len(failed) == 1:
            fails_only[(failed[0].dimension, failed[0].mask)].append(profile)

    conflicts = []
    for mask_set in _minimal_empty_intersections(sorted(by_mask), rules.max_infeasible_set_size):
        # A minimal set never holds two equal masks (dropping one would keep it infeasible), so
        # each mask stands for one group, or for several interchangeable ones.
        for combo in _product([by_mask[mask] for mask in mask_set]):
            if not _holds_contradiction(combo, contradictory):
                conflicts.append(_infeasible_conflict(combo, fails_only, profiles, rules))
    return conflicts


def _minimal_empty_intersections(masks: Sequence[int], max_size: int) -> list[tuple[int, ...]]:
    """The sets of up to ``max_size`` masks whose AND is 0 while every proper subset's is not.

    Depth-first over increasing indices, extending only sets whose AND is still non-zero, so a
    superset of an infeasible prefix is never visited; a set that only became 0 through a
    non-prefix subset is dropped by the minimality check.
    """
    found: list[tuple[int, ...]] = []

    def extend(start: int, chosen: tuple[int, ...], acc: int) -> None:
        for k in range(start, len(masks)):
            combo = (*chosen, masks[k])
            both = acc & masks[k]
            if both == 0:
                if all(_and_without(combo, skip) for skip in range(len(combo))):
                    found.append(combo)
            elif len(combo) < max_size:
                extend(k + 1, combo, both)

    extend(0, (), -1)
    return found


def _and_without(masks: tuple[int, ...], skip: int) -> int:
    acc = -1
    for i, mask in enumerate(masks):
        if i != skip:
            acc &= mask
    return acc


def _product(options: Sequence[Sequence[_Group]]) -> list[tuple[_Group, ...]]:
    combos: list[tuple[_Group, ...]] = [()]
    for choices in options:
        combos = [(*combo, choice) for combo in combos for choice in choices]
    return combos


def _holds_contradiction(combo: Sequence[_Group], contradictory: Sequence[frozenset[str]]) -> bool:
    ids = {t.req.id for group in combo for t in group.targets}
    return any(pair <= ids for pair in contradictory)


def _group_text(group: _Group, rules: ConflictRules) -> str:
    return _join([_stated(t.req, rules) for t in group.targets])


def _met_by(mask: int, profiles: Sequence[ApproachProfile]) -> str:
    labels = [p.label for i, p in enumerate(profiles) if mask >> i & 1]
    return f"met by {_join(labels)}" if labels else "met by no candidate approach"


def _infeasible_conflict(
    combo: tuple[_Group, ...],
    fails_only: Mapping[tuple[str, int], Sequence[ApproachProfile]],
    profiles: Sequence[ApproachProfile],
    rules: ConflictRules,
) -> Conflict:
    combo = tuple(sorted(combo, key=lambda g: (_DIMENSION_RANK[g.dimension], g.targets[0].req.id)))
    relaxations, resolutions = [], []
    for group in combo:
        candidates = fails_only.get((group.dimension, group.mask))
        if not candidates:
            continue
        # Every member gets the value that relaxes the strictest one, so all of them pass.
        strictest = _strictest(group)
        best = min(candidates, key=lambda p: _closeness(strictest, p))
        op, value = _relaxed(strictest, best)
        relaxations.append(
            Relaxation(tuple(t.req.id for t in group.targets), group.dimension, op, value, approach=best.key)
        )
        resolutions.append(
            f"Relax the {_DIMENSION_WORDS[group.dimension]} must-have of "
            f"{_who([t.req for t in group.targets], rules)} to {_phrase(strictest.req, op, value)}: "
            f"the {best.label} approach then meets every must-have."
        )
    resolutions += rules.infeasible_resolutions

    words = [_DIMENSION_WORDS[group.dimension] for group in combo]
    if len(combo) == 1:
        title = f"No approach meets the {words[0]} must-have"
        explanation = f"No candidate approach meets {_group_text(combo[0], rules)}."
    else:
        title = f"No approach meets the {_join(words)} must-haves together"
        explanation = (
            "No candidate approach meets these must-haves together: "
            + "; ".join(f"{_group_text(group, rules)}, {_met_by(group.mask, profiles)}" for group in combo)
            + "."
        )
    return _conflict(
        kind="infeasible_must_haves",
        severity=rules.severity.infeasible,
        title=title,
        explanation=explanation,
        resolutions=resolutions,
        items=[t.req for group in combo for t in group.targets],
        relaxations=tuple(relaxations),
    )


def _strictest(group: _Group) -> _Target:
    """The member whose relaxation words the group's (all get the same relaxed value)."""
    if group.dimension in _CHOICE:
        return group.targets[0]
    return min(group.targets, key=lambda t: (t.hi if t.lower_is_better else -t.lo, t.req.id))


def _out_of_reach(
    targets: Sequence[_Target],
    profiles: Sequence[ApproachProfile],
    feasible: int,
    mask_of: Callable[[_Target], int],
    rules: ConflictRules,
) -> list[Conflict]:
    """Rule 2's note: nice-to-haves no approach meeting every must-have reaches."""
    candidates = [p for i, p in enumerate(profiles) if feasible >> i & 1]
    any_must = any(t.req.must_have for t in targets)
    conflicts = []
    for t in targets:
        if t.req.must_have or mask_of(t) & feasible:
            continue
        req = t.req
        if any_must:
            reason = (
                f"none of the approaches that meet every must-have ({_join([p.label for p in candidates])}) reaches it"
            )
        else:
            reason = "no candidate approach reaches it"
        best = min(candidates, key=lambda p: _closeness(t, p))
        op, value = _relaxed(t, best)
        conflicts.append(
            _conflict(
                kind="infeasible_must_haves",
                severity=rules.severity.out_of_reach,
                title=f"The {_DIMENSION_WORDS[req.dimension]} nice-to-have is out of reach",
                explanation=f"{_who([req], rules)} would like {_stated_bare(req)}, but {reason}.",
                resolutions=(
                    f"Relax it to {_phrase(req, op, value)}: the {best.label} approach reaches that and meets every "
                    "must-have.",
                    *rules.out_of_reach_resolutions,
                ),
                items=[req],
                rule="nice_to_have_out_of_reach",
                relaxations=(Relaxation((req.id,), req.dimension, op, value, approach=best.key),),
            )
        )
    return conflicts


# Rule 3 ------------------------------------------------------------------------------------


def _objective_words(objectives: Iterable[Objective]) -> str:
    return _join(sorted({o.name.replace("_", " ") for o in objectives}))


def _wants(objectives: Sequence[Objective], rules: ConflictRules) -> str:
    """ "Asha Rao (ML engineering) wants to maximise accuracy; Sam Lee (sales) wants to ..." """
    by_holder: dict[str, list[Objective]] = defaultdict(list)
    for o in sorted(objectives, key=lambda o: (o.stakeholder_name, o.stakeholder_id, o.name)):
        by_holder[o.stakeholder_id].append(o)
    return "; ".join(
        f"{_who(held, rules)} wants to " + _join([f"{o.direction} {o.name.replace('_', ' ')}" for o in held])
        for held in by_holder.values()
    )


def _competing_severity(sides: Sequence[Sequence[Objective]], rules: ConflictRules) -> str:
    heavy = rules.severity.competing_heavy_weight
    if all(max(o.weight for o in side) >= heavy for side in sides):
        return rules.severity.competing_heavy
    return rules.severity.competing


def _competing(objectives: Sequence[Objective], rules: ConflictRules) -> list[Conflict]:
    conflicts = []
    keyed = [((o.name.strip().lower(), o.direction), o) for o in objectives]
    for rule in rules.competing:
        a = [o for key, o in keyed if key in rule.sides[0]]
        b = [o for key, o in keyed if key in rule.sides[1]]
        if not a or not b:
            continue
        words = {"a": _objective_words(a), "b": _objective_words(b)}
        conflicts.append(
            _conflict(
                kind="competing_objectives",
                severity=_competing_severity([a, b], rules),
                title=f"{_capital(words['a'])} versus {words['b']}",
                explanation=f"{_wants([*a, *b], rules)}. {rule.explanation.format(**words)}",
                resolutions=[text.format(**words) for text in rule.resolutions],
                items=[*a, *b],
                rule=rule.key,
            )
        )
    by_name: dict[str, list[Objective]] = defaultdict(list)
    for (name, _), o in keyed:
        by_name[name].append(o)
    for name, held in sorted(by_name.items()):
        sides = [[o for o in held if o.direction == direction] for direction in DIRECTIONS]
        if not all(sides):
            continue
        words = {"a": name.replace("_", " "), "b": name.replace("_", " ")}
        conflicts.append(
            _conflict(
                kind="competing_objectives",
                severity=_competing_severity(sides, rules),
                title=f"{_capital(words['a'])}: maximise versus minimise",
                explanation=f"{_wants(held, rules)}. {rules.opposite.explanation.format(**words)}",
                resolutions=[text.format(**words) for text in rules.opposite.resolutions],
                items=held,
                rule="opposite_directions",
            )
        )
    return conflicts


# Rule 4 ------------------------------------------------------------------------------------


def _suitability(
    requirements: Sequence[Requirement],
    targets: Sequence[_Target],
    facts: SuitabilityFacts,
    rules: ConflictRules,
) -> list[Conflict]:
    conflicts = []
    for check in rules.suitability_checks:
        spec = _CHECK_SPECS[check.key]
        answer = ""
        used: tuple[str, ...] = ()
        if check.when is not None:
            fact, values = check.when
            value = getattr(facts, fact)
            if value not in values:
                continue
            answer = rules.answer_texts.get(fact, {}).get(value, str(value))
            used = (fact,)
        count = facts.labelled_examples
        if spec.limit_key == "min_examples":
            if count is None or check.limit is None or count >= check.limit:
                continue
            used = (*used, "labelled_examples")
        words = {
            "answer": answer,
            "limit": _number_text(check.limit) if check.limit is not None else "",
            "count": _number_text(count) if count is not None else "",
        }

        if spec.dimension is None:
            # A check about a requirement nobody stated: any requirement on fairness, even a
            # tolerance, shows somebody thought about it.
            if any(req.dimension == "fairness" for req in requirements):
                continue
            conflicts.append(
                _conflict(
                    kind="suitability_mismatch",
                    severity=check.severity_nice_to_have,
                    title=check.title,
                    explanation=check.explanation.format(**words),
                    resolutions=[text.format(**words) for text in check.resolutions],
                    items=[],
                    rule=check.key,
                    facts=used,
                )
            )
            continue

        for t in sorted(targets, key=lambda t: t.req.id):
            req = t.req
            if req.dimension != spec.dimension:
                continue
            if spec.limit_key in ("max_days", "max_months") and not (check.limit is not None and t.hi <= check.limit):
                continue
            texts = {**words, "who": _who([req], rules), "target": _stated_bare(req)}
            conflicts.append(
                _conflict(
                    kind="suitability_mismatch",
                    severity=check.severity_must_have if req.must_have else check.severity_nice_to_have,
                    title=check.title,
                    explanation=_capital(check.explanation.format(**texts)),
                    resolutions=[text.format(**texts) for text in check.resolutions],
                    items=[req],
                    rule=check.key,
                    facts=used,
                )
            )
    return conflicts
