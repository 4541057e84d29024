"""Sensitivity of the weighted-sum ranking to the weights (rule 7 of the package docstring,
docs/methodology.md §7.8): tornado, Dirichlet sampling and the flip point."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from domain.approaches import Approach
from reports.engine.tradeoffs.model import (
    CriterionUsed,
    Flip,
    FlipPoint,
    Sensitivity,
    TornadoBar,
    TradeoffInputs,
    _f,
)
from reports.engine.tradeoffs.ranking import flip_point, order, probability_first, tornado_scores
from reports.engine.tradeoffs.wording import _join


def _seed(keys: Sequence[str], criteria: Sequence[str], weights: np.ndarray, r: np.ndarray) -> int:
    """A seed from what the sampling depends on, so the same inputs give the same probabilities."""
    text = repr((list(keys), list(criteria), np.round(weights, 9).tolist(), np.round(r, 9).tolist()))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


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
