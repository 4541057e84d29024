"""How well the suitability score foretold what happened: plain Python, no Django.

Each approved proposal is one forecast: its suitability fraction (score / maximum, 0 to 1) read as
the probability that the project succeeds, and its outcome once known (succeeded: launched and met
its target; failed: abandoned, or launched and missed it; pending: anything else).

The Brier score is the mean of (probability - result)^2 over the resolved forecasts, result being
1 or 0 (Brier, 1950): 0 is perfect, 0.25 is what always saying 50% earns, 1 is always certain and
always wrong. The reference is what always forecasting the observed success rate p would earn,
p * (1 - p); the skill score 1 - Brier / reference is above 0 when the scores tell the successes
from the failures better than that constant guess.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

SUCCEEDED, FAILED, PENDING = "succeeded", "failed", "pending"
OUTCOME_KEYS = (SUCCEEDED, FAILED, PENDING)


@dataclass(frozen=True)
class Forecast:
    verdict: str  # "" when the proposal was never assessed
    probability: float | None  # the suitability fraction; None when not assessed
    succeeded: bool | None  # None while the outcome is pending


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None


@dataclass(frozen=True)
class Calibration:
    # counts[verdict][outcome key]; verdicts in the order they were first seen.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    resolved: int = 0  # forecasts with both a probability and a known result: what Brier rests on
    brier: float | None = None
    base_rate: float | None = None
    reference_brier: float | None = None
    skill: float | None = None
    bins: list[ReliabilityBin] = field(default_factory=list)


def outcome_key(succeeded: bool | None) -> str:
    if succeeded is None:
        return PENDING
    return SUCCEEDED if succeeded else FAILED


def _clamp(probability: float) -> float:
    return min(max(probability, 0.0), 1.0)


def brier_score(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """Mean squared difference between probability and result (1 or 0); None without pairs."""
    total, n = 0.0, 0
    for probability, result in pairs:
        total += (_clamp(probability) - (1.0 if result else 0.0)) ** 2
        n += 1
    return total / n if n else None


def reliability(pairs: Iterable[tuple[float, bool]], bins: int = 5) -> list[ReliabilityBin]:
    """Forecasts grouped by probability into `bins` equal bands: mean forecast beside observed rate.

    A probability of exactly 1 falls in the top band. Empty bands are kept (count 0) so the table
    always has the same rows.
    """
    sums = [0.0] * bins
    hits = [0] * bins
    counts = [0] * bins
    for probability, result in pairs:
        p = _clamp(probability)
        index = min(int(p * bins), bins - 1)
        sums[index] += p
        hits[index] += 1 if result else 0
        counts[index] += 1
    return [
        ReliabilityBin(
            low=i / bins,
            high=(i + 1) / bins,
            count=counts[i],
            mean_predicted=sums[i] / counts[i] if counts[i] else None,
            observed_rate=hits[i] / counts[i] if counts[i] else None,
        )
        for i in range(bins)
    ]


def calibrate(forecasts: Iterable[Forecast], bins: int = 5) -> Calibration:
    counts: dict[str, dict[str, int]] = {}
    pairs: list[tuple[float, bool]] = []
    for forecast in forecasts:
        row = counts.setdefault(forecast.verdict, dict.fromkeys(OUTCOME_KEYS, 0))
        row[outcome_key(forecast.succeeded)] += 1
        if forecast.probability is not None and forecast.succeeded is not None:
            pairs.append((forecast.probability, forecast.succeeded))
    if not pairs:
        return Calibration(counts=counts, bins=reliability([], bins))
    brier = brier_score(pairs)
    base_rate = sum(1 for _, result in pairs if result) / len(pairs)
    reference = base_rate * (1 - base_rate)
    return Calibration(
        counts=counts,
        resolved=len(pairs),
        brier=brier,
        base_rate=base_rate,
        reference_brier=reference,
        # Undefined when every outcome was the same: the constant guess is then perfect.
        skill=1 - brier / reference if reference > 0 and brier is not None else None,
        bins=reliability(pairs, bins),
    )
