"""The CPU students' heads, fitted with scikit-learn and kept as plain arrays.

- :func:`fit_ridge`: a multi-output ridge regression (one alpha per output, chosen by the efficient
  leave-one-out of ``RidgeCV`` on the rows it is fitted on, so choosing alpha needs no held-out data);
  kept as ``{"w": features × outputs, "b": outputs}``.
- :func:`fit_category`: a multinomial logistic regression for one categorical field, over every value
  of the field (values never seen in training get no probability); a field with one value in training
  is a constant head (the majority).
- isotonic maps (:func:`fit_isotonic`, :func:`apply_isotonic`) kept as knots.

Scoring is a few numpy operations on the kept arrays: the artifact holds no pickled code and loads
under any scikit-learn (or none).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

#: Bias of a category value never seen in training (its probability is ~1e-13).
ABSENT_LOGIT = -30.0


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a - b))) if len(a) else 0.0


def fit_ridge(x: Any, y: np.ndarray, alphas: tuple[float, ...]) -> dict[str, Any]:
    """Ridge regression of every column of ``y`` on ``x`` (dense or sparse), alpha per column by LOO."""
    from sklearn.linear_model import Ridge, RidgeCV

    y = np.asarray(y, dtype=np.float64)
    y2 = y.reshape(len(y), -1)
    if len(y2) >= 3:
        model = RidgeCV(alphas=alphas, alpha_per_target=y2.shape[1] > 1).fit(x, y2)
        alpha = np.atleast_1d(model.alpha_).astype(float)
    else:  # too few rows for leave-one-out
        model = Ridge(alpha=alphas[len(alphas) // 2]).fit(x, y2)
        alpha = np.full(y2.shape[1], alphas[len(alphas) // 2], dtype=float)
    w = np.asarray(model.coef_, dtype=np.float32).reshape(y2.shape[1], -1).T
    b = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float32))
    return {"w": w, "b": b, "alpha": [float(a) for a in np.broadcast_to(alpha, (y2.shape[1],))]}


def linear(head: dict[str, Any], x: Any) -> np.ndarray:
    """``x @ w + b`` for dense or sparse ``x``."""
    out = x @ head["w"]
    if sp.issparse(out):
        out = out.toarray()
    return np.asarray(out, dtype=np.float64) + head["b"]


def fit_category(x: Any, labels: np.ndarray, n_values: int, *, c: float, seed: int = 0) -> dict[str, Any]:
    """A softmax head over ``n_values`` values from rows whose label is known (``labels >= 0``)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    known = labels >= 0
    features = x.shape[1]
    w = np.zeros((features, n_values), dtype=np.float32)
    b = np.full(n_values, ABSENT_LOGIT, dtype=np.float32)
    present = np.unique(labels[known])
    if len(present) == 0:
        b[:] = 0.0
        return {"w": w, "b": b, "constant": True}
    if len(present) == 1:
        b[present[0]] = 0.0
        return {"w": w, "b": b, "constant": True}
    model = LogisticRegression(C=c, max_iter=300, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[known] if not sp.issparse(x) else x.tocsr()[np.flatnonzero(known)], labels[known])
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    classes = np.asarray(model.classes_, dtype=int)
    if len(classes) == 2:  # binary: one logit for the second class
        w[:, classes[1]] = coef[0]
        b[classes[0]], b[classes[1]] = 0.0, intercept[0]
    else:
        w[:, classes] = coef.T
        b[classes] = intercept
    return {"w": w, "b": b, "constant": False}


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def category_probabilities(head: dict[str, Any], x: Any) -> np.ndarray:
    return softmax(linear(head, x))


def fit_isotonic(predicted: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """An increasing map from predicted to observed scores, as knots; None when it cannot be fitted."""
    from sklearn.isotonic import IsotonicRegression

    if len(predicted) < 2 or len(np.unique(predicted)) < 2:
        return None
    iso = IsotonicRegression(y_min=0, y_max=10, out_of_bounds="clip").fit(predicted, target)
    return np.asarray(iso.X_thresholds_, dtype=np.float64), np.asarray(iso.y_thresholds_, dtype=np.float64)


def apply_isotonic(knots: tuple[np.ndarray, np.ndarray] | None, predicted: np.ndarray) -> np.ndarray:
    if knots is None:
        return predicted
    xs, ys = knots
    return np.interp(predicted, xs, ys)
