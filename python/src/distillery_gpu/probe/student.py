"""The probe student's jobs: ``train`` (encode, fit heads, calibrate, conformal), ``eval`` (predictions
on the test split, and the lexical baseline's when the job names the train split) and ``infer``
(scoring in chunks, each prediction with its conformal interval of the overall score).

Flat top to bottom like the other trainers. Encoding goes through the embedding cache, so only texts
never seen by this encoder cost time; progress lines count encoded articles.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import events
from ..data import article_text, file_sha256, read_dataset, windows
from ..errors import DistilleryError
from . import artifact, conformal, heads
from .cache import EmbeddingCache, default_path, embed_with_cache
from .encoder import Encoder, effective_encoder
from .postfilter import postfilter

DEFAULT_COVERAGE = 0.9
CALIBRATION_FOLDS = 5


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def make_encoder(name: str, device: str) -> Encoder:
    return Encoder(effective_encoder(name), device=device, int8=_flag("DISTILLERY_PROBE_INT8"))


def embed(encoder: Encoder, texts: list[str], cache: EmbeddingCache, *, done: int = 0, total: int | None = None) -> np.ndarray:
    """Embeddings of ``texts`` through the cache, printing progress per encoded batch."""
    started = time.perf_counter()
    counter = {"n": 0}

    def on_batch(size: int) -> None:
        counter["n"] += size
        rate = counter["n"] / max(time.perf_counter() - started, 1e-9)
        left = (total or 0) - done - counter["n"]
        events.progress(step=done + counter["n"], total=total, examples_per_s=rate, eta_s=left / rate if total else None)

    vectors, hits = embed_with_cache(texts, encoder_key=encoder.cache_key, encode=lambda t: encoder.encode(t, on_batch=on_batch), cache=cache)
    if hits:
        events.emit({"event": "log", "message": f"{hits} of {len(texts)} embeddings came from the cache"})
    return vectors


def _predict_all(fitted: dict[str, dict[str, Any]], x: np.ndarray, dimensions: list[str], *, calibrated: bool = True) -> np.ndarray:
    return np.stack([heads.predict_dimension(fitted[d], x, calibrated=calibrated) for d in dimensions], axis=1)


def _overall(filter_part: dict[str, Any], scores: np.ndarray, dimensions: list[str], categories: list[dict[str, str]] | None = None) -> list[float]:
    return [
        postfilter(filter_part, dict(zip(dimensions, map(float, row), strict=True)), categories[i] if categories else None)["overall"]
        for i, row in enumerate(scores)
    ]


def _out_of_fold_calibrated(fitted: dict[str, Any], raw: np.ndarray, target: np.ndarray, seed: int) -> np.ndarray:
    """Validation predictions whose isotonic map never saw their own label (honest conformal scores)."""
    if fitted["isotonic"] is None or len(raw) < 2 * CALIBRATION_FOLDS:
        return heads.apply_isotonic(fitted["isotonic"], raw)
    folds = np.random.default_rng(seed).permutation(len(raw)) % CALIBRATION_FOLDS
    out = np.empty_like(raw)
    for k in range(CALIBRATION_FOLDS):
        held, rest = folds == k, folds != k
        knots = heads.fit_isotonic(raw[rest], target[rest]) if len(np.unique(raw[rest])) > 1 else None
        out[held] = heads.apply_isotonic(knots, raw[held])
    return out


def train_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    filter_package, settings = job["filter"], job["student"]
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    seed = int(settings["hyperparameters"].get("seed", 42))
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    encoder = make_encoder(settings["encoder"], job["device"])
    events.emit({"event": "log", "message": f"training a probe on {encoder.name} ({len(train_rows)} train, {len(validation_rows)} validation articles)"})
    cache = EmbeddingCache(default_path())
    started = time.perf_counter()
    total = len(train_rows) + len(validation_rows)
    x_train = embed(encoder, [article_text(r) for r in train_rows], cache, total=total)
    x_val = embed(encoder, [article_text(r) for r in validation_rows], cache, done=len(train_rows), total=total)
    cache.close()
    encode_s = time.perf_counter() - started

    mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    z_train, z_val = (x_train - mean) / scale, (x_val - mean) / scale
    y_train = np.array([[r["scores"][d] for d in dimensions] for r in train_rows], dtype=np.float64)
    y_val = np.array([[r["scores"][d] for d in dimensions] for r in validation_rows], dtype=np.float64)
    head_choice = os.environ.get("DISTILLERY_PROBE_HEAD", "auto")
    fitted: dict[str, dict[str, Any]] = {}
    for j, dimension in enumerate(dimensions):
        fitted[dimension] = heads.fit_dimension(z_train, y_train[:, j], z_val, y_val[:, j], seed=seed, head=head_choice)
        events.emit({"event": "log", "message": f"{dimension}: {fitted[dimension]['type']} head, validation MAE {fitted[dimension]['validation']}"})

    filter_part = artifact.postfilter_part(filter_package)
    raw_val = _predict_all(fitted, z_val, dimensions, calibrated=False)
    honest_val = np.stack([_out_of_fold_calibrated(fitted[d], raw_val[:, j], y_val[:, j], seed) for j, d in enumerate(dimensions)], axis=1)
    oracle_overall = _overall(filter_part, y_val, dimensions, [r.get("categories", {}) for r in validation_rows])
    calibration_scores = conformal.scores(oracle_overall, _overall(filter_part, honest_val, dimensions))
    calibration = {d: {"mae_before": f["validation"]["mae_before_calibration"], "mae_after": f["validation"]["mae_after_calibration"]} for d, f in fitted.items()}
    metrics = {
        "validation_mae": {d: calibration[d]["mae_after"] for d in dimensions},
        "calibration": calibration,
        "head_candidates": {d: f["validation"]["candidates"] for d, f in fitted.items()},
        "conformal_q90": conformal.quantile(calibration_scores, DEFAULT_COVERAGE),
        "encode_seconds": round(encode_s, 2),
        "articles_per_s": round(total / max(encode_s, 1e-9), 2),
    }
    card = artifact.save(
        out_dir,
        {
            "filter": {"name": filter_package["name"], "version": filter_package["version"]},
            "base_model": encoder.name,
            "encoder": encoder.name,
            "encoder_int8": encoder.want_int8,
            "backend": "sentence-transformers",
            "dimensions": dimensions,
            "postfilter": filter_part,
            "conformal": {"default_coverage": DEFAULT_COVERAGE, "n": len(calibration_scores), "scores": calibration_scores},
            "data": {
                "train": {"sha256": file_sha256(job["data"]["train"]), "rows": len(train_rows)},
                "validation": {"sha256": file_sha256(job["data"]["validation"]), "rows": len(validation_rows)},
            },
            "metrics": metrics,
            "job_id": job["job_id"],
        },
        (mean, scale),
        fitted,
    )
    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    return {
        "command": "train", "job_id": job["job_id"], "backend": "sentence-transformers", "device": encoder.device,
        "head": artifact.KIND, "model_dir": str(out_dir), "artifact_bytes": size, "metrics": metrics, "distillery": card,
    }


class LoadedProbe:
    """A trained probe ready to score: encoder (loaded lazily), standardisation, heads, postfilter."""

    def __init__(self, model_dir: str | Path, device: str) -> None:
        self.card, (self.mean, self.scale), self.heads = artifact.load(model_dir)
        self.dimensions: list[str] = self.card["dimensions"]
        self.encoder = Encoder(effective_encoder(self.card["encoder"]), device=device, int8=bool(self.card.get("encoder_int8")))
        if self.encoder.name != self.card["encoder"]:
            raise DistilleryError("encoder.mismatch", f"the probe was trained on '{self.card['encoder']}', but {self.encoder.name} was asked for")
        self.cache = EmbeddingCache(default_path())

    def predict(self, rows: list[dict[str, Any]], coverage: float, *, done: int = 0, total: int | None = None) -> list[dict[str, Any]]:
        vectors = embed(self.encoder, [article_text(r) for r in rows], self.cache, done=done, total=total)
        scores = _predict_all(self.heads, (vectors - self.mean) / self.scale, self.dimensions)
        q = conformal.quantile(self.card["conformal"]["scores"], coverage)
        overall = _overall(self.card["postfilter"], scores, self.dimensions)
        out = []
        for row, values, o in zip(rows, scores, overall, strict=True):
            out.append({
                "article_id": row.get("article_id", row.get("id")),
                "scores": {d: round(float(v), 4) for d, v in zip(self.dimensions, values, strict=True)},
                "overall_interval": list(conformal.interval(o, q)),
            })
        return out


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r, allow_nan=False) + "\n" for r in rows), encoding="utf-8")
    os.replace(tmp, path)


def evaluate_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    probe = LoadedProbe(job["model_dir"], job["device"])
    test_rows = read_dataset(job["data"]["test"], probe.dimensions)
    predictions = probe.predict(test_rows, DEFAULT_COVERAGE, total=len(test_rows))
    probe.cache.close()
    _write_jsonl(out_dir / "predictions.jsonl", predictions)
    result: dict[str, Any] = {
        "command": "eval", "job_id": job["job_id"], "head": artifact.KIND, "n": len(predictions),
        "predictions": "predictions.jsonl", "conformal": probe.card["conformal"], "baselines": {},
    }
    train_path = job["data"].get("train")
    if train_path:
        from .lexical import lexical_predictions

        lexical = lexical_predictions(read_dataset(train_path, probe.dimensions), test_rows, probe.dimensions)
        ids = [p["article_id"] for p in predictions]
        _write_jsonl(out_dir / "baseline-lexical.jsonl", [{"article_id": i, "scores": s} for i, s in zip(ids, lexical, strict=True)])
        result["baselines"]["lexical"] = "baseline-lexical.jsonl"
    return result


def infer_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    probe = LoadedProbe(job["model_dir"], job["device"])
    coverage = float(job.get("coverage") or probe.card["conformal"]["default_coverage"])
    done = 0
    index = 0
    started = time.perf_counter()
    for window in windows(job["input"], job["chunk_size"]):
        predictions = probe.predict(window, coverage, done=done)
        path = out_dir / "chunks" / f"chunk-{index:05d}.jsonl"
        _write_jsonl(path, predictions)
        events.chunk(index, str(path.relative_to(out_dir)), len(predictions))
        done += len(predictions)
        index += 1
    probe.cache.close()
    elapsed = time.perf_counter() - started
    return {
        "command": "infer", "job_id": job["job_id"], "head": artifact.KIND, "predictions": done, "chunks": index,
        "coverage": coverage, "articles_per_s": round(done / max(elapsed, 1e-9), 2),
    }
