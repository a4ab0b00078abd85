"""Split conformal prediction for the overall score.

On the calibration (validation) split, the nonconformity score of an article is
``|oracle overall - student overall|``, both through the filter's postfilter (weights, gatekeeper caps;
the oracle side also with its categorical caps, the student side without them because a student does
not predict categories — exactly what scoring sees). For coverage 1 - a, the interval of a new
prediction is ``student overall ± q`` where q is the ceil((n + 1)(1 - a))-th smallest score; with
exchangeable data it holds the oracle's overall with probability >= 1 - a. The artifact stores all
sorted scores, so any coverage can be asked for later (the cascade's trade-off curve).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def quantile(sorted_scores: Sequence[float], coverage: float) -> float:
    """The conformal quantile; infinite when there are too few calibration scores for this coverage."""
    n = len(sorted_scores)
    rank = math.ceil((n + 1) * coverage)
    if n == 0 or rank > n:
        return math.inf
    return float(sorted_scores[rank - 1])


def interval(overall: float, q: float) -> tuple[float, float]:
    """``overall ± q`` clipped to the 0-10 scale."""
    if math.isinf(q):
        return (0.0, 10.0)
    return (round(max(0.0, overall - q), 4), round(min(10.0, overall + q), 4))


def scores(oracle_overall: Sequence[float], student_overall: Sequence[float]) -> list[float]:
    return sorted(round(float(v), 6) for v in np.abs(np.asarray(oracle_overall) - np.asarray(student_overall)))
