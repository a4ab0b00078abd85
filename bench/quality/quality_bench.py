"""Student quality on the real Gemini-labelled dev set: constant baseline, lexical baseline, lexical student
and probe student on one random 80/20 split (seed fixed). Run through ``npm run bench -- quality``, which
imports the labels and the legacy filter with the project's own importer and passes them here.

Each student is trained by the same functions the CLI runs (``train_lexical``, ``train_probe``) on the 80%
(they cross-fit internally; a tenth of it is handed over as the job's validation file, which they pool
with train) and scored by ``evaluate_probe`` on the 20%. Figures per student: dimension MAE, overall MAE,
tier agreement, accuracy (|Δ overall| <= 1), per language, coverage reached at 0.9, training time and
scoring articles/s; for the probe also cold (uncached) scoring throughput and the MAE cost of the int8
encoder against the float32 one (on a smaller split: float32 encoding is slow, see ``--fp32``). Overall
scores and tiers go through the postfilter, the oracle side with the oracle's categories, each student's
side with its own predicted categories (the constant baseline predicts the training majority). The launcher recomputes every metric with the
TypeScript ``computeMetrics`` from the prediction files written here and checks that they agree.

Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "src"))
os.environ.setdefault("DISTILLERY_SCHEMAS_DIR", str(ROOT / "shared" / "schemas"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from distillery_gpu.data import max_article_chars  # noqa: E402
from distillery_gpu.probe.postfilter import postfilter  # noqa: E402

ACCURACY_TOLERANCE = 1.0
LANGUAGES = ("en", "nl")


def log(message: str) -> None:
    print(f"bench quality: {message}", file=sys.stderr, flush=True)


def read_rows(labels: Path, filter_package: dict[str, Any]) -> list[dict[str, Any]]:
    """Dataset rows from the importer's NDJSON (``{article, label}`` per line)."""
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    rows = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        article, label = record["article"], record["label"]
        scores = {k: float(v["score"] if isinstance(v, dict) else v) for k, v in label["scores"].items()}
        if any(d not in scores for d in dimensions):
            continue
        categories = label.get("categories") or {}
        result = postfilter(filter_package, scores, categories)
        rows.append({
            "article_id": article["id"], "split": "train", "title": article.get("title", ""), "body": article.get("body", ""),
            "language": article.get("language", "und"), "source": article.get("source", "unknown"), "url": article.get("url", ""),
            "scores": scores, "categories": categories, "overall": result["overall"], "tier": result["tier"],
        })
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def metrics(filter_package: dict[str, Any], rows: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> dict[str, Any]:
    """The quality bar's figures, defined as shared/src/metrics/index.ts defines them."""
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    n = len(rows)
    per_dimension = {d: float(np.mean([abs(r["scores"][d] - p["scores"][d]) for r, p in zip(rows, predictions, strict=True)])) for d in dimensions}
    accurate = same_tier = 0
    overall_error = 0.0
    for row, prediction in zip(rows, predictions, strict=True):
        oracle = postfilter(filter_package, row["scores"], row.get("categories") or {})
        student = postfilter(filter_package, prediction["scores"], prediction.get("categories") or {})
        error = abs(oracle["overall"] - student["overall"])
        overall_error += error
        accurate += error <= ACCURACY_TOLERANCE + 1e-9
        same_tier += oracle["tier"] == student["tier"]
    return {
        "n": n, "dimension_mae": float(np.mean(list(per_dimension.values()))), "overall_mae": overall_error / max(n, 1),
        "tier_agreement": same_tier / max(n, 1), "accuracy": accurate / max(n, 1), "per_dimension": per_dimension,
    }


def coverage(filter_package: dict[str, Any], rows: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> float | None:
    if not predictions or "overall_interval" not in predictions[0]:
        return None
    inside = 0
    for row, prediction in zip(rows, predictions, strict=True):
        oracle = postfilter(filter_package, row["scores"], row.get("categories") or {})["overall"]
        low, high = prediction["overall_interval"]
        inside += low - 1e-9 <= oracle <= high + 1e-9
    return inside / len(rows)


def figures_for(filter_package: dict[str, Any], rows: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> dict[str, Any]:
    out = metrics(filter_package, rows, predictions)
    out["by_language"] = {}
    for language in LANGUAGES:
        index = [i for i, r in enumerate(rows) if r["language"] == language]
        if index:
            out["by_language"][language] = metrics(filter_package, [rows[i] for i in index], [predictions[i] for i in index])
    out["coverage_at_0_9"] = coverage(filter_package, rows, predictions)
    return out


def read_predictions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def constant_predictions(train: list[dict[str, Any]], test: list[dict[str, Any]], filter_package: dict[str, Any]) -> list[dict[str, Any]]:
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    medians = {d: float(np.median([r["scores"][d] for r in train])) for d in dimensions}
    majority = {}
    for category in filter_package.get("categories") or []:
        values = [r["categories"].get(category["key"]) for r in train if r["categories"].get(category["key"])]
        if values:
            majority[category["key"]] = max(set(values), key=values.count)
    return [{"article_id": r["article_id"], "scores": dict(medians), "categories": dict(majority)} for r in test]


def train_and_eval(kind: str, job: dict[str, Any], data: dict[str, str], work: Path) -> tuple[dict[str, Any], dict[str, Any], float]:
    from distillery_gpu.probe import evaluate_probe, train_lexical, train_probe

    started = time.perf_counter()
    trained = (train_lexical if kind == "lexical" else train_probe)(job, work / f"{job['job_id']}-model")
    train_s = time.perf_counter() - started
    evaluation = evaluate_probe(
        {"command": "eval", "job_id": f"{job['job_id']}-eval", "model_dir": trained["model_dir"], "device": "cpu", "data": {"test": data["test"]}},
        work / f"{job['job_id']}-eval",
    )
    return trained, evaluation, train_s


def cold_scoring_rate(model_dir: str, rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Articles/s of scoring without the embedding cache (encoding included), and the mean windows per article."""
    from distillery_gpu.data import article_text
    from distillery_gpu.probe.student import LoadedStudent

    previous = os.environ.get("DISTILLERY_EMBEDDING_CACHE")
    os.environ["DISTILLERY_EMBEDDING_CACHE"] = "off"
    try:
        student = LoadedStudent(model_dir)
        assert student.encoder is not None
        student.encoder.load()
        student.predict(rows[:4], 0.9)  # warm-up: session and first-batch allocations
        started = time.perf_counter()
        student.predict(rows, 0.9)
        seconds = time.perf_counter() - started
        windows = student.encoder.windows_of([article_text(r, student.max_chars) for r in rows])
        student.close()
    finally:
        if previous is None:
            os.environ.pop("DISTILLERY_EMBEDDING_CACHE", None)
        else:
            os.environ["DISTILLERY_EMBEDDING_CACHE"] = previous
    return len(rows) / seconds, float(np.mean([len(w) for w in windows]))


def int8_cost(filter_package: dict[str, Any], train: list[dict[str, Any]], validation: list[dict[str, Any]], test: list[dict[str, Any]], encoder: str, work: Path) -> dict[str, Any]:
    """Test MAE of the probe on int8 vs float32 encoder vectors, same (smaller) split, same everything else."""
    sub = work / "int8-cost"
    sub.mkdir(exist_ok=True)
    data = {
        "train": write_jsonl(sub / "train.jsonl", train), "validation": write_jsonl(sub / "validation.jsonl", validation),
        "test": write_jsonl(sub / "test.jsonl", test),
    }
    figures: dict[str, Any] = {"train": len(train) + len(validation), "test": len(test)}
    for variant, flag in (("int8", "1"), ("fp32", "0")):
        os.environ["DISTILLERY_PROBE_INT8"] = flag
        job = {
            "command": "train", "job_id": f"bench-probe-{variant}", "filter": filter_package, "device": "cpu",
            "student": {"kind": "probe", "encoder": encoder, "hyperparameters": {"seed": 42}},
            "data": {"train": data["train"], "validation": data["validation"]},
        }
        trained, evaluation, _ = train_and_eval("probe", job, data, sub)
        predictions = read_predictions(sub / f"bench-probe-{variant}-eval" / evaluation["predictions"])
        result = metrics(filter_package, test, predictions)
        figures[variant] = {"backend": trained["backend"], "dimension_mae": result["dimension_mae"], "overall_mae": result["overall_mae"]}
        log(f"int8 cost: {variant} probe ({len(train) + len(validation)} train, {len(test)} test): dimension MAE {result['dimension_mae']:.4f}, overall MAE {result['overall_mae']:.4f}")
    os.environ.pop("DISTILLERY_PROBE_INT8", None)
    figures["dimension_mae"] = round(figures["int8"]["dimension_mae"] - figures["fp32"]["dimension_mae"], 4)
    figures["overall_mae"] = round(figures["int8"]["overall_mae"] - figures["fp32"]["overall_mae"], 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filter", required=True, help="the filter package as JSON")
    parser.add_argument("--labels", required=True, help="label NDJSON from `distillery import labels`")
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--students", default="constant,lexical-baseline,lexical,probe")
    parser.add_argument("--encoder", default="packaged:multilingual-e5-small")
    parser.add_argument("--speed-articles", type=int, default=100, help="test articles scored without the cache for throughput")
    parser.add_argument(
        "--fp32", default="600,200",
        help="TRAIN,TEST: the int8 MAE cost, from probes on int8 and on float32 vectors trained on the first TRAIN "
        "training articles and scored on the first TEST test articles ('0' skips it; float32 encoding is slow)",
    )
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    filter_package = json.loads(Path(args.filter).read_text(encoding="utf-8"))
    rows = read_rows(Path(args.labels), filter_package)
    order = np.random.default_rng(args.seed).permutation(len(rows))
    n_test = int(round(args.test_share * len(rows)))
    test = [dict(rows[i], split="test") for i in order[:n_test]]
    rest = [rows[i] for i in order[n_test:]]
    n_validation = len(rest) // 10
    train = [dict(r, split="train") for r in rest[n_validation:]]
    validation = [dict(r, split="validation") for r in rest[:n_validation]]
    data = {
        "train": write_jsonl(work / "train.jsonl", train),
        "validation": write_jsonl(work / "validation.jsonl", validation),
        "test": write_jsonl(work / "test.jsonl", test),
        "train80": write_jsonl(work / "train80.jsonl", train + validation),
    }
    languages = {lang: sum(r["language"] == lang for r in rows) for lang in sorted({r["language"] for r in rows})}
    log(f"{len(rows)} articles {languages}; split {len(train) + len(validation)} / {len(test)} (seed {args.seed})")
    students = [s.strip() for s in args.students.split(",") if s.strip()]
    out: dict[str, Any] = {
        "articles": len(rows), "languages": languages, "train": len(train) + len(validation), "test": len(test), "seed": args.seed,
        "max_article_chars": max_article_chars(filter_package), "students": {},
    }
    job_base = {
        "command": "train", "filter": filter_package, "device": "cpu",
        "data": {"train": data["train"], "validation": data["validation"]},
    }

    def record(name: str, predictions: list[dict[str, Any]], extra: dict[str, Any]) -> None:
        path = work / f"predictions-{name}.jsonl"
        write_jsonl(path, predictions)
        figures = figures_for(filter_package, test, predictions)
        out["students"][name] = {"predictions": str(path), **figures, **extra}
        log(
            f"{name}: dimension MAE {figures['dimension_mae']:.3f}, overall MAE {figures['overall_mae']:.3f}, "
            f"tier agreement {figures['tier_agreement']:.3f}, accuracy {figures['accuracy']:.3f}"
            + (f", coverage@0.9 {figures['coverage_at_0_9']:.3f}" if figures["coverage_at_0_9"] is not None else "")
        )

    if "constant" in students:
        record("constant", constant_predictions(train + validation, test, filter_package), {})
    if "lexical-baseline" in students:
        from distillery_gpu.probe.lexical import lexical_predictions

        started = time.perf_counter()
        dimensions = [d["key"] for d in filter_package["dimensions"]]
        baseline = lexical_predictions(train + validation, test, dimensions, filter_package, max_chars=max_article_chars(filter_package))
        record("lexical-baseline", [{"article_id": r["article_id"], **b} for r, b in zip(test, baseline, strict=True)], {"train_seconds": round(time.perf_counter() - started, 2)})
    if "lexical" in students:
        trained, evaluation, train_s = train_and_eval("lexical", {**job_base, "job_id": "bench-lexical", "student": {"kind": "lexical"}}, data, work)
        record("lexical", read_predictions(work / "bench-lexical-eval" / evaluation["predictions"]), {
            "train_seconds": round(train_s, 2), "articles_per_s": evaluation["articles_per_s"], "validation": trained["validation"],
        })
    if "probe" in students:
        job = {**job_base, "job_id": "bench-probe", "student": {"kind": "probe", "encoder": args.encoder, "hyperparameters": {"seed": 42}}}
        trained, evaluation, train_s = train_and_eval("probe", job, data, work)
        details = trained["details"]
        extra: dict[str, Any] = {
            "encoder": trained["base_model"], "backend": trained["backend"], "train_seconds": round(train_s, 2),
            "fit_seconds": details["fit_seconds"], "encode_seconds": details["encode_seconds"],
            "validation": trained["validation"], "lexical_fallback": details["lexical_fallback"],
        }
        if args.speed_articles > 0:
            rate, windows = cold_scoring_rate(trained["model_dir"], test[: args.speed_articles])
            extra.update({
                "articles_per_s": round(rate, 2), "mean_windows": round(windows, 3),
                # Training on 2,000 articles without the cache: encoding them at the measured rate, plus
                # this run's fit on all the training articles (more than 2,000: an upper bound).
                "train_seconds_cold_2000": round(2000 / rate + details["fit_seconds"], 1),
            })
            log(f"probe: {rate:.2f} articles/s scored without the cache ({windows:.2f} windows per article)")
        record("probe", read_predictions(work / "bench-probe-eval" / evaluation["predictions"]), extra)
        n_train, n_test = (int(x) for x in args.fp32.split(",")) if args.fp32 != "0" else (0, 0)
        if n_train and n_test:
            out["int8_cost"] = int8_cost(filter_package, train[:n_train], validation[: max(10, n_train // 9)], test[:n_test], args.encoder, work)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
