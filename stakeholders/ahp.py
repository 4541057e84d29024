"""AHP (Saaty): weights from pairwise comparisons, and how consistent the comparisons are.

docs/methodology.md §7.7: the weights are the principal eigenvector of the comparison matrix; the
consistency ratio CR = ((lambda_max - n) / (n - 1)) / RI(n), with Saaty's random indices; a CR of
0.10 or more means the judgments contradict each other enough to revisit. Several people's
judgments combine by the element-wise geometric mean of their matrices. Plain Python, no Django.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Saaty's random consistency index for n = 1..10 (docs/methodology.md §7.7).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
ACCEPTABLE_CR = 0.10
SCALE = (1, 2, 3, 4, 5, 6, 7, 8, 9)


@dataclass(frozen=True)
class AhpResult:
    weights: dict[str, float]  # summing to 1
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        return self.consistency_ratio < ACCEPTABLE_CR


def matrix_from_judgments(items: Sequence[str], judgments: Mapping[tuple[str, str], float]) -> list[list[float]]:
    """A reciprocal matrix from judgments {(a, b): how much more a matters than b, 1/9..9}.

    A missing pair counts as equal importance (1).
    """
    index = {item: i for i, item in enumerate(items)}
    n = len(items)
    matrix = [[1.0] * n for _ in range(n)]
    for (a, b), value in judgments.items():
        if a not in index or b not in index or a == b:
            raise ValueError(f"unknown or repeated item in the pair ({a}, {b})")
        if not 1 / 9 <= value <= 9:
            raise ValueError(f"a comparison must be between 1/9 and 9, got {value}")
        matrix[index[a]][index[b]] = float(value)
        matrix[index[b]][index[a]] = 1.0 / value
    return matrix


def geometric_mean(matrices: Sequence[list[list[float]]]) -> list[list[float]]:
    """Combine several people's matrices (element-wise geometric mean keeps reciprocity)."""
    if not matrices:
        raise ValueError("no matrices to combine")
    n = len(matrices[0])
    k = len(matrices)
    return [[math.prod(m[i][j] for m in matrices) ** (1 / k) for j in range(n)] for i in range(n)]


def weigh(items: Sequence[str], matrix: Sequence[Sequence[float]], *, iterations: int = 100) -> AhpResult:
    """Principal eigenvector by power iteration, then lambda_max, CI and CR."""
    n = len(items)
    if n == 0 or any(len(row) != n for row in matrix):
        raise ValueError("the matrix must be square, one row per item")
    if n > len(RANDOM_INDEX):
        raise ValueError(f"AHP here compares at most {len(RANDOM_INDEX)} items")
    vector = [1.0 / n] * n
    for _ in range(iterations):
        product = [sum(matrix[i][j] * vector[j] for j in range(n)) for i in range(n)]
        total = sum(product)
        following = [value / total for value in product]
        converged = max(abs(a - b) for a, b in zip(following, vector, strict=True)) < 1e-12
        vector = following
        if converged:
            break
    product = [sum(matrix[i][j] * vector[j] for j in range(n)) for i in range(n)]
    lambda_max = sum(product[i] / vector[i] for i in range(n)) / n
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri else 0.0
    return AhpResult(
        weights={item: vector[i] for i, item in enumerate(items)},
        lambda_max=lambda_max,
        consistency_index=ci,
        consistency_ratio=max(cr, 0.0),
    )


def to_scale(weights: Mapping[str, float], *, low: int = 1, high: int = 5) -> dict[str, int]:
    """Map AHP weights onto the requirement weights (1 to 5): the largest gets `high`."""
    top = max(weights.values())
    return {k: max(low, min(high, round(high * w / top))) for k, w in weights.items()}
