"""The trade-off engine's inputs and outputs: frozen dataclasses that ``dataclasses.asdict`` (or
reports.inputs.plain) turns into plain JSON, with no numpy types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.approaches import Approach

# A criterion's direction, and the scale it is compared on (rule 2 of the package docstring).
BENEFIT, COST = "benefit", "cost"
LINEAR, LOG = "linear", "log"


def _f(x: float) -> float:
    """A figure as the report stores it: a plain float, rounded so that reruns compare equal."""
    return round(float(x), 6)


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
    # What it gives up: the sum of each bound's relative change (docs/methodology.md §7.13).
    give_up: float = 0.0


@dataclass(frozen=True)
class SetMember:
    """One must-have of a minimal infeasible set (or several on one dimension that rule out the
    same approaches), with the approaches that meet it on its own."""

    requirement_ids: list[str]
    stated: str  # "accuracy >= 0.97 (Ana Diaz)"
    met_by: list[str]  # approach labels


@dataclass(frozen=True)
class InfeasibleSet:
    """Must-haves no approach meets together, while dropping any one admits one (§7.13)."""

    members: list[SetMember]
    text: str
    # For a must-have no approach meets alone: the other must-haves that the approaches closest to
    # it fail, so they constrain it too.
    also_constrained_by: list[str]


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
    # The problem the approaches' figures were read for (docs/methodology.md §7.12), in words.
    problem: str = ""
    task_family: str = "other"
    # When every approach is out: each minimal set of must-haves no approach meets together
    # (docs/methodology.md §7.13), and whether the list was cut short.
    infeasible_sets: list[InfeasibleSet] = field(default_factory=list)
    infeasible_sets_capped: bool = False
