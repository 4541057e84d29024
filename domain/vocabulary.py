"""The words MLFit decides with: requirement dimensions and verdicts (docs/methodology.md §5, §6.1).

Each is defined here once. The stakeholder model's choices, the requirement forms, the conflict
detector and the trade-off engine all read these, so a dimension cannot be added to one of them
and forgotten in another, and a dimension or verdict is labelled the same on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Requirements

OPS = ("<=", ">=", "==", "in")
DIRECTIONS = ("maximise", "minimise")  # what an objective asks of its measure
SEVERITIES = ("high", "medium", "low")  # of a conflict or a risk, most urgent first

INTERPRETABILITY_LEVELS = ("none", "global", "per_prediction")  # each includes the ones before it
DEPLOYMENTS = ("server", "browser", "phone", "device")
# The regions the requirement forms offer. The set is open for the engines: a third-party
# approach may keep data in a region no form offers, and a requirement may name it.
REGIONS = ("eu", "uk", "us", "on_premises")

# Quality metrics where lower is better; any other quality metric (precision, recall, AUC) is
# higher-is-better. A target on them cannot be compared with an approach's quality potential (a
# 0..1 score where higher is better): it rules no approach out and weighs quality without binding.
LOWER_IS_BETTER_METRICS = frozenset({"rmse", "mae", "mse", "mape", "log_loss", "error_rate"})

LOWER, HIGHER, CHOICE = "lower", "higher", "choice"


@dataclass(frozen=True)
class Dimension:
    """A dimension a stakeholder states a requirement on (docs/methodology.md §6.1)."""

    key: str
    label: str
    unit: str  # the canonical unit requirements are stored and compared in ("" for none)
    better: str  # LOWER | HIGHER: the side a target binds on; CHOICE: a set of allowed values
    # The approach-profile figure a requirement on it is checked against (the field of
    # domain.approaches.ApproachProfile; quality is read off the approach's quality_by_examples
    # curve). None: no profile states one, so no approach is ruled out on it.
    figure: str | None
    # True where a bound on the worse side also carries a reason (docs/methodology.md §6.2):
    # "retrain no more often than every 30 days", "no release before 6 months".
    two_sided: bool = False
    values: tuple[str, ...] = ()  # the closed set of values a requirement may name, if any

    @property
    def numeric(self) -> bool:
        return self.better != CHOICE and not self.values

    @property
    def target_op(self) -> str:
        """The op of a requirement on the better side: what a stated target means."""
        if self.better == CHOICE:
            return "=="
        return "<=" if self.better == LOWER else ">="


DIMENSION_SPECS = (
    Dimension("quality", "Prediction quality", "", HIGHER, "quality"),
    Dimension("latency", "Latency (p95)", "ms", LOWER, "latency_ms"),
    Dimension("throughput", "Throughput", "per_second", HIGHER, None),
    Dimension("cost", "Cost", "per_month", LOWER, "cost_per_month"),
    Dimension(
        "interpretability", "Interpretability", "level", HIGHER, "interpretability", values=INTERPRETABILITY_LEVELS
    ),
    Dimension("fairness", "Fairness", "max_disparity", LOWER, None),
    Dimension("freshness", "Freshness (retraining)", "days", LOWER, "min_retrain_days", two_sided=True),
    Dimension("deployment", "Where it runs", "", CHOICE, "deployments", values=DEPLOYMENTS),
    Dimension("model_size", "Model size", "MB", LOWER, "size_mb"),
    Dimension("privacy", "Privacy and data residency", "", CHOICE, "residency"),
    Dimension("time_to_release", "Time to first release", "months", LOWER, "months_to_release", two_sided=True),
)
DIMENSIONS = tuple(d.key for d in DIMENSION_SPECS)
DIMENSION = {d.key: d for d in DIMENSION_SPECS}


def lower_is_better(dimension: str, metric: str = "") -> bool:
    """Whether a smaller value is better on this dimension (for quality, on this metric)."""
    if dimension == "quality":
        return metric.strip().lower() in LOWER_IS_BETTER_METRICS
    return DIMENSION[dimension].better == LOWER


# --------------------------------------------------------------------------------------------
# Verdicts


@dataclass(frozen=True)
class Verdict:
    """A verdict of the ML-suitability assessment (docs/methodology.md §5.2)."""

    key: str
    label: str


VERDICT_SPECS = (
    Verdict("good_fit", "Good fit"),
    Verdict("fit_with_caveats", "Fit with caveats"),
    Verdict("not_a_fit", "Not a fit"),
)
VERDICTS = tuple(v.key for v in VERDICT_SPECS)  # best first
VERDICT_LABELS = {v.key: v.label for v in VERDICT_SPECS}
