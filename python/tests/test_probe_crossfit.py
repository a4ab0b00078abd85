"""Cross-fitting of the CPU students on synthetic data (no encoder: the "encoder" vectors are made here):
stacking is never worse than the lexical model out-of-fold, no isotonic map or error-scale model is ever
applied to an article it was fitted on, category heads fall back to the majority, and the adaptive
conformal intervals cover fresh data as often as asked, wider where the labels are noisier."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from distillery_gpu.probe import crossfit as cf
from distillery_gpu.probe import heads
from distillery_gpu.probe.model import StudentModel
from distillery_gpu.probe.tfidf import TermCounts

FILTER = {
    "dimensions": [
        {"key": "impact", "label": "Impact", "weight": 0.5, "description": "x"},
        {"key": "rigour", "label": "Rigour", "weight": 0.5, "description": "x"},
    ],
    "gatekeepers": [],
    "categories": [],
    "tiers": [
        {"key": "high", "label": "High", "min_overall": 6, "description": "x"},
        {"key": "low", "label": "Low", "min_overall": 0, "description": "x"},
    ],
}
FILLER = [f"w{i}" for i in range(60)]


def synthetic(n: int, seed: int, *, noise: str = "rising") -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts whose words give each dimension's level (0-9); labels = level + noise whose spread grows
    with the level ("rising") or is the same everywhere ("flat"). Returns (texts, labels, true noise sd)."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, 10, size=(n, 2))
    sd = 0.15 + 0.3 * levels.mean(axis=1) if noise == "rising" else np.full(n, 0.8)
    y = np.clip(levels + 0.5 + rng.normal(size=(n, 2)) * sd[:, None], 0, 10)
    texts = [f"impact{a} rigour{b} " + " ".join(rng.choice(FILLER, size=8)) for a, b in levels]
    return texts, y, sd


def make_data(texts: list[str], y: np.ndarray, embeddings: np.ndarray | None = None) -> cf.Data:
    return cf.Data(
        dimensions=["impact", "rigour"],
        y=y,
        categories=[],
        labels={},
        counts=TermCounts.count(texts),
        embeddings=embeddings,
        lengths=np.array([len(t) for t in texts], dtype=np.float64),
        filter_part=FILTER,
    )


def test_stacking_is_never_worse_than_the_lexical_model_out_of_fold() -> None:
    texts, y, _ = synthetic(400, 1, noise="flat")
    rng = np.random.default_rng(2)
    useless = cf.crossfit(make_data(texts, y, rng.normal(size=(400, 24))), curve=False)
    for dim in ("impact", "rigour"):
        assert useless.figures["per_dimension"][dim] <= useless.figures["lexical_per_dimension"][dim]
    # Vectors that know the labels better than the words do: the stack uses them and wins clearly.
    weak_texts = [t.split(" ", 2)[2] + (" impact" if v[0] > 5 else "") for t, v in zip(texts, y, strict=True)]
    informative = np.hstack([y + rng.normal(scale=0.3, size=y.shape), rng.normal(size=(400, 22))])
    useful = cf.crossfit(make_data(weak_texts, y, informative), curve=False)
    for dim in ("impact", "rigour"):
        assert useful.figures["per_dimension"][dim] < 0.7 * useful.figures["lexical_per_dimension"][dim]
    assert useful.figures["lexical_fallback"] == []


def test_no_isotonic_map_or_scale_model_is_applied_to_its_own_fitting_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # Articles are told apart by their (continuous, distinct) predictions; clipped ones (0 or 10) are not.
    def values(predicted: np.ndarray) -> set[float]:
        return set(np.round(predicted, 9).tolist()) - {0.0, 10.0}

    kept: list[Any] = []  # keeps every fitted object alive, so no id() is reused
    fitted_on: dict[int, set[float]] = {}
    real_fit, real_apply = heads.fit_isotonic, heads.apply_isotonic

    def fit(predicted: np.ndarray, target: np.ndarray) -> Any:
        knots = real_fit(predicted, target)
        if knots is not None:
            kept.append(knots)
            fitted_on[id(knots)] = values(predicted)
        return knots

    def apply(knots: Any, predicted: np.ndarray) -> np.ndarray:
        if knots is not None:
            assert not fitted_on[id(knots)] & values(predicted), "an isotonic map scored its own data"
        return real_apply(knots, predicted)

    # The scale model's rows get one more column: the article's index (difficulty features repeat).
    scale_fitted_on: dict[int, set[int]] = {}
    real_features, real_fit_scale, real_predict_scale = cf.scale_features, cf.fit_scale, cf.predict_scale

    def scale_features(*args: np.ndarray) -> np.ndarray:
        g = real_features(*args)
        return np.column_stack([g, np.arange(len(g))])

    def fit_scale(g: np.ndarray, residual: np.ndarray) -> dict[str, Any]:
        model = real_fit_scale(g, residual)
        kept.append(model)
        scale_fitted_on[id(model)] = set(g[:, -1].astype(int).tolist())
        return model

    def predict_scale(model: dict[str, Any], g: np.ndarray) -> np.ndarray:
        assert not scale_fitted_on[id(model)] & set(g[:, -1].astype(int).tolist()), "a scale model scored its own data"
        return real_predict_scale(model, g)

    monkeypatch.setattr(heads, "fit_isotonic", fit)
    monkeypatch.setattr(heads, "apply_isotonic", apply)
    monkeypatch.setattr(cf, "scale_features", scale_features)
    monkeypatch.setattr(cf, "fit_scale", fit_scale)
    monkeypatch.setattr(cf, "predict_scale", predict_scale)
    texts, y, _ = synthetic(300, 3)
    fitted = cf.crossfit(make_data(texts, y), curve=False)
    assert fitted_on and len(scale_fitted_on) >= fitted.figures["folds"]
    calibration = fitted.figures["calibration"]
    oof = fitted.oof
    for j, dim in enumerate(("impact", "rigour")):
        # The reported figures are those of the cross-fitted predictions.
        assert calibration[dim]["mae_after"] == pytest.approx(
            np.mean(np.abs(oof["calibrated"][:, j] - y[:, j])), abs=1e-4
        )
        assert calibration[dim]["mae_before"] == pytest.approx(np.mean(np.abs(oof["raw"][:, j] - y[:, j])), abs=1e-4)


def test_intervals_cover_fresh_data_as_asked_and_widen_with_the_noise() -> None:
    texts, y, _ = synthetic(2000, 5)
    data = make_data(texts, y)
    fitted = cf.crossfit(data, curve=False)
    model = StudentModel.from_fitted(fitted, cf.vectorizer(data, fitted), FILTER)
    fresh_texts, fresh_y, sd = synthetic(2000, 6)
    oracle = 0.5 * fresh_y[:, 0] + 0.5 * fresh_y[:, 1]
    for coverage in (0.8, 0.9):
        predictions = model.predict(fresh_texts, None, coverage)
        low = np.array([p["overall_interval"][0] for p in predictions])
        high = np.array([p["overall_interval"][1] for p in predictions])
        reached = np.mean((low <= np.round(oracle, 2) + 1e-9) & (np.round(oracle, 2) <= high + 1e-9))
        assert abs(reached - coverage) <= 0.04, (coverage, reached)
    width = high - low
    noisy, calm = sd > np.quantile(sd, 0.75), sd < np.quantile(sd, 0.25)
    assert width[noisy].mean() > 1.5 * width[calm].mean()
    assert np.corrcoef([p["overall_scale"] for p in predictions], sd)[0, 1] > 0.5


def test_a_field_with_one_value_in_training_is_predicted_as_that_value() -> None:
    x = np.random.default_rng(0).normal(size=(30, 4))
    head = heads.fit_category(x, np.array([1] * 20 + [-1] * 10), 3, c=1.0)
    assert head["constant"]
    assert (heads.category_probabilities(head, x).argmax(axis=1) == 1).all()
    head = heads.fit_category(x, (x[:, 0] > 0).astype(int), 3, c=10.0)
    probs = heads.category_probabilities(head, x)
    assert probs[:, 2].max() < 1e-6 and np.mean(probs.argmax(axis=1) == (x[:, 0] > 0)) > 0.9
