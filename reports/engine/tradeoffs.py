"""The trade-off engine: candidate approaches and stakeholders in, a ranked, explained comparison out.

Plain Python and numpy, no Django: ``compare(TradeoffInputs)`` returns a ``TradeoffReport`` that
``dataclasses.asdict`` turns into plain JSON (no numpy types). Each step names the section of
docs/methodology.md §7 it comes from.

**Approaches** are data (``approaches/definitions/approaches.yaml``, read by ``load_approaches``):
each has a profile on every dimension with the reason for each figure.

**Labelled examples.** Quality depends on the data at hand, so it is read at the proposal's
volume: the ``labelled_examples`` answer, or ``example_count`` when ``labels_available`` is
"all", else 0 (labels that could be made are not labels yet). ``quality_at`` interpolates the
approach's ``quality_by_examples`` linearly in log10(1 + examples) and holds the end values.

**Reading a requirement** (as the conflict detector does, stakeholders/conflicts.py, rule 1): a
profile figure is the best an approach achieves, and it can always do worse on purpose, so only
a bound on the better side binds ("latency <= 100 ms"; ``==`` reads as that bound). A bound on
the worse side states a tolerance and weighs nothing, with two exceptions: "freshness >= N days"
(the platform team holding model updates back, docs/methodology.md §6.2) weighs the retraining-effort
criterion, and a quality bound on a lower-is-better metric (RMSE) weighs quality without binding.
Throughput and fairness have no profile figure: they weigh no criterion and filter nothing
(fairness feeds the fairness risk instead). Objectives weigh the criterion their name maps to
(``OBJECTIVE_CRITERIA``); the criterion keeps its own direction, since nobody is served by
slower or dearer predictions.

**Criteria and weights.** The criteria are the profile dimensions stakeholders weigh
(``CRITERIA``). Each stakeholder's requirement and objective weights (must-haves included, with
the weight they were given) are summed per criterion and scaled to sum to 1, so everyone has an
equal say however many requirements they state; a criterion's weight is the mean of these shares
over the stakeholders who weigh anything. Criteria nobody weighs are left out. With no stakeholder
weighing anything, the criteria are ``DEFAULT_CRITERIA`` with equal weights.

1. **Hard filter** (docs/methodology.md §7.2): an approach that fails any must-have is out, with each failure and who
   holds it. An approach that needs labels is also out when ``labels_available`` or ``has_data``
   is "no": it could be neither trained nor tested (docs/methodology.md §2.4, existing data).
   If every approach is out, the report says so and, for the approaches that fail the fewest
   must-haves (and nothing else), names each must-have to relax and the value that admits them.
2. **Decision matrix and normalisation** (docs/methodology.md §7.3): the raw matrix holds natural units; criteria
   that span orders of magnitude (latency, cost, size, retraining cadence) are compared on
   log10(1 + x), because what matters is relative change (30% more latency cost Booking.com
   0.5% conversion, docs/methodology.md §7.3), so 10 -> 100 ms counts as much as 100 -> 1,000 ms. Then
   benefit (x - min)/(max - min), cost (max - x)/(max - min); a column where every approach is
   equal normalises to 1 and so ranks nobody. Interpretability is its level (0 none, 1 global,
   2 per prediction); deployment and privacy are the weighted share of those requirements the
   approach meets.
3. **Weighted sum** (docs/methodology.md §7.4): S_i = sum_j w_j r_ij. It is the primary ranking: it is linear in the
   weights, so every sensitivity figure below is exact and can be checked by hand.
4. **TOPSIS** (docs/methodology.md §7.5): v_ij = w_j r_ij; S+ and S- are the Euclidean distances to the best and worst
   value per criterion; C_i = S- / (S+ + S-), 1 when both are 0 (every approach is ideal). Shown
   beside the weighted sum as a second opinion; the headline says when they disagree.
5. **Pareto set** (docs/methodology.md §7.6): the approaches no other one dominates (no worse on every criterion,
   better on one), on the criteria in use.
6. **Satisfaction** per stakeholder and approach, 0 to 1: the weighted mean over the stakeholder's
   items the profiles can judge. A requirement with a target scores 1 when met, else the share of
   the target reached (target/x where lower is better, x/target where higher is better, level
   over target level; 0 for a missed deployment or residency). A weighted preference without a
   target (an objective, "freshness >= N", a lower-is-better quality metric) scores the
   approach's normalised value on its criterion.
7. **Sensitivity** (docs/methodology.md §7.8), on the weighted sum:
   - tornado: each weight times (1 - delta) and (1 + delta), the rest renormalised to sum to 1;
     the winner and every score at each end, sorted by how far the winner's margin over the
     runner-up moves;
   - Dirichlet sampling (SMAA): ``samples`` weight vectors from Dirichlet(alpha), alpha_j =
     concentration * w_j, so they centre on the stated weights; the default concentration, 10 per
     criterion, lets a weight of 1/n vary by about 30% of itself (sd/mean = sqrt((n-1)/(c+1))).
     The seed comes from a hash of the inputs, so a report is reproducible. Output: each
     approach's probability of ranking first;
   - flip point: the smallest change of weights, in L1 distance, after which another approach
     wins. Against a challenger b the winner a's lead is g = sum_j w_j (r_aj - r_bj); moving
     weight t from criterion j to k changes it by t (r_ak - r_bk - r_aj + r_bj), so the cheapest
     way is to give weight to the criterion where b gains most on a, taking it first from where
     b loses most (each up to its current weight). The L1 distance is twice the weight moved. The
     smallest over challengers is reported; at exactly that change the two tie, beyond it b wins.
8. **The suitability verdict** comes first: with "not_a_fit" the presented ranking puts the
   approaches without ML (``ml: false``) first, whatever their scores, and ``ml_fit_note`` says
   why (docs/methodology.md §3.2 and §3.3: without data or with a simpler solution, start without
   ML; Rules of ML, rule 1). With "fit_with_caveats" the note gives the caveats and names the best option without
   ML as the benchmark a model must beat (Google, Introduction to ML Problem Framing).
9. **Risks** follow from the answers, judged against the leading approach, each with concrete
   next steps: silent failures (monitoring only uptime or nothing, docs/methodology.md §8),
   drift and retraining (patterns that change, freshness, a coming shift; Rules of ML, rule 8),
   data testing and versioning (docs/methodology.md §8), model size for phones, browsers and
   devices (docs/methodology.md §4.3), fairness review (predictions that affect people,
   docs/methodology.md §4.5), and a data shortfall (fewer labelled examples than the leader
   needs). Sorted high, medium, low.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

APPROACHES_PATH = Path(__file__).resolve().parent.parent.parent / "approaches" / "definitions" / "approaches.yaml"

VERDICTS = ("good_fit", "fit_with_caveats", "not_a_fit")
INTERPRETABILITY_LEVELS = ("none", "global", "per_prediction")
DEPLOYMENTS = ("server", "browser", "phone", "device")
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
DIRECTIONS = ("maximise", "minimise")
SEVERITIES = ("high", "medium", "low")
BENEFIT, COST = "benefit", "cost"
LINEAR, LOG = "linear", "log"


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

_LEVEL = {level: i for i, level in enumerate(INTERPRETABILITY_LEVELS)}
_SEVERITY_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}
_LOWER_IS_BETTER = frozenset({"latency", "cost", "fairness", "freshness", "model_size", "time_to_release"})
_LOWER_IS_BETTER_METRICS = frozenset({"rmse", "mae", "mse", "log_loss", "error_rate"})
_CHOICE = frozenset({"deployment", "privacy"})
# The profile figure each numeric dimension is checked against; quality is read off the curve
# (quality_at). Throughput and fairness have none, so they filter nothing.
_PROFILE_FIGURE = {
    "latency": "latency_ms",
    "cost": "cost_per_month",
    "model_size": "size_mb",
    "freshness": "min_retrain_days",
    "time_to_release": "months_to_release",
}
_FIGURE_DIMENSIONS = frozenset({"quality", *_PROFILE_FIGURE})
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
# Requirements are often typed as the very figure a profile states; float noise must not turn
# that into a miss.
_EPS = 1e-9


# --------------------------------------------------------------------------------------------
# Approaches


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
    _check_keys(data, "approaches file", required={"version", "approaches"})
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("approaches file: 'version' must be a whole number from 1 up")
    entries = _list(data["approaches"], "approaches")
    if not entries:
        raise ValueError("approaches: list at least one approach")
    approaches: list[Approach] = []
    for i, entry in enumerate(entries):
        _check_keys(
            entry, f"approaches[{i}]", required={"key", "label", "description", "ml", "needs_labels", "profile"}
        )
        key = entry["key"]
        if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
            raise ValueError(f"approaches[{i}].key: expected lower_snake_case, got {key!r}")
        where = f"approaches.{key}"
        if any(a.key == key for a in approaches):
            raise ValueError(f"{where}: duplicate key")
        profile = entry["profile"]
        _check_keys(profile, f"{where}.profile", required=set(_FIGURES), optional={"residency"})
        values: dict[str, Any] = {}
        reasons: dict[str, str] = {}
        for name, figure in profile.items():
            at = f"{where}.profile.{name}"
            _check_keys(figure, at, required={"value", "reason"})
            reasons[name] = _text(figure["reason"], f"{at}.reason")
            values[name] = _figure(name, figure["value"], f"{at}.value")
        approaches.append(
            Approach(
                key=key,
                label=_text(entry["label"], f"{where}.label"),
                description=_text(entry["description"], f"{where}.description"),
                ml=_bool(entry["ml"], f"{where}.ml"),
                needs_labels=_bool(entry["needs_labels"], f"{where}.needs_labels"),
                reasons=reasons,
                **values,
            )
        )
    return tuple(approaches)


def _figure(name: str, value: Any, where: str) -> Any:
    if name in _NUMBER_FIGURES:
        return _number(value, where)
    if name == "interpretability":
        if value not in INTERPRETABILITY_LEVELS:
            raise ValueError(f"{where}: expected one of {', '.join(INTERPRETABILITY_LEVELS)}, got {value!r}")
        return value
    if name == "deployments":
        targets = tuple(_text(v, where) for v in _list(value, where))
        if not targets or any(t not in DEPLOYMENTS for t in targets) or len(set(targets)) != len(targets):
            raise ValueError(f"{where}: expected distinct values among {', '.join(DEPLOYMENTS)}")
        return targets
    if name == "residency":
        regions = tuple(_text(v, where) for v in _list(value, where))
        if not regions:
            raise ValueError(f"{where}: list at least one region, or leave residency out")
        return regions
    return _quality_points(value, where)


def _quality_points(value: Any, where: str) -> tuple[QualityPoint, ...]:
    points = []
    for i, raw in enumerate(_list(value, where)):
        _check_keys(raw, f"{where}[{i}]", required={"examples", "quality"})
        quality = _number(raw["quality"], f"{where}[{i}].quality")
        if quality > 1:
            raise ValueError(f"{where}[{i}].quality: expected a number from 0 to 1")
        points.append(QualityPoint(_number(raw["examples"], f"{where}[{i}].examples"), quality))
    if not points or points[0].examples != 0:
        raise ValueError(f"{where}: the first point must be at 0 examples")
    if any(b.examples <= a.examples for a, b in itertools.pairwise(points)):
        raise ValueError(f"{where}: examples must increase from point to point")
    return tuple(points)


def _check_keys(node: Any, where: str, *, required: set[str], optional: Iterable[str] = ()) -> None:
    if not isinstance(node, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(node).__name__}")
    missing = sorted(required - node.keys())
    if missing:
        raise ValueError(f"{where}: missing key '{missing[0]}'")
    # A typo such as `latency:` for `latency_ms:` must fail here, not silently drop a figure.
    unknown = sorted(str(k) for k in node.keys() - required - set(optional))
    if unknown:
        raise ValueError(f"{where}: unknown key '{unknown[0]}'")


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string")
    return value.strip()


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false")
    return value


def _number(value: Any, where: str) -> float:
    if not _is_number(value) or value < 0:
        raise ValueError(f"{where}: expected a number of 0 or more")
    return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
# Inputs


@dataclass(frozen=True)
class Requirement:
    """One requirement, in the dimension's canonical unit (the shape of stakeholders.conflicts')."""

    id: str
    dimension: str
    op: str
    value: float | str | tuple[str, ...]
    must_have: bool
    weight: float = 1.0
    unit: str = ""
    metric: str = ""


@dataclass(frozen=True)
class Objective:
    id: str
    name: str  # "accuracy", "speed", "low_cost", ... (see OBJECTIVE_CRITERIA)
    direction: str = "maximise"
    weight: float = 1.0


@dataclass(frozen=True)
class Stakeholder:
    id: str
    name: str
    role: str = ""
    requirements: tuple[Requirement, ...] = ()
    objectives: tuple[Objective, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TradeoffInputs:
    approaches: tuple[Approach, ...]
    stakeholders: tuple[Stakeholder, ...] = ()
    verdict: str  # the suitability verdict: one of VERDICTS
    # ML-suitability answers in canonical form (keys of questionnaires/ml_suitability.yaml).
    answers: Mapping[str, object] = field(default_factory=dict)
    caveats: tuple[str, ...] = ()  # the suitability result's caveats, quoted when fit_with_caveats
    samples: int = 2000
    concentration: float | None = None  # Dirichlet alpha = concentration * w; None: 10 per criterion
    tornado_delta: float = 0.25
    seed: int | None = None  # None: derived from the inputs


# --------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Contribution:
    """One stakeholder's say on a criterion: their weights on it over all their weights."""

    stakeholder_id: str
    stakeholder_name: str
    share: float
    item_ids: list[str]


@dataclass(frozen=True)
class CriterionUsed:
    key: str
    label: str
    direction: str
    scale: str
    unit: str
    weight: float
    contributions: list[Contribution]


@dataclass(frozen=True)
class NotWeighed:
    """A requirement or objective that weighs no criterion, and why."""

    stakeholder_id: str
    stakeholder_name: str
    item_id: str
    kind: str  # "requirement" | "objective"
    reason: str


@dataclass(frozen=True)
class Failure:
    """Why an approach is out: a must-have it fails, or a fact from the answers."""

    kind: str  # "must_have" | "no_labels"
    requirement_id: str
    stakeholder_id: str
    stakeholder_name: str
    dimension: str
    stated: str  # "p95 latency <= 100 ms"
    approach_value: str  # "120 ms"
    explanation: str


@dataclass(frozen=True)
class ApproachName:
    """An approach as a report names it. Its profile and the reasons for each figure are in the
    report's frozen inputs; a copy in every report's results doubled what each report stored."""

    key: str
    label: str
    ml: bool


@dataclass(frozen=True)
class FilteredApproach:
    key: str
    label: str
    ml: bool
    failures: list[Failure]


@dataclass(frozen=True)
class Relaxation:
    """Relax these must-haves and this approach meets every one (all-filtered case)."""

    approach: str
    label: str
    must_haves: list[Failure]
    text: str


@dataclass(frozen=True)
class Ranked:
    key: str
    label: str
    ml: bool
    score: float
    rank: int  # 1-based, in this list's order


@dataclass(frozen=True)
class TopsisScore:
    key: str
    label: str
    ml: bool
    closeness: float
    distance_best: float  # S+
    distance_worst: float  # S-
    rank: int


@dataclass(frozen=True)
class StakeholderSatisfaction:
    stakeholder_id: str
    stakeholder_name: str
    role: str
    scores: dict[str, float | None]  # approach key -> 0..1; None when nothing of theirs can be judged
    unmet: dict[str, list[str]]  # approach key -> requirement ids it does not fully meet
    counted: list[str]  # the item ids behind the scores
    not_counted: list[str]  # items the profiles cannot judge (throughput, fairness, tolerances)


@dataclass(frozen=True)
class TornadoBar:
    criterion: str
    weight: float
    weight_low: float  # this criterion's weight at each end, after renormalising
    weight_high: float
    winner_low: str
    winner_high: str
    margin_low: float  # the base winner's score minus the best other score; below 0 it has lost
    margin_high: float
    scores_low: dict[str, float]
    scores_high: dict[str, float]


@dataclass(frozen=True)
class Flip:
    """The flip point in indices (``flip_point``); the report's FlipPoint names them."""

    challenger: int
    weight_moved: float
    taken: dict[int, float]  # criterion index -> weight taken from it
    given_to: int
    weights_after: tuple[float, ...]


@dataclass(frozen=True)
class FlipPoint:
    new_winner: str
    weight_moved: float  # total weight moved; beyond it, new_winner ranks first
    l1_distance: float  # = 2 * weight_moved
    taken_from: dict[str, float]
    given_to: str
    weights_after: dict[str, float]
    text: str


@dataclass(frozen=True)
class Sensitivity:
    winner: str  # the weighted-sum winner the figures are about
    delta: float
    tornado: list[TornadoBar]
    samples: int
    concentration: float
    seed: int
    probability_first: dict[str, float]
    flip: FlipPoint | None  # None: no change of weights puts another approach first


@dataclass(frozen=True)
class Risk:
    key: str
    title: str
    severity: str  # "high" | "medium" | "low"
    approach: str  # the leading approach it was judged against ("" when none is left)
    why: list[str]
    answers: dict[str, object]  # the answers it follows from
    next_steps: list[str]
    source: str


@dataclass(frozen=True)
class TradeoffReport:
    headline: str
    ml_fit_note: str  # "" for good_fit
    verdict: str
    labelled_examples: float
    criteria: list[CriterionUsed]
    weights_how: str
    not_weighed: list[NotWeighed]
    approaches: list[ApproachName]  # every candidate (profiles and reasons: the inputs)
    filtered_out: list[FilteredApproach]
    relax: list[Relaxation]  # filled only when every approach is filtered out
    matrix_approaches: list[str]  # the rows of both matrices: the approaches left after the filter
    matrix_raw: list[list[float]]  # natural units, columns in the order of `criteria`
    matrix_normalised: list[list[float]]
    weighted_sum: list[Ranked]
    topsis: list[TopsisScore]
    ranking: list[Ranked]  # the presented order: the weighted sum, no-ML first when not a fit
    pareto: list[str]
    satisfaction: list[StakeholderSatisfaction]
    satisfaction_how: str
    sensitivity: Sensitivity | None  # None with fewer than two approaches left
    risks: list[Risk]


# --------------------------------------------------------------------------------------------
# MCDA on a normalised matrix (rows: approaches, columns: criteria)


def normalise(raw: Any, directions: Sequence[str], scales: Sequence[str] | None = None) -> np.ndarray:
    """Rule 2: min-max per column, benefit (x - min)/(max - min), cost (max - x)/(max - min)."""
    x = np.asarray(raw, dtype=float)
    if scales is not None:
        logged = np.array([s == LOG for s in scales])
        x = np.where(logged, np.log10(1.0 + x), x)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    flat = span <= 0
    safe = np.where(flat, 1.0, span)
    benefit = np.array([d == BENEFIT for d in directions])
    r = np.where(benefit, (x - lo) / safe, (hi - x) / safe)
    return np.where(flat, 1.0, r)


def weighted_sum(normalised: Any, weights: Any) -> np.ndarray:
    """Rule 3: S_i = sum_j w_j r_ij."""
    return np.asarray(normalised, dtype=float) @ np.asarray(weights, dtype=float)


def topsis(normalised: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 4: (closeness, distance to the best point S+, distance to the worst point S-)."""
    v = np.asarray(normalised, dtype=float) * np.asarray(weights, dtype=float)
    best, worst = v.max(axis=0), v.min(axis=0)
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_best + d_worst
    closeness = np.where(total > 0, d_worst / np.where(total > 0, total, 1.0), 1.0)
    return closeness, d_best, d_worst


def pareto_set(normalised: Any) -> list[int]:
    """Rule 5: the indices of the rows no other row dominates."""
    r = np.asarray(normalised, dtype=float)
    no_worse = (r[:, None, :] >= r[None, :, :] - _EPS).all(axis=2)  # [a, b]: a no worse than b anywhere
    better = (r[:, None, :] > r[None, :, :] + _EPS).any(axis=2)
    dominated = (no_worse & better).any(axis=0)
    return [i for i in range(len(r)) if not dominated[i]]


def order(scores: Any) -> list[int]:
    """Indices by score, highest first; ties keep the input order."""
    values = [float(s) for s in scores]
    return sorted(range(len(values)), key=lambda i: (-values[i], i))


def tornado_scores(normalised: Any, weights: Any, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Rule 7, tornado: scores [criterion, approach] with that weight times (1 - delta), (1 + delta)."""
    r = np.asarray(normalised, dtype=float)
    w = np.asarray(weights, dtype=float)
    ends = []
    for factor in (1.0 - delta, 1.0 + delta):
        shifted = np.tile(w, (len(w), 1))
        shifted[np.diag_indices(len(w))] *= factor
        shifted /= shifted.sum(axis=1, keepdims=True)
        ends.append(shifted @ r.T)
    return ends[0], ends[1]


def probability_first(normalised: Any, weights: Any, *, samples: int, concentration: float, seed: int) -> np.ndarray:
    """Rule 7, SMAA: the share of Dirichlet(concentration * w) weight samples each approach wins."""
    r = np.asarray(normalised, dtype=float)
    alpha = concentration * np.asarray(weights, dtype=float)
    sampled = np.random.default_rng(seed).dirichlet(alpha, size=samples)
    winners = (sampled @ r.T).argmax(axis=1)
    return np.bincount(winners, minlength=len(r)) / samples


def flip_point(normalised: Any, weights: Any) -> Flip | None:
    """Rule 7: the smallest weight move (L1 / 2) after which another approach outscores the winner."""
    r = np.asarray(normalised, dtype=float)
    w = np.asarray(weights, dtype=float)
    winner = order(r @ w)[0]
    best: Flip | None = None
    for b in range(len(r)):
        if b == winner:
            continue
        gain = r[b] - r[winner]  # what b gains on the winner per unit of weight on each criterion
        need = -float(gain @ w)  # the winner's lead
        k = int(np.argmax(gain))
        taken: dict[int, float] = {}
        moved = 0.0
        for j in np.argsort(gain, kind="stable"):
            rate = gain[k] - gain[j]
            if need <= _EPS or rate <= _EPS:
                break
            take = min(float(w[j]), need / rate)
            if take > 0:
                taken[int(j)] = take
                moved += take
                need -= take * rate
        if need > _EPS or (best is not None and moved >= best.weight_moved - _EPS):
            continue  # b cannot overtake at all, or not more cheaply than one already found
        after = w.copy()
        for j, take in taken.items():
            after[j] -= take
        after[k] += moved
        best = Flip(b, moved, taken, k, tuple(float(x) for x in after))
    return best


# --------------------------------------------------------------------------------------------
# Stakeholders' requirements as targets and weights


@dataclass(frozen=True)
class _Target:
    """A binding requirement: the bound a profile figure must meet, or the choices allowed."""

    lower_is_better: bool = False
    bound: float = 0.0  # numbers, and interpretability levels as their index
    allowed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Item:
    stakeholder: Stakeholder
    id: str
    kind: str  # "requirement" | "objective"
    weight: float
    criterion: str | None  # the criterion it weighs; None: none (``note`` says why)
    target: _Target | None  # set for requirements checked against a profile figure
    requirement: Requirement | None
    note: str = ""


def _read_requirement(s: Stakeholder, req: Requirement) -> _Item:
    where = f"requirement {req.id}"
    if req.dimension not in DIMENSIONS:
        raise ValueError(f"{where}: unknown dimension '{req.dimension}'")
    if req.op not in OPS:
        raise ValueError(f"{where}: unknown op '{req.op}'")
    weight = _weight(req.weight, where)

    def item(criterion: str | None, target: _Target | None, note: str = "") -> _Item:
        return _Item(s, req.id, "requirement", weight, criterion, target, req, note)

    dim = req.dimension
    if dim in _CHOICE:
        if req.op not in ("==", "in"):
            raise ValueError(f"{where}: {dim} takes '==' or 'in'")
        return item(dim, _Target(allowed=frozenset(_choices(req, where))))
    if dim == "interpretability":
        levels = _choices(req, where)
        if req.op == "<=":
            return item(None, None, "states the most explanation tolerated; every approach can explain less")
        return item(dim, _Target(bound=min(_LEVEL[level] for level in levels)))
    if req.op == "in" or not _is_number(req.value):
        raise ValueError(f"{where}: {dim} needs '<=', '>=' or '==' and a finite number")
    lower = dim in _LOWER_IS_BETTER or (dim == "quality" and req.metric.lower() in _LOWER_IS_BETTER_METRICS)
    if req.op == (">=" if lower else "<="):
        if dim == "freshness":
            return item("maintenance", None)  # model updates held back: fewer, cheaper retrainings
        return item(None, None, "states a tolerance on the worse side, which every approach can meet by design")
    if dim not in _FIGURE_DIMENSIONS:
        return item(None, None, f"no approach profile gives a {_DIMENSION_WORDS[dim]} figure")
    if dim == "quality" and lower:
        return item(dim, None)  # profiles give relative quality, not an error figure
    return item(dim, _Target(lower_is_better=lower, bound=float(req.value)))  # type: ignore[arg-type]


def _choices(req: Requirement, where: str) -> tuple[str, ...]:
    raw = req.value if req.op == "in" else (req.value,)
    if not isinstance(raw, tuple | list) or not raw or not all(isinstance(v, str) and v for v in raw):
        raise ValueError(f"{where}: {req.dimension} needs a value or, with 'in', a non-empty list of them")
    known = {"interpretability": INTERPRETABILITY_LEVELS, "deployment": DEPLOYMENTS}.get(req.dimension)
    for v in raw:
        if known is not None and v not in known:
            raise ValueError(f"{where}: unknown {req.dimension} '{v}' (known: {', '.join(known)})")
    return tuple(raw)


def _read_objective(s: Stakeholder, objective: Objective) -> _Item:
    where = f"objective {objective.id}"
    if objective.direction not in DIRECTIONS:
        raise ValueError(f"{where}: direction must be one of {', '.join(DIRECTIONS)}")
    weight = _weight(objective.weight, where)
    criterion = OBJECTIVE_CRITERIA.get(objective.name.strip().lower())
    note = "" if criterion else f"no criterion measures '{objective.name}'"
    return _Item(s, objective.id, "objective", weight, criterion, None, None, note)


def _weight(value: Any, where: str) -> float:
    if not _is_number(value) or value < 0:
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


def _profile_number(approach: Approach, dimension: str, quality: Mapping[str, float]) -> float:
    """The approach's figure on a numeric dimension; ``quality``: each approach's quality_at the
    proposal's labelled examples, computed once per report."""
    if dimension == "quality":
        return quality[approach.key]
    return getattr(approach, _PROFILE_FIGURE[dimension])


def _satisfies(approach: Approach, item: _Item, quality: Mapping[str, float]) -> float:
    """How much of a target the approach reaches, 0 to 1 (rule 6); 1 means it meets it."""
    target, dim = item.target, item.requirement.dimension  # type: ignore[union-attr]
    assert target is not None
    if dim == "deployment":
        return 1.0 if target.allowed.intersection(approach.deployments) else 0.0
    if dim == "privacy":
        return 1.0 if not approach.residency or target.allowed.intersection(approach.residency) else 0.0
    if dim == "interpretability":
        level = _LEVEL[approach.interpretability]
        return 1.0 if level >= target.bound else level / target.bound
    x = _profile_number(approach, dim, quality)
    if target.lower_is_better:
        return 1.0 if x <= target.bound + _EPS else (target.bound / x if x > 0 else 0.0)
    return 1.0 if x >= target.bound - _EPS else x / target.bound


# --------------------------------------------------------------------------------------------
# Words


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


# --------------------------------------------------------------------------------------------
# Hard filter


def labelled_examples_from(answers: Mapping[str, object]) -> float:
    """The labels at hand: ``labelled_examples``, or ``example_count`` when every example is labelled."""
    count = answers.get("labelled_examples")
    if _is_number(count):
        return max(float(count), 0.0)  # type: ignore[arg-type]
    examples = answers.get("example_count")
    if answers.get("labels_available") == "all" and _is_number(examples):
        return max(float(examples), 0.0)  # type: ignore[arg-type]
    return 0.0


def _failures(
    approach: Approach, must_haves: Sequence[_Item], answers: Mapping[str, object], quality: Mapping[str, float]
) -> list[Failure]:
    failures = []
    if approach.needs_labels:
        for key in ("labels_available", "has_data"):
            if answers.get(key) == "no":
                failures.append(
                    Failure(
                        kind="no_labels",
                        requirement_id="",
                        stakeholder_id="",
                        stakeholder_name="",
                        dimension="",
                        stated=f"{key} = no",
                        approach_value="needs labelled examples",
                        explanation=(
                            f"{approach.label} needs labelled examples to be trained and tested, and the suitability "
                            "answers say there are none to be had."
                        ),
                    )
                )
                break
    for item in must_haves:
        if _satisfies(approach, item, quality) < 1.0:
            req = item.requirement
            assert req is not None
            shown = _shown(approach, req.dimension, quality)
            failures.append(
                Failure(
                    kind="must_have",
                    requirement_id=req.id,
                    stakeholder_id=item.stakeholder.id,
                    stakeholder_name=item.stakeholder.name,
                    dimension=req.dimension,
                    stated=_stated(req),
                    approach_value=shown,
                    explanation=f"{_who(item.stakeholder)} requires {_stated(req)}; {approach.label} offers {shown}.",
                )
            )
    return failures


def _relaxations(filtered: Sequence[FilteredApproach], by_key: Mapping[str, Approach]) -> list[Relaxation]:
    """The approaches that fail the fewest must-haves (and nothing else), and what to relax for each."""
    relaxable = [f for f in filtered if all(x.kind == "must_have" for x in f.failures)]
    if not relaxable:
        return []
    fewest = min(len(f.failures) for f in relaxable)
    found = []
    for f in relaxable:
        if len(f.failures) != fewest:
            continue
        steps = [f"{x.stakeholder_name}'s must-have ({x.stated}) to {x.approach_value}" for x in f.failures]
        found.append(
            Relaxation(
                approach=f.key,
                label=f.label,
                must_haves=f.failures,
                text=f"Relax {_join(steps)}, and {by_key[f.key].label} meets every must-have.",
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# Risks


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


# The retraining interval each freshness_need answer asks for, from its option's words: "it must
# learn from yesterday's data", "updating every week", "monthly updates are fine".
_FRESHNESS_DAYS = {"a_lot": 1, "some": 7, "nothing": 30}


def _risks(
    answers: Mapping[str, object],
    leader: Approach | None,
    survivors: Sequence[Approach],
    items: Sequence[_Item],
    examples: float,
) -> list[Risk]:
    lead = leader.key if leader else ""
    ml_lead = leader is None or leader.ml
    risks = []

    monitoring = answers.get("monitoring_plan")
    if monitoring in ("uptime_only", "none"):
        # A model nobody watches is the chapter's silent failure; rules fail more visibly (a rule that
        # misfires does so the same way every time), so a rules leader drops a level.
        severity = {("none", True): "high", ("uptime_only", False): "low"}.get((monitoring, ml_lead), "medium")
        steps = [
            "Log every prediction with its inputs, the model or rules version and a request id, so outcomes can "
            "be joined to it later.",
            "Monitor the inputs against the training data (missing values, ranges, category frequencies) and alert "
            "when they drift.",
            "Monitor the outputs (the share of each predicted class, or score percentiles) and alert when they move.",
            "Measure prediction quality every week on a sample of live cases whose outcome is known, beside the "
            "baseline's.",
        ]
        if not ml_lead:
            steps.append("Track how often each rule fires and what follows; a rule that stops firing fails silently.")
        risks.append(
            Risk(
                key="silent_failures",
                title="Silent failures: nothing watches the predictions themselves",
                severity=severity,
                approach=lead,
                why=[
                    f"The monitoring plan is '{_answer_text(monitoring)}'.",
                    "ML systems fail silently: a model keeps answering, confidently and wrongly, while every uptime "
                    "check stays green.",
                ],
                answers={"monitoring_plan": monitoring},
                next_steps=steps,
                source=(
                    "docs/methodology.md §8: ML systems fail silently, so monitor inputs and outputs, not only uptime"
                ),
            )
        )

    risks += _drift_risk(answers, leader)

    versioned = answers.get("data_versioned")
    if versioned in ("no", "unknown"):
        raw_issues = answers.get("data_issues")
        issues = raw_issues if isinstance(raw_issues, list) else []
        serious = [i for i in ("untrusted", "rare_outcome", "label_noise") if i in issues]
        steps = [
            "Give every training set an immutable version stored with each model, so any model can be rebuilt "
            "and compared.",
            "Test each new batch like code before it is used: schema, value ranges, missing values, duplicates.",
            "Check the class balance of every version: 1,000 positives in a million is a different problem "
            "from an even split.",
        ]
        if "untrusted" in serious:
            steps.append("Screen data from untrusted sources for malformed or poisoned records before training.")
        if "label_noise" in serious:
            steps.append("Re-label a sample and measure how often people agree before trusting any score.")
        why = [f"The data is not tested and versioned like code (data_versioned: {_answer_text(versioned)})."]
        if serious:
            why.append(f"Known data problems make it riskier: {_answer_text(serious)}.")
        risks.append(
            Risk(
                key="data_testing",
                title="Untested, unversioned data",
                severity="high" if serious else "medium",
                approach=lead,
                why=why,
                answers={"data_versioned": versioned, **({"data_issues": issues} if serious else {})},
                next_steps=steps,
                source=(
                    "docs/methodology.md §8: data must be tested and versioned like code "
                    "(skewed classes, poisoned data)"
                ),
            )
        )

    if leader is not None:
        risks += _size_risk(answers, leader, survivors)
    risks += _fairness_risk(answers, leader, items)
    if leader is not None and leader.needs_labels and examples < leader.data_needed:
        fallback = next((a for a in survivors if not a.needs_labels and not a.ml), None)
        steps = [
            f"Collect labels until there are about {_num(leader.data_needed)}: log each outcome against its "
            "prediction from the first day.",
            "Have people label a sample of a few hundred cases to measure how hard the task is.",
        ]
        if fallback is not None:
            steps.insert(0, f"Launch {fallback.label} first and let the model follow once the labels are in.")
        risks.append(
            Risk(
                key="data_shortfall",
                title="Fewer labelled examples than the leading approach needs",
                severity="high" if examples < leader.data_needed / 10 else "medium",
                approach=lead,
                why=[
                    f"{leader.label} needs about {_num(leader.data_needed)} labelled examples to beat a heuristic; "
                    f"there are {_num(examples)}."
                ],
                answers={"labelled_examples": answers.get("labelled_examples")},
                next_steps=steps,
                source="docs/methodology.md §2.4: good data is abundant; without it, start without ML and collect data",
            )
        )
    return sorted(risks, key=lambda r: _SEVERITY_RANK[r.severity])


def _drift_risk(answers: Mapping[str, object], leader: Approach | None) -> list[Risk]:
    change, freshness, shift, age = (
        answers.get(k) for k in ("pattern_change", "freshness_need", "upcoming_shift", "data_age")
    )
    why, severity = [], []
    if change in ("fast", "slow"):
        pace = "within weeks" if change == "fast" else "over months"
        why.append(f"The patterns behind the outcome change {pace}.")
        severity.append("high" if change == "fast" else "medium")
    if freshness in ("a_lot", "some"):
        why.append(f"A model a day old loses {'a lot' if freshness == 'a_lot' else 'some'} of its value.")
        severity.append("high" if freshness == "a_lot" else "medium")
    if shift == "yes":
        why.append("A change the data does not cover is coming (a new market, product or regulation).")
        severity.append("medium")
    if age == "old":
        why.append("Most examples are older than three years.")
        severity.append("medium")
    if not why:
        return []
    days = _FRESHNESS_DAYS.get(str(freshness), 7 if change == "fast" else 30)
    steps = [
        f"Automate retraining at least every {_num(days)} days, with the data snapshot and the evaluation in the "
        "same pipeline.",
        "Keep the previous model deployable and roll back automatically when a new one scores worse.",
        "Test on the most recent weeks of data, so a model is judged on the newest patterns.",
    ]
    if leader is not None and leader.min_retrain_days > days:
        why.append(f"{leader.label} can be updated every {_num(leader.min_retrain_days)} days at best.")
        severity.append("high")
        if not leader.ml:
            steps[0] = f"Review the rules every {_num(days)} days against recent cases; hand rules go stale."
        elif not leader.needs_labels:
            # An ML approach that does not learn from your labels is someone else's model.
            steps[0] = "Pin the provider's model version and re-run your evaluation whenever they change it."
    if shift == "yes" or age == "old":
        steps.append("Collect recent examples, including from the coming change, and test on them before launch.")
    return [
        Risk(
            key="drift_retraining",
            title="Drift: the model goes stale unless it is retrained",
            severity=min(severity, key=_SEVERITY_RANK.__getitem__),
            approach=leader.key if leader else "",
            why=why,
            answers={
                k: v
                for k, v in (
                    ("pattern_change", change),
                    ("freshness_need", freshness),
                    ("upcoming_shift", shift),
                    ("data_age", age),
                )
                if v is not None
            },
            next_steps=steps,
            source=(
                "docs/methodology.md §2.10, §2.6 (patterns change; unseen data must share the patterns); "
                "Rules of ML, rule 8"
            ),
        )
    ]


def _size_risk(answers: Mapping[str, object], leader: Approach, survivors: Sequence[Approach]) -> list[Risk]:
    target = answers.get("deployment_target")
    if target not in ("browser", "phone", "device"):
        return []
    limit = answers.get("model_size_limit_mb")
    why, severity = [], ""
    if target not in leader.deployments:
        why.append(f"{leader.label} does not run on a {target} ({', '.join(leader.deployments)} only).")
        severity = "high"
    if _is_number(limit) and leader.size_mb > limit:  # type: ignore[operator]
        why.append(f"{leader.label} is about {_num(leader.size_mb)} MB; the {target} holds {_num(limit)} MB.")  # type: ignore[arg-type]
        severity = "high"
    elif not _is_number(limit) and leader.size_mb > 0:
        why.append(f"The size limit of the {target} is not known; {leader.label} is about {_num(leader.size_mb)} MB.")
        severity = severity or "medium"
    if not severity:
        return []
    fits = [
        a.label
        for a in survivors
        if target in a.deployments and (not _is_number(limit) or a.size_mb <= limit)  # type: ignore[operator]
    ]
    steps = [
        f"Measure the model's size, memory and p95 latency on the {target} itself, not on a server.",
        "Shrink it: quantise (8-bit weights take a quarter of the space of 32-bit), prune, or distil it into a "
        "smaller model.",
        "Keep a server-side fallback for the devices that cannot hold it.",
    ]
    if not _is_number(limit):
        steps.insert(0, f"State the largest model the {target} can hold, in MB.")
    if fits:
        steps.append(f"Or choose an approach that fits: {_join(fits)}.")
    return [
        Risk(
            key="model_size",
            title=f"The model may not fit on the {target}",
            severity=severity,
            approach=leader.key,
            why=[*why, "Large models are hard to put on phones and devices: BERT-large takes 1.35 GB."],
            answers={"deployment_target": target, "model_size_limit_mb": limit},
            next_steps=steps,
            source=(
                "docs/methodology.md §4.3: deployment target and size limit; large models are hard to put on devices"
            ),
        )
    ]


def _fairness_risk(answers: Mapping[str, object], leader: Approach | None, items: Sequence[_Item]) -> list[Risk]:
    if answers.get("affects_people") != "yes":
        return []
    raw_groups = answers.get("protected_groups")
    groups = [g for g in raw_groups if g != "none"] if isinstance(raw_groups, list) else []
    stated = [i for i in items if i.requirement is not None and i.requirement.dimension == "fairness"]
    why = ["The predictions affect individual people."]
    if groups:
        why.append(f"They could treat people differently by {_answer_text(groups)}.")
    steps = []
    if stated:
        asks = "; ".join(f"{_who(i.stakeholder)}: {_stated(i.requirement)}" for i in stated)  # type: ignore[arg-type]
        steps.append(f"Measure the disparity the stakeholders asked for ({asks}) and make it a release gate.")
    else:
        why.append("No stakeholder has stated a fairness requirement yet.")
        steps.append(
            "Choose a parity measure (for example the gap in error rates between groups) and a tolerance, and record "
            "it as a stakeholder requirement."
        )
    groups_words = _answer_text(groups) if groups else "the groups that matter here"
    steps += [
        f"Compare error rates across {groups_words} on the test set before release, and on live outcomes after.",
        "Have someone outside the team review the results before launch.",
        "Give the people affected a way to ask for a person to review a decision.",
    ]
    if leader is not None and leader.interpretability == "none":
        steps.append(
            f"{leader.label} cannot explain single predictions: add per-prediction explanations, or prefer an "
            "interpretable approach for decisions about people."
        )
    return [
        Risk(
            key="fairness_review",
            title="Fairness review for predictions about people",
            severity="high" if groups else "medium",
            approach=leader.key if leader else "",
            why=why,
            answers={"affects_people": "yes", **({"protected_groups": raw_groups} if raw_groups is not None else {})},
            next_steps=steps,
            source=(
                "docs/methodology.md §4.5: fairness must be considered in production; "
                "§6.1: protected attributes and parity"
            ),
        )
    ]


# --------------------------------------------------------------------------------------------
# The report


def _f(x: float) -> float:
    return round(float(x), 6)


def _seed(keys: Sequence[str], criteria: Sequence[str], weights: np.ndarray, r: np.ndarray) -> int:
    """A seed from what the sampling depends on, so the same inputs give the same probabilities."""
    text = repr((list(keys), list(criteria), np.round(weights, 9).tolist(), np.round(r, 9).tolist()))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _check(inputs: TradeoffInputs) -> None:
    if inputs.verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {inputs.verdict!r}")
    if not inputs.approaches:
        raise ValueError("approaches: compare at least one")
    keys = [a.key for a in inputs.approaches]
    if len(set(keys)) != len(keys):
        raise ValueError("approaches: keys must be unique")
    if len({s.id for s in inputs.stakeholders}) != len(inputs.stakeholders):
        raise ValueError("stakeholders: ids must be unique")
    if inputs.samples < 1:
        raise ValueError("samples must be 1 or more")
    if not 0 < inputs.tornado_delta < 1:
        raise ValueError("tornado_delta must be between 0 and 1")
    if inputs.concentration is not None and not inputs.concentration > 0:
        raise ValueError("concentration must be above 0")


def compare(inputs: TradeoffInputs) -> TradeoffReport:
    """Rank the approaches for these stakeholders; see the module docstring for every rule."""
    _check(inputs)
    answers = inputs.answers
    examples = labelled_examples_from(answers)
    quality = {a.key: quality_at(a, examples) for a in inputs.approaches}
    items = _items(inputs.stakeholders)
    criteria, weights_how = _criteria(inputs.stakeholders, items)
    not_weighed = [
        NotWeighed(i.stakeholder.id, i.stakeholder.name, i.id, i.kind, i.note) for i in items if i.criterion is None
    ]

    must_haves = [i for i in items if i.target is not None and i.requirement is not None and i.requirement.must_have]
    filtered, survivors = [], []
    for approach in inputs.approaches:
        failures = _failures(approach, must_haves, answers, quality)
        if failures:
            filtered.append(FilteredApproach(approach.key, approach.label, approach.ml, failures))
        else:
            survivors.append(approach)
    by_key = {a.key: a for a in inputs.approaches}
    common = {
        "verdict": inputs.verdict,
        "labelled_examples": examples,
        "criteria": criteria,
        "weights_how": weights_how,
        "not_weighed": not_weighed,
        "approaches": [ApproachName(a.key, a.label, a.ml) for a in inputs.approaches],
        "filtered_out": filtered,
    }
    if not survivors:
        relax = _relaxations(filtered, by_key)
        headline = "No candidate approach meets every must-have. " + (
            relax[0].text if relax else "Each fails a must-have or needs labels the proposal does not have."
        )
        return TradeoffReport(
            headline=headline,
            ml_fit_note=_fit_note(inputs, None, None, []),
            relax=relax,
            matrix_approaches=[],
            matrix_raw=[],
            matrix_normalised=[],
            weighted_sum=[],
            topsis=[],
            ranking=[],
            pareto=[],
            satisfaction=[],
            satisfaction_how=_SATISFACTION_HOW,
            sensitivity=None,
            risks=_risks(answers, None, [], items, examples),
            **common,
        )

    keys = [c.key for c in criteria]
    w = np.array([c.weight for c in criteria])
    # The requirements behind the deployment and privacy criteria (rule 2: the share each approach meets).
    shares = {
        key: [i for i in items if i.criterion == key and i.target is not None and i.weight > 0] for key in _CHOICE
    }
    raw = np.array([[_raw_value(a, key, shares, quality) for key in keys] for a in survivors])
    r = normalise(raw, [c.direction for c in criteria], [c.scale for c in criteria])
    scores = weighted_sum(r, w)
    closeness, d_best, d_worst = topsis(r, w)

    def ranked(indices: Sequence[int]) -> list[Ranked]:
        return [
            Ranked(survivors[i].key, survivors[i].label, survivors[i].ml, _f(scores[i]), n)
            for n, i in enumerate(indices, start=1)
        ]

    by_score = order(scores)
    presented = by_score
    if inputs.verdict == "not_a_fit":
        presented = sorted(by_score, key=lambda i: survivors[i].ml)  # stable: score order within each group
    topsis_rows = [
        TopsisScore(
            survivors[i].key, survivors[i].label, survivors[i].ml, _f(closeness[i]), _f(d_best[i]), _f(d_worst[i]), n
        )
        for n, i in enumerate(order(closeness), start=1)
    ]
    sensitivity = _sensitivity(inputs, survivors, criteria, r, w, scores) if len(survivors) > 1 else None
    leader = survivors[presented[0]]
    ranking = ranked(presented)
    weighted = ranked(by_score)
    return TradeoffReport(
        headline=_headline(inputs, ranking, weighted, topsis_rows, sensitivity, filtered, by_key),
        ml_fit_note=_fit_note(inputs, ranking, survivors[by_score[0]], survivors),
        relax=[],
        matrix_approaches=[a.key for a in survivors],
        matrix_raw=[[_f(x) for x in row] for row in raw],
        matrix_normalised=[[_f(x) for x in row] for row in r],
        weighted_sum=weighted,
        topsis=topsis_rows,
        ranking=ranking,
        pareto=[survivors[i].key for i in pareto_set(r)],
        satisfaction=_satisfaction(inputs.stakeholders, items, survivors, keys, r, quality),
        satisfaction_how=_SATISFACTION_HOW,
        sensitivity=sensitivity,
        risks=_risks(answers, leader, survivors, items, examples),
        **common,
    )


def _raw_value(
    approach: Approach, criterion: str, shares: Mapping[str, Sequence[_Item]], quality: Mapping[str, float]
) -> float:
    if criterion == "interpretability":
        return float(_LEVEL[approach.interpretability])
    if criterion == "maintenance":
        return approach.retrain_effort
    if criterion in _CHOICE:
        held = shares[criterion]
        # Positive: the criterion is only in use when such a requirement carries weight.
        return sum(i.weight * _satisfies(approach, i, quality) for i in held) / sum(i.weight for i in held)
    return _profile_number(approach, criterion, quality)


_SATISFACTION_HOW = (
    "For each stakeholder, the weighted mean over their requirements and objectives that the profiles can judge: a "
    "requirement with a target scores 1 when met, else the share of the target reached (target / value where lower "
    "is better, value / target where higher is better, level / required level; 0 for a missed deployment or "
    "residency); an objective or a preference without a target scores the approach's normalised value on its "
    "criterion. Throughput, fairness and tolerances on the worse side are not counted."
)


def _satisfaction(
    stakeholders: Sequence[Stakeholder],
    items: Sequence[_Item],
    survivors: Sequence[Approach],
    keys: Sequence[str],
    r: np.ndarray,
    quality: Mapping[str, float],
) -> list[StakeholderSatisfaction]:
    column = {key: j for j, key in enumerate(keys)}
    by_stakeholder = _by_stakeholder(items)
    found = []
    for s in stakeholders:
        own = by_stakeholder[s.id]
        counted = [i for i in own if (i.target is not None or i.criterion is not None) and i.weight > 0]
        counted_ids = {i.id for i in counted}
        total = sum(i.weight for i in counted)
        scores: dict[str, float | None] = {}
        unmet: dict[str, list[str]] = {}
        for row, approach in enumerate(survivors):
            if total <= 0:
                scores[approach.key] = None
                continue
            earned = 0.0
            missed = []
            for i in counted:
                if i.target is not None:
                    got = _satisfies(approach, i, quality)
                    if got < 1.0:
                        missed.append(i.id)
                else:
                    got = float(r[row, column[i.criterion]])  # type: ignore[index]
                earned += i.weight * got
            scores[approach.key] = _f(earned / total)
            if missed:
                unmet[approach.key] = missed
        found.append(
            StakeholderSatisfaction(
                stakeholder_id=s.id,
                stakeholder_name=s.name,
                role=s.role,
                scores=scores,
                unmet=unmet,
                counted=[i.id for i in counted],
                not_counted=[i.id for i in own if i.id not in counted_ids],
            )
        )
    return found


def _sensitivity(
    inputs: TradeoffInputs,
    survivors: Sequence[Approach],
    criteria: Sequence[CriterionUsed],
    r: np.ndarray,
    w: np.ndarray,
    scores: np.ndarray,
) -> Sensitivity:
    keys = [a.key for a in survivors]
    winner = order(scores)[0]
    low, high = tornado_scores(r, w, inputs.tornado_delta)
    others = np.arange(len(survivors)) != winner

    def margin(row: np.ndarray) -> float:
        return float(row[winner] - row[others].max())

    bars = []
    for j, c in enumerate(criteria):
        ends = []
        for factor, table in ((1 - inputs.tornado_delta, low), (1 + inputs.tornado_delta, high)):
            shifted = w[j] * factor
            ends.append((shifted / (1 - w[j] + shifted), table[j]))
        (w_low, s_low), (w_high, s_high) = ends
        bars.append(
            TornadoBar(
                criterion=c.key,
                weight=_f(w[j]),
                weight_low=_f(w_low),
                weight_high=_f(w_high),
                winner_low=keys[order(s_low)[0]],
                winner_high=keys[order(s_high)[0]],
                margin_low=_f(margin(s_low)),
                margin_high=_f(margin(s_high)),
                scores_low={k: _f(x) for k, x in zip(keys, s_low, strict=True)},
                scores_high={k: _f(x) for k, x in zip(keys, s_high, strict=True)},
            )
        )
    bars.sort(key=lambda b: -abs(b.margin_high - b.margin_low))

    concentration = inputs.concentration or 10.0 * len(criteria)
    seed = inputs.seed if inputs.seed is not None else _seed(keys, [c.key for c in criteria], w, r)
    p_first = probability_first(r, w, samples=inputs.samples, concentration=concentration, seed=seed)
    flip = flip_point(r, w)
    return Sensitivity(
        winner=keys[winner],
        delta=inputs.tornado_delta,
        tornado=bars,
        samples=inputs.samples,
        concentration=float(concentration),
        seed=seed,
        probability_first={k: _f(p) for k, p in zip(keys, p_first, strict=True)},
        flip=_flip_point(flip, survivors, criteria, winner) if flip else None,
    )


def _flip_point(flip: Flip, survivors: Sequence[Approach], criteria: Sequence[CriterionUsed], winner: int) -> FlipPoint:
    taken = {criteria[j].key: _f(t) for j, t in sorted(flip.taken.items(), key=lambda jt: -jt[1])}
    labels = [criteria[j].label.lower() for j in sorted(flip.taken, key=lambda j: -flip.taken[j])]
    new, old = survivors[flip.challenger].label, survivors[winner].label
    return FlipPoint(
        new_winner=survivors[flip.challenger].key,
        weight_moved=_f(flip.weight_moved),
        l1_distance=_f(2 * flip.weight_moved),
        taken_from=taken,
        given_to=criteria[flip.given_to].key,
        weights_after={c.key: _f(x) for c, x in zip(criteria, flip.weights_after, strict=True)},
        text=(
            f"Moving {flip.weight_moved:.2f} of the weight from {_join(labels)} to "
            f"{criteria[flip.given_to].label.lower()} makes {new} tie with {old}; any more hands {new} the lead."
            if flip.taken
            else f"{new} ties with {old} at these weights; the order shown between them is the input order."
        ),
    )


def _fit_note(
    inputs: TradeoffInputs,
    ranking: Sequence[Ranked] | None,
    top_scorer: Approach | None,
    survivors: Sequence[Approach],
) -> str:
    if inputs.verdict == "good_fit":
        return ""
    if inputs.verdict == "not_a_fit":
        note = (
            "The ML-suitability assessment found ML not a good fit (yet), so the approaches without ML come first "
            "whatever their scores: launch without ML, measure it, and collect data (docs/methodology.md §3; "
            "Rules of ML, rule 1)."
        )
        if not any(not a.ml for a in survivors):
            note += " No approach without ML meets every must-have: review the must-haves before building a model."
        elif top_scorer is not None and top_scorer.ml:
            note += (
                f" On the stakeholders' weights alone, {top_scorer.label} would score highest; come back to it once "
                "the reasons behind the verdict are dealt with."
            )
        return note
    caveats = " ".join(inputs.caveats) or "Read the caveats of the suitability assessment before committing."
    note = f"The ML-suitability assessment found ML a fit, with caveats. {caveats}"
    baseline = next((row for row in ranking or () if not row.ml), None)
    if baseline is not None:
        note += (
            f" The best option without ML is {baseline.label}, at {baseline.score:.2f}: the benchmark any model "
            "must beat on quality, cost and upkeep."
        )
    return note


def _headline(
    inputs: TradeoffInputs,
    ranking: Sequence[Ranked],
    weighted: Sequence[Ranked],
    topsis_rows: Sequence[TopsisScore],
    sensitivity: Sensitivity | None,
    filtered: Sequence[FilteredApproach],
    by_key: Mapping[str, Approach],
) -> str:
    lead = ranking[0]
    parts = []
    if inputs.verdict == "not_a_fit":
        parts.append(
            "ML is not a good fit here (yet), so the options without ML lead."
            if not lead.ml
            else "ML is not a good fit here (yet), but no option without ML meets every must-have."
        )
    elif inputs.verdict == "fit_with_caveats":
        parts.append("ML is a fit, with caveats.")
    if len(ranking) == 1:
        parts.append(f"{lead.label} is the only approach that meets every must-have.")
    elif inputs.verdict == "not_a_fit":
        parts.append(f"{lead.label} comes first (score {lead.score:.2f}).")
    else:
        second = ranking[1]
        parts.append(f"{lead.label} leads (score {lead.score:.2f}), ahead of {second.label} ({second.score:.2f}).")
    top = weighted[0]  # the weighted-sum winner: what TOPSIS and the sensitivity figures are compared with
    if topsis_rows[0].key != top.key:
        parts.append(f"TOPSIS puts {topsis_rows[0].label} first (closeness {topsis_rows[0].closeness:.2f}).")
    if sensitivity is not None:
        subject = (
            "It" if top.key == lead.key else f"On the weights alone {top.label} scores highest ({top.score:.2f}); it"
        )
        odds = f"{subject} ranks first in {sensitivity.probability_first[sensitivity.winner]:.0%} of "
        odds += f"{sensitivity.samples:,} weight samples"
        flip = sensitivity.flip
        if flip is None:
            parts.append(odds + ", and no change of weights puts another approach first.")
        elif not flip.taken_from:
            parts.append(f"{odds}; it ties with {by_key[flip.new_winner].label}.")
        else:
            source = _join([_CRITERION[k].label.lower() for k in flip.taken_from])
            parts.append(
                f"{odds}; moving {flip.weight_moved:.2f} of the weight from {source} to "
                f"{_CRITERION[flip.given_to].label.lower()} would hand the lead to {by_key[flip.new_winner].label}."
            )
    if filtered:
        n = len(filtered)
        parts.append(f"{n} of {len(by_key)} approaches {'fails' if n == 1 else 'fail'} a must-have.")
    return " ".join(parts)
