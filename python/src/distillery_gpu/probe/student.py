"""The CPU students' jobs: ``train`` (``train_probe``, ``train_lexical``), ``eval`` (predictions on the
test split, and the lexical baseline's when the job names the train split) and ``infer`` (scoring in
chunks, each prediction with its categories and its conformal interval of the overall score).

Both kinds read the article as the oracle did (title, body cut at the filter's ``max_article_chars``
with the oracle's head+tail rule) and are fitted by cross-fitting over train+validation
(``crossfit.py``). The probe adds a frozen encoder's pooled whole-article vectors, through the
embedding cache, so only texts never seen by this encoder cost time; progress lines count articles.
Nothing here imports torch unless a sentence-transformers encoder is chosen.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import events
from ..chunks import chunk_path, count_lines, write_jsonl
from ..data import article_text, file_sha256, max_article_chars, read_dataset, windows
from ..errors import DistilleryError
from ..evaluate import write_lexical_baseline
from . import artifact, conformal
from .cache import EmbeddingCache, default_path, embed_with_cache
from .crossfit import Data, crossfit, vectorizer
from .encoder import HUB_E5, POOLINGS, Encoder, effective_encoder
from .lexical import category_fields, category_labels
from .model import StudentModel
from .tfidf import TermCounts

DEFAULT_COVERAGE = 0.9
LEXICAL_BASE_MODEL = "tfidf-word-bigram"
LEXICAL_BACKEND = "scikit-learn"
#: Which parts of the pooled article vector the probe's heads read (see encoder.POOLINGS).
PROBE_POOLING = ("mean", "max")
PREDICTIONS_FILE = "predictions.jsonl"


def make_encoder(name: str, device: str) -> Encoder:
    return Encoder(effective_encoder(name), device=device)


def pooling_columns(dim: int, parts: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.concatenate([np.arange(POOLINGS.index(p) * dim, (POOLINGS.index(p) + 1) * dim) for p in parts])


def embed(
    encoder: Encoder, texts: list[str], cache: EmbeddingCache, *, done: int = 0, total: int | None = None
) -> np.ndarray:
    """Pooled whole-article vectors of ``texts`` through the cache, printing progress per encoded batch."""
    started = time.perf_counter()
    counter = {"n": 0}

    def on_batch(size: int) -> None:
        counter["n"] += size
        rate = counter["n"] / max(time.perf_counter() - started, 1e-9)
        left = (total or 0) - done - counter["n"]
        events.progress(
            step=done + counter["n"], total=total, examples_per_s=rate, eta_s=left / rate if total else None
        )

    vectors, hits = embed_with_cache(
        texts, encoder_key=encoder.cache_key, encode=lambda t: encoder.embed_articles(t, on_batch=on_batch), cache=cache
    )
    if hits:
        events.emit({"event": "log", "message": f"{hits} of {len(texts)} embeddings came from the cache"})
    return vectors


def _log(message: str) -> None:
    events.emit({"event": "log", "message": message})


def _train(job: dict[str, Any], out_dir: Path, kind: str) -> dict[str, Any]:
    started = time.perf_counter()
    filter_package, settings = job["filter"], job["student"]
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    seed = int((settings.get("hyperparameters") or {}).get("seed", 42))
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    rows = train_rows + validation_rows
    max_chars = max_article_chars(filter_package)
    texts = [article_text(r, max_chars) for r in rows]
    filter_part = artifact.postfilter_part(filter_package)
    fields = category_fields(filter_part)

    encoder: Encoder | None = None
    embeddings = None
    encode_s = 0.0
    if kind == "probe":
        encoder = make_encoder(settings.get("encoder") or HUB_E5, job.get("device", "auto"))
        _log(
            f"training a probe on {encoder.name} ({len(train_rows)} train + {len(validation_rows)} "
            "validation articles, cross-fitted)"
        )
        cache = EmbeddingCache(default_path())
        t0 = time.perf_counter()
        pooled = embed(encoder, texts, cache, total=len(texts))
        cache.close()
        encode_s = time.perf_counter() - t0
        width = pooled.shape[1] // len(POOLINGS)
        embeddings = pooled[:, pooling_columns(width, PROBE_POOLING)]
    else:
        _log(
            f"training a lexical student ({len(train_rows)} train + {len(validation_rows)} "
            "validation articles, cross-fitted)"
        )

    data = Data(
        dimensions=dimensions,
        y=np.array([[r["scores"][d] for d in dimensions] for r in rows], dtype=np.float64),
        categories=fields,
        labels=category_labels(rows, fields),
        counts=TermCounts.count(texts),
        embeddings=embeddings,
        lengths=np.array([len(t) for t in texts], dtype=np.float64),
        filter_part=filter_part,
    )
    fitted = crossfit(data, seed=seed, log=_log)
    model = StudentModel.from_fitted(fitted, vectorizer(data, fitted), filter_part)
    figures = fitted.figures
    for dim in dimensions:
        numbers = figures["calibration"][dim]
        _log(
            f"{dim}: out-of-fold MAE {numbers['mae_after']} (lexical {figures['lexical_per_dimension'][dim]}, "
            f"isotonic {'on' if numbers['applied'] else 'off'})"
        )
    validation = {
        "method": figures["method"],
        "n": figures["n"],
        "dimension_mae": figures["dimension_mae"],
        "per_dimension": figures["per_dimension"],
        "lexical_dimension_mae": figures["lexical_dimension_mae"],
        "category_accuracy": figures["category_accuracy"],
    }
    conformal_part = {
        "method": conformal.METHOD,
        "default_coverage": DEFAULT_COVERAGE,
        "n": len(fitted.conformal_scores),
        "scores": fitted.conformal_scores,
        "data": (
            f"out-of-fold predictions over train+validation ({figures['n']} articles, "
            f"{figures['folds']}-fold cross-fitting)"
        ),
    }
    base_model = encoder.name if encoder else LEXICAL_BASE_MODEL
    backend = encoder.backend if encoder else LEXICAL_BACKEND
    elapsed = time.perf_counter() - started
    details = {
        "folds": figures["folds"],
        "articles": len(rows),
        "train_articles": len(train_rows),
        "validation_articles": len(validation_rows),
        "max_article_chars": max_chars,
        "vocabulary": figures["vocabulary"],
        "alphas": figures["alphas"],
        "lexical_per_dimension": figures["lexical_per_dimension"],
        "stacked_per_dimension": figures["stacked_per_dimension"],
        "lexical_fallback": figures["lexical_fallback"],
        "category_encoder_weight": figures["category_encoder_weight"],
        "overall_mae_oof": figures["overall_mae"],
        "conformal_q90": conformal.quantile(fitted.conformal_scores, DEFAULT_COVERAGE),
        "fit_seconds": figures["seconds"],
        "encode_seconds": round(encode_s, 2),
        "train_seconds": round(elapsed, 2),
    }
    if encoder is not None:
        details.update(
            {
                "encoder": encoder.name,
                "encoder_backend": encoder.backend,
                "pooling": list(PROBE_POOLING),
                "window_overlap": encoder.overlap,
                "encode_articles_per_s": round(len(texts) / encode_s, 2) if encode_s > 0 else None,
            }
        )
    card = artifact.save(
        out_dir,
        {
            "head": kind,
            "kind": kind,
            "filter": {"name": filter_package["name"], "version": filter_package["version"]},
            "base_model": base_model,
            "backend": backend,
            "dimensions": dimensions,
            "encoder": None
            if encoder is None
            else {
                "name": encoder.name,
                "int8": encoder.want_int8,
                "backend": encoder.backend,
                "pooling": list(PROBE_POOLING),
                "max_tokens": encoder.requested_tokens,
                "overlap": encoder.overlap,
            },
            "max_article_chars": max_chars,
            "model": model.card_part(),
            "conformal": conformal_part,
            "validation": validation,
            "calibration": figures["calibration"],
            "training_curve": figures["curve"],
            "data": {
                "train": {"sha256": file_sha256(job["data"]["train"]), "rows": len(train_rows)},
                "validation": {"sha256": file_sha256(job["data"]["validation"]), "rows": len(validation_rows)},
            },
            "job_id": job["job_id"],
        },
        model.to_arrays(),
    )
    del card
    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    return {
        "command": "train",
        "job_id": job["job_id"],
        "kind": kind,
        "base_model": base_model,
        "backend": backend,
        "device": encoder.device if encoder else "cpu",
        "model_dir": str(out_dir),
        "artifact_bytes": size,
        "training_curve": {"unit": "train_articles", "points": figures["curve"]},
        "validation": validation,
        "calibration": figures["calibration"],
        "missing": {},
        "details": details,
    }


def train_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Trains the ``probe`` student (frozen encoder over whole articles, stacked with the lexical model)."""
    return _train(job, out_dir, "probe")


def train_lexical(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Trains the ``lexical`` student (TF-IDF + ridge + category heads; no encoder, no torch)."""
    return _train(job, out_dir, "lexical")


class LoadedStudent:
    """A trained CPU student ready to score: its arrays, and its encoder (loaded lazily) for a probe."""

    def __init__(self, model_dir: str | Path, device: str = "cpu") -> None:
        self.card, arrays = artifact.load(model_dir)
        self.kind: str = self.card["kind"]
        self.model = StudentModel.from_storage(self.card, arrays)
        self.dimensions = self.model.dimensions
        self.max_chars: int | None = self.card.get("max_article_chars")
        self.encoder: Encoder | None = None
        self.cache: EmbeddingCache | None = None
        settings = self.card.get("encoder")
        if settings is not None:
            wanted = os.environ.get("DISTILLERY_PROBE_ENCODER")
            if wanted and wanted != settings["name"]:
                raise DistilleryError(
                    "encoder.mismatch", f"the probe was trained on '{settings['name']}', but {wanted} was asked for"
                )
            self.encoder = Encoder(
                settings["name"],
                device=device,
                int8=bool(settings["int8"]),
                max_seq_length=settings.get("max_tokens"),
                overlap=int(settings["overlap"]),
            )
            self.pooling = tuple(settings["pooling"])
            self.cache = EmbeddingCache(default_path())

    @property
    def default_coverage(self) -> float:
        return float(self.card["conformal"]["default_coverage"])

    def predict(
        self,
        rows: list[dict[str, Any]],
        coverage: float,
        *,
        done: int = 0,
        total: int | None = None,
        uncalibrated: bool = False,
    ) -> list[dict[str, Any]]:
        texts = [article_text(r, self.max_chars) for r in rows]
        embeddings = None
        if self.encoder is not None and self.cache is not None:
            pooled = embed(self.encoder, texts, self.cache, done=done, total=total)
            width = pooled.shape[1] // len(POOLINGS) if len(pooled) else 0
            embeddings = pooled[:, pooling_columns(width, self.pooling)] if len(pooled) else np.zeros((0, 0))
        out = []
        for row, prediction in zip(rows, self.model.predict(texts, embeddings, coverage), strict=True):
            line = {"article_id": row.get("article_id", row.get("id"))}
            line.update(
                {k: v for k, v in prediction.items() if k != "overall" and (uncalibrated or k != "uncalibrated_scores")}
            )
            out.append(line)
        return out

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


LoadedProbe = LoadedStudent


def evaluate_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """``eval`` of a probe or lexical student: test predictions, and the lexical baseline's."""
    student = LoadedStudent(job["model_dir"], job.get("device", "cpu"))
    test_rows = read_dataset(job["data"]["test"], student.dimensions)
    started = time.perf_counter()
    predictions = student.predict(test_rows, student.default_coverage, total=len(test_rows), uncalibrated=True)
    elapsed = time.perf_counter() - started
    student.close()
    write_jsonl(out_dir / PREDICTIONS_FILE, predictions)
    conformal_card = student.card["conformal"]
    result: dict[str, Any] = {
        "command": "eval",
        "job_id": job["job_id"],
        "kind": student.kind,
        "n": len(predictions),
        "predictions": PREDICTIONS_FILE,
        "articles_per_s": round(len(predictions) / max(elapsed, 1e-9), 2),
        "conformal": {
            "method": conformal_card["method"],
            "scores": conformal_card["scores"],
            "default_coverage": conformal_card["default_coverage"],
            "data": conformal_card["data"],
        },
        "lexical_baseline": None,
        "parse": None,
        "missing": {},
    }
    result["lexical_baseline"], why_not = write_lexical_baseline(
        job, test_rows, student.dimensions, student.model.postfilter_part, student.max_chars, out_dir
    )
    if why_not:
        result["missing"]["lexical_baseline"] = why_not
    return result


def infer_probe(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """``infer`` of a probe or lexical student: numbered chunk files (a rerun skips the chunks written)."""
    student = LoadedStudent(job["model_dir"], job.get("device", "cpu"))
    coverage = float(job.get("coverage") or student.default_coverage)
    done = scored = 0
    index = -1
    started = time.perf_counter()
    for index, window in enumerate(windows(job["input"], job.get("chunk_size", 1000))):
        path = chunk_path(out_dir, index)
        relative = str(path.relative_to(out_dir))
        if path.is_file():
            events.chunk(index, relative, count_lines(path))
            done += len(window)
            continue
        predictions = student.predict(window, coverage, done=done)
        write_jsonl(path, predictions)
        events.chunk(index, relative, len(predictions))
        done += len(predictions)
        scored += len(predictions)
    student.close()
    elapsed = time.perf_counter() - started
    return {
        "command": "infer",
        "job_id": job["job_id"],
        "kind": student.kind,
        "predictions": done,
        "chunks": index + 1,
        "coverage": coverage,
        "articles_per_s": round(scored / max(elapsed, 1e-9), 2),
    }
