"""The CPU students' heads, fitted with scikit-learn and kept as plain arrays.

- :func:`fit_ridge`: a multi-output ridge regression (on dense features one alpha per output, chosen
  by exact leave-one-out MAE on the rows it is fitted on, so choosing alpha needs no held-out data);
  kept as ``{"w": features × outputs, "b": outputs}``.
- :func:`fit_kernel_ridge`: the same with an RBF kernel (:func:`rbf_kernel`) on the encoder vectors,
  kept as the (float16) training vectors and the dual coefficients;
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


def fit_ridge(x: Any, y: np.ndarray, alphas: tuple[float, ...] | float) -> dict[str, Any]:
    """Multi-output ridge regression of ``y`` on ``x`` with an unpenalised intercept.

    Dense ``x``: one eigendecomposition (of XᵀX or XXᵀ, whichever is smaller) gives every alpha's exact
    leave-one-out residuals; each output keeps the alpha with the lowest leave-one-out MAE, so choosing
    alpha needs no held-out data. Sparse ``x`` (TF-IDF): the dual solve with one fixed alpha (a Cholesky
    of the n × n Gram matrix; leave-one-out for several alphas would cost an eigendecomposition, seconds
    per fit, for a choice that barely moves MAE on TF-IDF rows).
    """
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    y_mean = y2.mean(axis=0)
    yc = y2 - y_mean
    n, outputs = y2.shape
    grid = (alphas,) if isinstance(alphas, (int, float)) else tuple(alphas)
    if sp.issparse(x):
        import scipy.linalg as sl

        x = sp.csr_matrix(x, dtype=np.float64)
        x_mean = np.asarray(x.mean(axis=0)).ravel()
        gram = np.asarray((x @ x.T).toarray(), dtype=np.float64)
        r = x @ x_mean
        gram = gram - r[:, None] - r[None, :] + float(x_mean @ x_mean)
        alpha = float(grid[0])
        dual = sl.cho_solve(sl.cho_factor(gram + alpha * np.eye(n), lower=True), yc)
        w = np.asarray(x.T @ dual)
        b = y_mean - x_mean @ w
        return {"w": w.astype(np.float32), "b": b.astype(np.float32), "alpha": [alpha] * outputs}
    x = np.asarray(x, dtype=np.float64)
    x_mean = x.mean(axis=0)
    xc = x - x_mean
    p = x.shape[1]
    if p <= n:
        s, v = np.linalg.eigh(xc.T @ xc)
        s = np.maximum(s, 0.0)
        proj = xc @ v  # n × p
        rhs = proj.T @ yc  # p × outputs
        squared = proj**2
    else:
        s, u = np.linalg.eigh(xc @ xc.T)
        s = np.maximum(s, 0.0)
        rhs = u.T @ yc
        squared = u**2
    best_mae = np.full(outputs, np.inf)
    best = np.zeros(outputs)
    for alpha in grid:
        if p <= n:
            shrink = 1.0 / (s + alpha)
            fitted = proj @ (rhs * shrink[:, None])
            hat = squared @ shrink + 1.0 / n
        else:
            shrink = s / (s + alpha)
            fitted = u @ (rhs * shrink[:, None])
            hat = squared @ shrink + 1.0 / n
        loo = (yc - fitted) / np.maximum(1.0 - hat, 1e-6)[:, None]
        mae = np.mean(np.abs(loo), axis=0)
        better = mae < best_mae
        best_mae[better], best[better] = mae[better], alpha
    w = np.zeros((p, outputs))
    for alpha in np.unique(best):
        columns = best == alpha
        if p <= n:
            w[:, columns] = v @ (rhs[:, columns] / (s + alpha)[:, None])
        else:
            w[:, columns] = xc.T @ (u @ (rhs[:, columns] / (s + alpha)[:, None]))
    b = y_mean - x_mean @ w
    return {"w": w.astype(np.float32), "b": b.astype(np.float32), "alpha": [float(a) for a in best]}


def rbf_kernel(a: np.ndarray, b: np.ndarray, gamma: float) -> np.ndarray:
    """``exp(-gamma · |a - b|² / features)`` between the rows of ``a`` and of ``b``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    distance = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return np.exp(-gamma / a.shape[1] * np.maximum(distance, 0.0))


def fit_kernel_ridge(kernel: np.ndarray, y: np.ndarray, alphas: tuple[float, ...]) -> dict[str, Any]:
    """Kernel ridge regression on a precomputed (n × n) kernel, each output's alpha by exact leave-one-out
    MAE (one eigendecomposition of the kernel serves every alpha). Prediction: ``K(new, train) @ dual + b``."""
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    b = y2.mean(axis=0)
    yc = y2 - b
    s, u = np.linalg.eigh(np.asarray(kernel, dtype=np.float64))
    s = np.maximum(s, 0.0)
    rhs = u.T @ yc
    squared = u**2
    best_mae = np.full(y2.shape[1], np.inf)
    best = np.zeros(y2.shape[1])
    for alpha in alphas:
        shrink = s / (s + alpha)
        hat = squared @ shrink
        loo = (yc - u @ (rhs * shrink[:, None])) / np.maximum(1.0 - hat, 1e-6)[:, None]
        mae = np.mean(np.abs(loo), axis=0)
        better = mae < best_mae
        best_mae[better], best[better] = mae[better], alpha
    dual = np.zeros_like(yc)
    for alpha in np.unique(best):
        columns = best == alpha
        dual[:, columns] = u @ (rhs[:, columns] / (s + alpha)[:, None])
    return {"dual": dual.astype(np.float32), "b": b.astype(np.float32), "alpha": [float(a) for a in best]}


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
    model = LogisticRegression(C=c, max_iter=200, tol=1e-3, random_state=seed)
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
