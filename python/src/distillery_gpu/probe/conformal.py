"""Split conformal prediction for the overall score, normalised by a per-article error scale.

A calibration article's nonconformity score is ``|oracle overall − student overall| / scale``, with
both overall scores through the filter's postfilter (the oracle side with the oracle's categories, the
student side with the student's own predicted categories: exactly what scoring sees) and ``scale`` the
student's predicted error scale of that article. Calibration articles are scored by predictions that
never saw them (cross-fitting, see ``crossfit.py``). For coverage c, ``q`` is the ceil((n + 1)·c)-th
smallest score and the interval of a new prediction is ``overall ± q · scale``: with exchangeable data
it holds the oracle's overall with probability >= c, and it is wide where the student is unsure and
narrow where it is sure. The artifact stores all sorted scores, so any coverage can be asked for later
(the cascade's trade-off curve).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

METHOD = "normalized"


def quantile(sorted_scores: Sequence[float], coverage: float) -> float:
    """The conformal quantile; infinite when there are too few calibration scores for this coverage."""
    n = len(sorted_scores)
    rank = math.ceil((n + 1) * coverage)
    if n == 0 or rank > n:
        return math.inf
    return float(sorted_scores[rank - 1])


def interval(overall: float, half_width: float) -> tuple[float, float]:
    """``overall ± half_width`` clipped to the 0-10 scale."""
    if math.isinf(half_width) or math.isnan(half_width):
        return (0.0, 10.0)
    return (round(max(0.0, overall - half_width), 4), round(min(10.0, overall + half_width), 4))


def scores(
    oracle_overall: Sequence[float], student_overall: Sequence[float], scale: Sequence[float] | None = None
) -> list[float]:
    """Sorted nonconformity scores (scale 1 when none is given)."""
    residual = np.abs(np.asarray(oracle_overall, dtype=np.float64) - np.asarray(student_overall, dtype=np.float64))
    if scale is not None:
        residual = residual / np.asarray(scale, dtype=np.float64)
    return sorted(round(float(v), 6) for v in residual)
