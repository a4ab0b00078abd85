"""Per-dimension heads on frozen embeddings: ridge or a small MLP, chosen on the validation split,
then isotonic calibration fitted on the validation split.

Fitting uses scikit-learn; what is kept is plain arrays (standardisation, weights, isotonic knots), so
scoring is a few numpy operations, the artifact holds no pickled code and loads under any scikit-learn.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

RIDGE_ALPHAS = (0.1, 1.0, 3.0, 10.0, 30.0, 100.0)
MLP_HIDDEN = 128


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a - b))) if len(a) else 0.0


def fit_ridge(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray) -> dict[str, Any]:
    """Ridge with the alpha that does best on validation."""
    from sklearn.linear_model import Ridge

    best: dict[str, Any] | None = None
    for alpha in RIDGE_ALPHAS:
        model = Ridge(alpha=alpha).fit(x, y)
        mae = _mae(np.clip(model.predict(x_val), 0, 10), y_val)
        if best is None or mae < best["val_mae"]:
            best = {"type": "ridge", "alpha": alpha, "val_mae": mae, "layers": [(model.coef_.reshape(-1, 1), np.atleast_1d(model.intercept_))]}
    assert best is not None
    return best


def fit_mlp(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, seed: int) -> dict[str, Any]:
    """One hidden ReLU layer, L2-regularised, early-stopped on a slice of train."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(
        hidden_layer_sizes=(MLP_HIDDEN,), alpha=1e-2, learning_rate_init=1e-3, max_iter=300,
        early_stopping=len(x) >= 50, n_iter_no_change=15, random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    layers = [(w, b) for w, b in zip(model.coefs_, model.intercepts_, strict=True)]
    return {"type": "mlp", "val_mae": _mae(np.clip(model.predict(x_val), 0, 10), y_val), "layers": layers}


def forward(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    """Scores of a head given as [(weights, bias), ...] (ReLU between layers), clipped to 0-10."""
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return np.clip(h.reshape(-1), 0, 10)


def fit_isotonic(predicted: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0, y_max=10, out_of_bounds="clip").fit(predicted, target)
    return np.asarray(iso.X_thresholds_, dtype=np.float64), np.asarray(iso.y_thresholds_, dtype=np.float64)


def apply_isotonic(knots: tuple[np.ndarray, np.ndarray] | None, predicted: np.ndarray) -> np.ndarray:
    if knots is None:
        return predicted
    xs, ys = knots
    return np.interp(predicted, xs, ys)


def fit_dimension(
    x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *, seed: int, head: str = "auto"
) -> dict[str, Any]:
    """Fits ridge and MLP (or the one asked for), keeps the better on validation, then calibrates.

    Isotonic calibration is kept only when it lowers validation MAE, so it never makes it worse. Since it
    is fitted on the validation split, its "after" MAE is optimistic; the test split tells the truth.
    """
    candidates = []
    if head in ("auto", "ridge"):
        candidates.append(fit_ridge(x, y, x_val, y_val))
    if head in ("auto", "mlp"):
        candidates.append(fit_mlp(x, y, x_val, y_val, seed))
    chosen = min(candidates, key=lambda c: c["val_mae"])
    raw_val = forward(chosen["layers"], x_val)
    knots = fit_isotonic(raw_val, y_val) if len(np.unique(raw_val)) > 1 else None
    calibrated_mae = _mae(apply_isotonic(knots, raw_val), y_val)
    use_calibration = knots is not None and calibrated_mae <= chosen["val_mae"]
    return {
        "type": chosen["type"],
        "alpha": chosen.get("alpha"),
        "layers": chosen["layers"],
        "isotonic": knots if use_calibration else None,
        "validation": {
            "candidates": {c["type"]: round(c["val_mae"], 4) for c in candidates},
            "mae_before_calibration": round(chosen["val_mae"], 4),
            "mae_after_calibration": round(calibrated_mae if use_calibration else chosen["val_mae"], 4),
            "calibrated": use_calibration,
        },
    }


def predict_dimension(fitted: dict[str, Any], x: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
    raw = forward(fitted["layers"], x)
    return apply_isotonic(fitted["isotonic"], raw) if calibrated else raw
