"""Cross-fitting: how the CPU students (``lexical`` and ``probe``) are fitted, selected, calibrated and
given conformal intervals without any step reusing the data another step was judged on.

All articles the job gives (train + validation, N of them) are cut into K = 5 folds. For each fold k:

1. **Base models** are fitted on the other folds and predict fold k (out-of-fold, "OOF"):
   - lexical: TF-IDF (vocabulary and idf from those folds only) + multi-output ridge (fixed alpha);
   - probe only: the same ridge on the standardised pooled encoder vectors, and an RBF kernel ridge on
     them (alphas by exact leave-one-out MAE inside the training folds);
   - category heads: a softmax regression per categorical field on each feature set.
2. **Stacking** (probe): per dimension, a ridge on the 3·D base predictions (every dimension's encoder
   ridge, kernel ridge and lexical prediction: the multi-output head that uses the dimensions'
   correlation), fitted on the other folds' OOF base predictions and applied to fold k's. A dimension
   whose stacked OOF MAE is not below the lexical model's uses the lexical prediction alone (weight 1), so
   on OOF data the student is never worse than the lexical model. Category probabilities: a convex blend of the two
   heads, its weight chosen on OOF log-loss.
3. **Isotonic calibration** per dimension, cross-fitted: fold k's calibrated score comes from a map
   fitted on the other folds' OOF predictions, and whether fold k gets a map at all is decided on the
   other folds too (by an inner cross-fit there), so no map and no decision ever saw the article it
   calibrates. ``mae_before``/``mae_after`` are OOF MAE without/with it. The deployed model applies a
   map where the cross-fitted map lowered OOF MAE.
4. **Adaptive conformal intervals** (normalised residuals): the residual of an article's overall score
   (student postfilter with the student's OWN predicted categories vs the oracle's) is divided by a
   predicted error scale, from a small ridge on per-article difficulty features (predicted overall,
   how much a cap bit, category uncertainty, encoder/lexical disagreement, length), itself fitted on the
   other folds. These scores come from predictions whose heads, stack, isotonic maps and scale model
   never saw the article; the interval of a new article is ``overall ± q · scale``.

Finally every component is refitted on all N articles (the stack and the isotonic maps on the OOF
predictions, as above). The learning curve refits the base models on growing subsets of the training
folds (the stack weights of the final model, no isotonic) and scores the held-out fold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import heads
from .postfilter import postfilter
from .tfidf import TermCounts, Tfidf, fit_columns, weigh

FOLDS = 5
#: TF-IDF ridge alpha (fixed: on the sustainability dev set OOF MAE is flat from 0.1 to 0.3).
LEXICAL_ALPHA = 0.2
ENCODER_ALPHAS = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)
#: RBF kernel ridge on the standardised encoder vectors: width (per feature) and alphas.
KERNEL_GAMMA = 0.8
KERNEL_ALPHAS = (0.03, 0.1, 0.3, 1.0)
STACK_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)
LEXICAL_CATEGORY_C = 10.0
ENCODER_CATEGORY_C = 0.05
CATEGORY_BLEND = (0.0, 0.25, 0.5, 0.75, 1.0)
SCALE_ALPHA = 1.0
CURVE_FRACTIONS = (0.2, 0.4, 0.7)
CURVE_FOLDS = 3


@dataclass
class Data:
    """What cross-fitting needs of N articles."""

    dimensions: list[str]
    y: np.ndarray  # N × D oracle scores
    categories: list[tuple[str, list[str]]]  # the filter's categorical fields: (key, value keys)
    labels: dict[str, np.ndarray]  # field → index of the oracle's value per article (-1: none)
    counts: TermCounts
    embeddings: np.ndarray | None  # N × F pooled encoder vectors (probe), None (lexical)
    lengths: np.ndarray  # characters per article text
    filter_part: dict[str, Any]
    oracle_overall: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        if len(self.oracle_overall) != len(self.y):
            self.oracle_overall = np.array(
                [
                    postfilter(
                        self.filter_part,
                        dict(zip(self.dimensions, map(float, row), strict=True)),
                        self.oracle_categories(i),
                    )["overall"]
                    for i, row in enumerate(self.y)
                ]
            )

    def oracle_categories(self, i: int) -> dict[str, str]:
        return {key: values[self.labels[key][i]] for key, values in self.categories if self.labels[key][i] >= 0}

    @property
    def n(self) -> int:
        return len(self.y)


# ---------------------------------------------------------------------------------------------
# Base models
# ---------------------------------------------------------------------------------------------


@dataclass
class Base:
    """Base models fitted on some articles: lexical (always) and encoder (probe) heads."""

    columns: np.ndarray
    idf: np.ndarray
    lexical: dict[str, Any]
    lexical_categories: dict[str, dict[str, Any]]
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    encoder: dict[str, Any] | None = None
    kernel: dict[str, Any] | None = (
        None  # {"train": standardised training vectors (float16 values), "dual", "b", "alpha"}
    )
    encoder_categories: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lexical_features(self, data: Data, rows: np.ndarray) -> sp.csr_matrix:
        return weigh(data.counts.matrix[rows][:, self.columns], self.idf)

    def encoder_features(self, data: Data, rows: np.ndarray) -> np.ndarray:
        assert data.embeddings is not None and self.mean is not None and self.scale is not None
        return (data.embeddings[rows] - self.mean) / self.scale


def fit_base(data: Data, rows: np.ndarray, *, categories: bool = True, seed: int = 0) -> Base:
    columns, idf = fit_columns(data.counts.matrix, rows)
    x = weigh(data.counts.matrix[rows][:, columns], idf)
    base = Base(
        columns=columns, idf=idf, lexical=heads.fit_ridge(x, data.y[rows], LEXICAL_ALPHA), lexical_categories={}
    )
    if categories:
        for key, values in data.categories:
            base.lexical_categories[key] = heads.fit_category(
                x, data.labels[key][rows], len(values), c=LEXICAL_CATEGORY_C, seed=seed
            )
    if data.embeddings is not None:
        e = data.embeddings[rows]
        base.mean, base.scale = e.mean(axis=0), e.std(axis=0) + 1e-6
        z = (e - base.mean) / base.scale
        base.encoder = heads.fit_ridge(z, data.y[rows], ENCODER_ALPHAS)
        # Stored as float16, so the fit uses the same rounded vectors that scoring will.
        anchors = z.astype(np.float16).astype(np.float32)
        base.kernel = {
            "train": anchors,
            **heads.fit_kernel_ridge(heads.rbf_kernel(anchors, anchors, KERNEL_GAMMA), data.y[rows], KERNEL_ALPHAS),
        }
        if categories:
            for key, values in data.categories:
                base.encoder_categories[key] = heads.fit_category(
                    z, data.labels[key][rows], len(values), c=ENCODER_CATEGORY_C, seed=seed
                )
    return base


@dataclass
class BaseOut:
    lexical: np.ndarray  # n × D, clipped
    encoder: np.ndarray | None  # n × 2D: the encoder ridge's predictions, then the kernel ridge's
    lexical_probs: dict[str, np.ndarray]
    encoder_probs: dict[str, np.ndarray]


def predict_base(base: Base, data: Data, rows: np.ndarray) -> BaseOut:
    x = base.lexical_features(data, rows)
    out = BaseOut(
        lexical=np.clip(heads.linear(base.lexical, x), 0, 10),
        encoder=None,
        lexical_probs={k: heads.category_probabilities(h, x) for k, h in base.lexical_categories.items()},
        encoder_probs={},
    )
    if base.encoder is not None:
        z = base.encoder_features(data, rows)
        out.encoder = np.hstack(
            [np.clip(heads.linear(base.encoder, z), 0, 10), np.clip(kernel_predict(base.kernel, z), 0, 10)]
        )
        out.encoder_probs = {k: heads.category_probabilities(h, z) for k, h in base.encoder_categories.items()}
    return out


# ---------------------------------------------------------------------------------------------
# Pieces shared by the OOF pipeline and the deployed model
# ---------------------------------------------------------------------------------------------


def kernel_predict(kernel: dict[str, Any], z: np.ndarray) -> np.ndarray:
    return heads.rbf_kernel(z, kernel["train"], KERNEL_GAMMA) @ kernel["dual"] + kernel["b"]


def stack_inputs(lexical: np.ndarray, encoder: np.ndarray | None) -> np.ndarray:
    """Level-2 features: every dimension's encoder-side predictions (ridge, kernel), then the lexical ones."""
    return lexical if encoder is None else np.hstack([encoder, lexical])


def lexical_selector(width: int, d: int, j: int) -> tuple[np.ndarray, float]:
    """The level-2 column that passes dimension ``j``'s lexical prediction through unchanged."""
    w = np.zeros(width, dtype=np.float32)
    w[width - d + j] = 1.0
    return w, 0.0


def disagreement_of(lexical: np.ndarray, encoder: np.ndarray | None) -> np.ndarray:
    """Per article: mean over dimensions of |encoder-side mean prediction − lexical prediction|."""
    if encoder is None:
        return np.zeros(len(lexical))
    d = lexical.shape[1]
    blocks = encoder.reshape(len(encoder), -1, d).mean(axis=1)
    return np.mean(np.abs(blocks - lexical), axis=1)


def blend(lexical: np.ndarray, encoder: np.ndarray | None, weight: float) -> np.ndarray:
    return lexical if encoder is None else weight * encoder + (1.0 - weight) * lexical


def overall_scores(
    data_part: dict[str, Any], dimensions: list[str], scores: np.ndarray, categories: list[dict[str, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """(overall, raw weighted mean) of each row through the postfilter with the given categories."""
    overall, raw = [], []
    for row, cats in zip(scores, categories, strict=True):
        result = postfilter(data_part, dict(zip(dimensions, map(float, row), strict=True)), cats)
        overall.append(result["overall"])
        raw.append(result["raw_overall"])
    return np.asarray(overall, dtype=np.float64), np.asarray(raw, dtype=np.float64)


def scale_features(
    overall: np.ndarray, raw: np.ndarray, confidence: np.ndarray, disagreement: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """Per-article difficulty features for the error-scale model."""
    return np.column_stack(
        [
            overall,
            overall**2,
            np.maximum(raw - overall, 0.0),
            1.0 - confidence,
            disagreement,
            np.log1p(lengths),
        ]
    )


def fit_scale(g: np.ndarray, residual: np.ndarray) -> dict[str, Any]:
    """A ridge from difficulty features to |residual|, floored at a quarter of the mean residual."""
    from sklearn.linear_model import Ridge

    mean, std = g.mean(axis=0), g.std(axis=0) + 1e-9
    model = Ridge(alpha=SCALE_ALPHA).fit((g - mean) / std, residual)
    floor = max(0.02, 0.25 * float(np.mean(residual)))
    return {
        "mean": mean,
        "std": std,
        "w": np.asarray(model.coef_, dtype=np.float64),
        "b": float(model.intercept_),
        "floor": floor,
    }


def predict_scale(model: dict[str, Any], g: np.ndarray) -> np.ndarray:
    return np.maximum(((g - model["mean"]) / model["std"]) @ model["w"] + model["b"], model["floor"])


def category_confidence(probs: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The smallest top probability over the categorical fields (1 without fields)."""
    if not probs:
        return np.ones(n)
    return np.min(np.stack([p.max(axis=1) for p in probs.values()], axis=1), axis=1)


def argmax_categories(
    categories: list[tuple[str, list[str]]], probs: dict[str, np.ndarray], n: int
) -> list[dict[str, str]]:
    picks = {key: probs[key].argmax(axis=1) for key, _ in categories if key in probs}
    return [{key: values[picks[key][i]] for key, values in categories if key in picks} for i in range(n)]


def _mae_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.mean(np.abs(a - b), axis=0)


def _log_loss(p: np.ndarray, labels: np.ndarray) -> float:
    known = labels >= 0
    if not known.any():
        return 0.0
    return float(-np.mean(np.log(np.clip(p[known, labels[known]], 1e-12, 1.0))))


def assign_folds(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n) % k


def fold_count(n: int) -> int:
    return max(2, min(FOLDS, n // 4))


# ---------------------------------------------------------------------------------------------
# Isotonic, cross-fitted
# ---------------------------------------------------------------------------------------------


def _crossfit_isotonic(raw: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    out = raw.copy()
    for k in np.unique(folds):
        held, rest = folds == k, folds != k
        out[held] = heads.apply_isotonic(heads.fit_isotonic(raw[rest], y[rest]), raw[held])
    return out


def isotonic_oof(raw: np.ndarray, y: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, bool]:
    """Calibrated OOF scores of one dimension, each fold's map and keep-or-not decision made on the other
    folds only; and whether the deployed model should apply a map (cross-fitted OOF MAE falls)."""
    calibrated = raw.copy()
    for k in np.unique(folds):
        held, rest = folds == k, folds != k
        inner = _crossfit_isotonic(raw[rest], y[rest], folds[rest])
        if np.mean(np.abs(inner - y[rest])) < np.mean(np.abs(raw[rest] - y[rest])):
            calibrated[held] = heads.apply_isotonic(heads.fit_isotonic(raw[rest], y[rest]), raw[held])
    full = _crossfit_isotonic(raw, y, folds)
    return calibrated, bool(np.mean(np.abs(full - y)) < np.mean(np.abs(raw - y)))


# ---------------------------------------------------------------------------------------------
# The whole procedure
# ---------------------------------------------------------------------------------------------


@dataclass
class Fitted:
    """The deployed model (every part fitted on all N) and the out-of-fold figures of the procedure."""

    dimensions: list[str]
    categories: list[tuple[str, list[str]]]
    base: Base
    stack: dict[str, Any] | None  # {"w": 2D × D, "b": D} (probe)
    category_weight: dict[str, float]  # encoder share of each field's probabilities (probe)
    isotonic: dict[str, tuple[np.ndarray, np.ndarray] | None]
    scale: dict[str, Any]
    conformal_scores: list[float]
    figures: dict[str, Any]
    oof: dict[str, Any]


def crossfit(data: Data, *, seed: int = 42, log: Any = None, curve: bool = True) -> Fitted:
    """Fits, selects, calibrates and conformalises by cross-fitting (see the module's docstring)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        return _crossfit(data, seed=seed, log=log, curve=curve)
    # One BLAS thread: these matrices are small, and on a busy 2-core machine a second OpenBLAS thread
    # made eigendecompositions 5-8 times slower, not faster.
    with threadpool_limits(limits=1, user_api="blas"):
        return _crossfit(data, seed=seed, log=log, curve=curve)


def _crossfit(data: Data, *, seed: int, log: Any, curve: bool) -> Fitted:
    started = time.perf_counter()
    say = log or (lambda _m: None)
    n, d = data.y.shape
    k_folds = fold_count(n)
    folds = assign_folds(n, k_folds, seed)
    with_encoder = data.embeddings is not None
    lex_oof = np.zeros((n, d))
    enc_oof = np.zeros((n, 2 * d)) if with_encoder else None
    lex_probs = {key: np.zeros((n, len(v))) for key, v in data.categories}
    enc_probs = {key: np.zeros((n, len(v))) for key, v in data.categories}
    insides: list[tuple[np.ndarray, BaseOut]] = []  # each fold's in-sample base predictions
    alphas: list[dict[str, Any]] = []
    for k in range(k_folds):
        held, rest = np.flatnonzero(folds == k), np.flatnonzero(folds != k)
        base = fit_base(data, rest, seed=seed)
        out = predict_base(base, data, held)
        lex_oof[held] = out.lexical
        for key, probs in lex_probs.items():
            probs[held] = out.lexical_probs[key]
        if with_encoder:
            assert enc_oof is not None and out.encoder is not None
            enc_oof[held] = out.encoder
            for key, probs in enc_probs.items():
                probs[held] = out.encoder_probs[key]
        alphas.append({"lexical": base.lexical["alpha"], "encoder": base.encoder["alpha"] if base.encoder else None})
        say(f"fold {k + 1}/{k_folds}: base models fitted on {len(rest)} articles")
        insides.append((rest, predict_base(base, data, rest)))
    lex_mae = _mae_columns(lex_oof, data.y)

    # Stacking (probe) with the never-worse-than-lexical fallback, cross-fitted.
    s = stack_inputs(lex_oof, enc_oof)
    raw_oof = lex_oof.copy()
    stack: dict[str, Any] | None = None
    stacked_mae = None
    if with_encoder:
        stacked = np.zeros((n, d))
        for k in range(k_folds):
            held, rest = folds == k, folds != k
            stacked[held] = np.clip(heads.linear(heads.fit_ridge(s[rest], data.y[rest], STACK_ALPHAS), s[held]), 0, 10)
        stacked_mae = _mae_columns(stacked, data.y)
        stack = heads.fit_ridge(s, data.y, STACK_ALPHAS)
        for j in range(d):
            if stacked_mae[j] < lex_mae[j]:
                raw_oof[:, j] = stacked[:, j]
            else:
                stack["w"][:, j], stack["b"][j] = lexical_selector(s.shape[1], d, j)

    # Categories: blend weight on OOF log-loss (probe), lexical head alone (lexical).
    category_weight: dict[str, float] = {}
    probs: dict[str, np.ndarray] = {}
    for key, _values in data.categories:
        if with_encoder:
            losses = {w: _log_loss(blend(lex_probs[key], enc_probs[key], w), data.labels[key]) for w in CATEGORY_BLEND}
            category_weight[key] = min(losses, key=lambda w: (losses[w], w))
        else:
            category_weight[key] = 0.0
        probs[key] = blend(lex_probs[key], enc_probs[key] if with_encoder else None, category_weight[key])
    predicted_categories = argmax_categories(data.categories, probs, n)
    category_accuracy = {}
    for key, values in data.categories:
        known = data.labels[key] >= 0
        if known.any():
            category_accuracy[key] = float(np.mean(probs[key][known].argmax(axis=1) == data.labels[key][known]))

    # Isotonic, cross-fitted; then the per-dimension guarantee against the lexical model.
    calibrated = raw_oof.copy()
    isotonic: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
    calibration: dict[str, dict[str, Any]] = {}
    fallback: list[str] = []
    for j, dim in enumerate(data.dimensions):
        calibrated[:, j], apply = isotonic_oof(raw_oof[:, j], data.y[:, j], folds)
        before = float(np.mean(np.abs(raw_oof[:, j] - data.y[:, j])))
        after = float(np.mean(np.abs(calibrated[:, j] - data.y[:, j])))
        if after > lex_mae[j]:
            # The stack or its calibration lost to the lexical model on OOF data: lexical alone.
            raw_oof[:, j] = calibrated[:, j] = lex_oof[:, j]
            if stack is not None:
                stack["w"][:, j], stack["b"][j] = lexical_selector(s.shape[1], d, j)
            before = after = float(lex_mae[j])
            apply = False
            fallback.append(dim)
        isotonic[dim] = heads.fit_isotonic(raw_oof[:, j], data.y[:, j]) if apply else None
        applied = isotonic[dim] is not None
        calibration[dim] = {"mae_before": round(before, 4), "mae_after": round(after, 4), "applied": applied}

    # Adaptive conformal scores from OOF predictions (the student's own categories).
    overall, raw_overall = overall_scores(data.filter_part, data.dimensions, calibrated, predicted_categories)
    residual = np.abs(data.oracle_overall - overall)
    disagreement = disagreement_of(lex_oof, enc_oof)
    g = scale_features(overall, raw_overall, category_confidence(probs, n), disagreement, data.lengths)
    scale_oof = np.zeros(n)
    for k in range(k_folds):
        held, rest = folds == k, folds != k
        scale_oof[held] = predict_scale(fit_scale(g[rest], residual[rest]), g[held])
    scale = fit_scale(g, residual)
    conformal_scores = sorted(round(float(v), 6) for v in residual / scale_oof)

    say(f"refitting every part on all {n} articles")
    final = fit_base(data, np.arange(n), seed=seed)
    train_mae = [_combined_mae(out, stack, data.y[rows]) for rows, out in insides]
    points = learning_curve(data, folds, stack, raw_oof, train_mae, seed) if curve else []
    per_dimension = {dim: calibration[dim]["mae_after"] for dim in data.dimensions}
    figures = {
        "method": f"{k_folds}-fold cross-fitting over train+validation ({n} articles): every figure is out-of-fold",
        "n": n,
        "dimension_mae": round(float(np.mean(list(per_dimension.values()))), 4),
        "per_dimension": per_dimension,
        "lexical_dimension_mae": round(float(np.mean(lex_mae)), 4),
        "lexical_per_dimension": {dim: round(float(v), 4) for dim, v in zip(data.dimensions, lex_mae, strict=True)},
        "stacked_per_dimension": None
        if stacked_mae is None
        else {dim: round(float(v), 4) for dim, v in zip(data.dimensions, stacked_mae, strict=True)},
        "lexical_fallback": fallback,
        "category_accuracy": {k: round(v, 4) for k, v in category_accuracy.items()},
        "category_encoder_weight": category_weight,
        "calibration": calibration,
        "overall_mae": round(float(np.mean(residual)), 4),
        "folds": k_folds,
        "alphas": {
            "lexical": final.lexical["alpha"],
            "encoder": final.encoder["alpha"] if final.encoder else None,
            "kernel": final.kernel["alpha"] if final.kernel else None,
            "stack": stack["alpha"] if stack else None,
        },
        "vocabulary": len(final.columns),
        "curve": points,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return Fitted(
        dimensions=data.dimensions,
        categories=data.categories,
        base=final,
        stack=stack,
        category_weight=category_weight,
        isotonic=isotonic,
        scale=scale,
        conformal_scores=conformal_scores,
        figures=figures,
        oof={
            "folds": folds,
            "raw": raw_oof,
            "calibrated": calibrated,
            "lexical": lex_oof,
            "encoder": enc_oof,
            "overall": overall,
            "scale": scale_oof,
            "residual": residual,
            "categories": predicted_categories,
        },
    )


def learning_curve(
    data: Data, folds: np.ndarray, stack: dict[str, Any] | None, raw_oof: np.ndarray, train_mae: list[float], seed: int
) -> list[dict[str, float]]:
    """Training and held-out MAE (before isotonic) against the number of training articles."""
    rng = np.random.default_rng(seed + 1)
    k_folds = int(folds.max()) + 1
    points = []
    for fraction in CURVE_FRACTIONS:
        sizes, fits, vals = [], [], []
        for k in range(min(CURVE_FOLDS, k_folds)):
            held, rest = np.flatnonzero(folds == k), np.flatnonzero(folds != k)
            size = max(8, round(fraction * len(rest)))
            if size >= len(rest):
                continue
            subset = np.sort(rng.choice(rest, size=size, replace=False))
            base = fit_base(data, subset, categories=False, seed=seed)
            fits.append(_combined_mae(predict_base(base, data, subset), stack, data.y[subset]))
            vals.append(_combined_mae(predict_base(base, data, held), stack, data.y[held]))
            sizes.append(size)
        if sizes:
            points.append(
                {
                    "x": float(np.mean(sizes)),
                    "loss": round(float(np.mean(fits)), 4),
                    "val_loss": round(float(np.mean(vals)), 4),
                }
            )
    full = float(np.mean([np.sum(folds != k) for k in range(k_folds)]))
    points.append(
        {
            "x": full,
            "loss": round(float(np.nanmean(train_mae)), 4),
            "val_loss": round(float(np.mean(np.abs(raw_oof - data.y))), 4),
        }
    )
    return points


def _combined_mae(out: BaseOut, stack: dict[str, Any] | None, y: np.ndarray) -> float:
    if stack is None or out.encoder is None:
        return float(np.mean(np.abs(out.lexical - y)))
    predicted = np.clip(heads.linear(stack, stack_inputs(out.lexical, out.encoder)), 0, 10)
    return float(np.mean(np.abs(predicted - y)))


def vectorizer(data: Data, fitted: Fitted) -> Tfidf:
    """The deployed TF-IDF vectoriser (the final base model's vocabulary and idf)."""
    return Tfidf([data.counts.terms[c] for c in fitted.base.columns], fitted.base.idf)
