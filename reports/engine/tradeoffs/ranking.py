"""Multi-criteria decision analysis on a normalised matrix (rows: approaches, columns: criteria):
rules 2 to 5 and 7 of the package docstring, in numpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from domain.targets import EPS
from reports.engine.tradeoffs.model import BENEFIT, LOG, Flip


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
    no_worse = (r[:, None, :] >= r[None, :, :] - EPS).all(axis=2)  # [a, b]: a no worse than b anywhere
    better = (r[:, None, :] > r[None, :, :] + EPS).any(axis=2)
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
            if need <= EPS or rate <= EPS:
                break
            take = min(float(w[j]), need / rate)
            if take > 0:
                taken[int(j)] = take
                moved += take
                need -= take * rate
        if need > EPS or (best is not None and moved >= best.weight_moved - EPS):
            continue  # b cannot overtake at all, or not more cheaply than one already found
        after = w.copy()
        for j, take in taken.items():
            after[j] -= take
        after[k] += moved
        best = Flip(b, moved, taken, k, tuple(float(x) for x in after))
    return best
