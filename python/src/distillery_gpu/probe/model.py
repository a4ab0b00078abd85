"""A trained CPU student (``lexical`` or ``probe``) as plain arrays, and how it scores articles.

Scoring an article: TF-IDF features → lexical ridge (and, for the probe, the pooled encoder vector →
encoder ridge and RBF kernel ridge) → the level-2 stack → isotonic maps → scores; category heads → the student's own
categories; postfilter (with those categories) → overall; difficulty features → error scale →
conformal interval ``overall ± q · scale``. Exactly the computation cross-fitting judged out-of-fold
(``crossfit.py``), with every part refitted on all the job's articles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import conformal, heads
from .crossfit import (
    Fitted,
    argmax_categories,
    blend,
    category_confidence,
    disagreement_of,
    kernel_predict,
    overall_scores,
    predict_scale,
    scale_features,
    stack_inputs,
)
from .tfidf import Tfidf


class StudentModel:
    """The deployed parts of a CPU student."""

    def __init__(
        self,
        *,
        dimensions: list[str],
        categories: list[tuple[str, list[str]]],
        postfilter_part: dict[str, Any],
        tfidf: Tfidf,
        lexical: dict[str, Any],
        lexical_categories: dict[str, dict[str, Any]],
        encoder: dict[str, Any] | None,
        kernel: dict[str, Any] | None,
        encoder_categories: dict[str, dict[str, Any]],
        stack: dict[str, Any] | None,
        category_weight: dict[str, float],
        isotonic: dict[str, tuple[np.ndarray, np.ndarray] | None],
        scale: dict[str, Any],
        conformal_scores: list[float],
    ) -> None:
        self.dimensions = dimensions
        self.categories = categories
        self.postfilter_part = postfilter_part
        self.tfidf = tfidf
        self.lexical = lexical
        self.lexical_categories = lexical_categories
        self.encoder = encoder
        self.kernel = kernel
        self.encoder_categories = encoder_categories
        self.stack = stack
        self.category_weight = category_weight
        self.isotonic = isotonic
        self.scale = scale
        self.conformal_scores = conformal_scores

    @classmethod
    def from_fitted(cls, fitted: Fitted, tfidf: Tfidf, postfilter_part: dict[str, Any]) -> StudentModel:
        base = fitted.base
        encoder = None
        if base.encoder is not None:
            encoder = {"mean": base.mean, "scale": base.scale, "w": base.encoder["w"], "b": base.encoder["b"]}
        return cls(
            dimensions=fitted.dimensions,
            categories=fitted.categories,
            postfilter_part=postfilter_part,
            tfidf=tfidf,
            lexical={"w": base.lexical["w"], "b": base.lexical["b"]},
            lexical_categories=base.lexical_categories,
            encoder=encoder,
            kernel=base.kernel,
            encoder_categories=base.encoder_categories,
            stack=fitted.stack,
            category_weight=fitted.category_weight,
            isotonic=fitted.isotonic,
            scale=fitted.scale,
            conformal_scores=fitted.conformal_scores,
        )

    # -- storage: arrays for the npz, the rest for the JSON card ---------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = self.tfidf.to_arrays("tfidf/")
        arrays["lexical/w"], arrays["lexical/b"] = self.lexical["w"], self.lexical["b"]
        for key, head in self.lexical_categories.items():
            arrays[f"lexical_category/{key}/w"], arrays[f"lexical_category/{key}/b"] = head["w"], head["b"]
        if self.encoder is not None:
            for part in ("mean", "scale", "w", "b"):
                arrays[f"encoder/{part}"] = self.encoder[part]
            assert self.kernel is not None
            arrays["kernel/train"] = self.kernel["train"].astype(np.float16)
            arrays["kernel/dual"], arrays["kernel/b"] = self.kernel["dual"], self.kernel["b"]
            for key, head in self.encoder_categories.items():
                arrays[f"encoder_category/{key}/w"], arrays[f"encoder_category/{key}/b"] = head["w"], head["b"]
        if self.stack is not None:
            arrays["stack/w"], arrays["stack/b"] = self.stack["w"], self.stack["b"]
        for dim, knots in self.isotonic.items():
            if knots is not None:
                arrays[f"isotonic/{dim}/x"], arrays[f"isotonic/{dim}/y"] = knots
        for part in ("mean", "std", "w"):
            arrays[f"scale/{part}"] = np.asarray(self.scale[part], dtype=np.float64)
        return {k: np.asarray(v) for k, v in arrays.items()}

    def card_part(self) -> dict[str, Any]:
        return {
            "dimensions": self.dimensions,
            "categories": [{"key": k, "values": v} for k, v in self.categories],
            "postfilter": self.postfilter_part,
            "category_weight": self.category_weight,
            "scale": {"b": float(self.scale["b"]), "floor": float(self.scale["floor"])},
            "stacked": self.stack is not None,
            "encoder_head": self.encoder is not None,
        }

    @classmethod
    def from_storage(cls, card: dict[str, Any], arrays: Any) -> StudentModel:
        def head(prefix: str) -> dict[str, Any]:
            return {"w": arrays[f"{prefix}/w"], "b": arrays[f"{prefix}/b"]}

        model = card["model"]
        categories = [(c["key"], list(c["values"])) for c in model["categories"]]
        encoder = kernel = None
        encoder_categories: dict[str, dict[str, Any]] = {}
        if model["encoder_head"]:
            encoder = {part: arrays[f"encoder/{part}"] for part in ("mean", "scale", "w", "b")}
            kernel = {
                "train": arrays["kernel/train"].astype(np.float32),
                "dual": arrays["kernel/dual"],
                "b": arrays["kernel/b"],
            }
            encoder_categories = {k: head(f"encoder_category/{k}") for k, _ in categories}
        isotonic = {
            d: (arrays[f"isotonic/{d}/x"], arrays[f"isotonic/{d}/y"]) if f"isotonic/{d}/x" in arrays else None
            for d in model["dimensions"]
        }
        scale = {"mean": arrays["scale/mean"], "std": arrays["scale/std"], "w": arrays["scale/w"], **model["scale"]}
        return cls(
            dimensions=list(model["dimensions"]),
            categories=categories,
            postfilter_part=model["postfilter"],
            tfidf=Tfidf.from_arrays(arrays, "tfidf/"),
            lexical=head("lexical"),
            lexical_categories={k: head(f"lexical_category/{k}") for k, _ in categories},
            encoder=encoder,
            kernel=kernel,
            encoder_categories=encoder_categories,
            stack=head("stack") if model["stacked"] else None,
            category_weight={k: float(v) for k, v in model["category_weight"].items()},
            isotonic=isotonic,
            scale=scale,
            conformal_scores=list(card["conformal"]["scores"]),
        )

    # -- scoring -----------------------------------------------------------------------------

    def predict(self, texts: list[str], embeddings: np.ndarray | None, coverage: float) -> list[dict[str, Any]]:
        """Per article: ``scores``, ``uncalibrated_scores``, ``categories``, ``overall``,
        ``overall_scale`` and ``overall_interval`` at ``coverage``."""
        n = len(texts)
        x = self.tfidf.transform(texts)
        lexical = np.clip(heads.linear(self.lexical, x), 0, 10)
        lexical_probs = {k: heads.category_probabilities(h, x) for k, h in self.lexical_categories.items()}
        encoder = None
        encoder_probs: dict[str, np.ndarray] = {}
        if self.encoder is not None:
            if embeddings is None:
                raise ValueError("this student needs encoder vectors")
            z = (embeddings - self.encoder["mean"]) / self.encoder["scale"]
            assert self.kernel is not None
            encoder = np.hstack(
                [np.clip(heads.linear(self.encoder, z), 0, 10), np.clip(kernel_predict(self.kernel, z), 0, 10)]
            )
            encoder_probs = {k: heads.category_probabilities(h, z) for k, h in self.encoder_categories.items()}
        raw = (
            lexical if self.stack is None else np.clip(heads.linear(self.stack, stack_inputs(lexical, encoder)), 0, 10)
        )
        calibrated = (
            np.column_stack([heads.apply_isotonic(self.isotonic[d], raw[:, j]) for j, d in enumerate(self.dimensions)])
            if n
            else raw
        )
        probs = {
            key: blend(lexical_probs[key], encoder_probs.get(key), self.category_weight.get(key, 0.0))
            for key, _ in self.categories
        }
        categories = argmax_categories(self.categories, probs, n)
        overall, raw_overall = overall_scores(self.postfilter_part, self.dimensions, calibrated, categories)
        disagreement = disagreement_of(lexical, encoder)
        lengths = np.array([len(t) for t in texts], dtype=np.float64)
        scale = predict_scale(
            self.scale, scale_features(overall, raw_overall, category_confidence(probs, n), disagreement, lengths)
        )
        q = conformal.quantile(self.conformal_scores, coverage)
        out = []
        for i in range(n):
            out.append(
                {
                    "scores": {d: round(float(v), 4) for d, v in zip(self.dimensions, calibrated[i], strict=True)},
                    "uncalibrated_scores": {
                        d: round(float(v), 4) for d, v in zip(self.dimensions, raw[i], strict=True)
                    },
                    "categories": categories[i],
                    "overall": float(overall[i]),
                    "overall_scale": round(float(scale[i]), 6),
                    "overall_interval": list(conformal.interval(float(overall[i]), q * float(scale[i]))),
                }
            )
        return out
