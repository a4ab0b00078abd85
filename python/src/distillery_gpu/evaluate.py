"""``eval``: the student's predictions for the held-out split, as ``predictions.jsonl`` in ``--out``, and the
lexical baseline's beside them.

One line per test article (``shared/schemas/prediction.json``): ``article_id``, per-dimension ``scores``,
the student's own ``categories`` and, for the generative student, ``reasons`` and ``parse_status``. When
the job names the train split (``data.train``), the lexical baseline (word + bigram TF-IDF with ridge, the
probe package's) is fitted on it and its predictions for the same test articles go to
``lexical-baseline.jsonl``. The encoder student has a scorer of its own (``load_scorer`` picks it by the
model's kind), used the same way. The metrics themselves are computed by the shared TypeScript metrics
module (the one implementation) from these files and the test split; ``result.json`` is
``python-result.json``'s eval branch.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import events
from .chunks import write_jsonl
from .data import read_dataset
from .dispatch import ENCODER_STUDENT_KIND, model_kind

PREDICTIONS_FILE = "predictions.jsonl"
LEXICAL_FILE = "lexical-baseline.jsonl"
#: Rows scored per progress line.
WINDOW = 256


def lexical_baseline(
    train_rows: list[dict[str, Any]],
    test_rows: list[dict[str, Any]],
    dimensions: list[str],
    filter_part: dict[str, Any] | None,
    max_chars: int | None = None,
) -> list[dict[str, Any]] | None:
    """The lexical baseline's predictions (``{scores, categories}`` per test row, in order) fitted on
    ``train_rows``, reading at most ``max_chars`` of each article as the oracle did; categories from
    ``filter_part["categories"]`` (the filter's shape). None when the probe package's dependencies
    (scikit-learn, scipy) are not installed."""
    try:
        from .probe.lexical import lexical_predictions
    except ImportError as error:
        events.log(f"no lexical baseline: {error}")
        return None
    return lexical_predictions(train_rows, test_rows, dimensions, filter_part, max_chars=max_chars)


def write_lexical_baseline(
    job: dict[str, Any],
    test_rows: list[dict[str, Any]],
    dimensions: list[str],
    filter_part: dict[str, Any] | None,
    max_chars: int | None,
    out_dir: Path,
) -> tuple[str | None, str | None]:
    """Every student's eval: fits the lexical baseline on the job's train split and writes its predictions
    for ``test_rows`` to ``LEXICAL_FILE``. Returns ``(file, None)``, or ``(None, why there is none)``."""
    if not job["data"].get("train"):
        return None, "the eval job named no train split to fit it on (data.train)"
    train_rows = read_dataset(job["data"]["train"], dimensions)
    baseline = lexical_baseline(train_rows, test_rows, dimensions, filter_part, max_chars)
    if baseline is None:
        return None, "scikit-learn is not installed in this Python environment"
    write_jsonl(
        out_dir / LEXICAL_FILE, [{"article_id": r["article_id"], **p} for r, p in zip(test_rows, baseline, strict=True)]
    )
    return LEXICAL_FILE, None


def load_scorer(model_dir: str, device: str, max_new_tokens: int = 512) -> Any:
    """The scorer of the torch student in ``model_dir``: the encoder student's, or the LoRA one's. Both take
    rows and give predictions (``predict``) and say what they are (``kind``, ``head``, ``dimensions``,
    ``categories``, ``card``, ``engine``, ``device``)."""
    if model_kind(model_dir) == ENCODER_STUDENT_KIND:
        from .encoder_student import EncoderScorer

        return EncoderScorer(model_dir, device)
    from .scorer import Scorer

    return Scorer(model_dir, device, max_new_tokens)


def evaluate(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The regression, generative or encoder student's eval (the probe package evaluates its own students)."""
    scorer = load_scorer(job["model_dir"], job["device"])
    rows = read_dataset(job["data"]["test"], scorer.dimensions)
    events.emit(
        {"event": "log", "message": f"evaluating the {scorer.head} student on {len(rows)} articles ({scorer.engine})"}
    )
    throughput = events.Throughput()
    predictions: list[dict[str, Any]] = []
    for start in range(0, len(rows), WINDOW):
        window = rows[start : start + WINDOW]
        batch, tokens = scorer.predict(window, job["batch_tokens"], id_field="article_id")
        predictions += batch
        throughput.add(len(window), tokens)
        per_s, tokens_per_s, eta = throughput.rates(len(predictions), len(rows) - len(predictions))
        events.progress(
            step=len(predictions), total=len(rows), examples_per_s=per_s, tokens_per_s=tokens_per_s, eta_s=eta
        )
    articles_per_s = round(len(predictions) / max(time.perf_counter() - throughput.start, 1e-9), 2)
    write_jsonl(out_dir / PREDICTIONS_FILE, predictions)
    missing = {
        "conformal": f"the {scorer.kind} student has no conformal calibration, so its predictions carry no interval"
    }
    categories = {
        "categories": [{"key": c["key"], "values": [{"key": v} for v in c["values"]]} for c in scorer.categories]
    }
    lexical_file, why_not = write_lexical_baseline(
        job, rows, scorer.dimensions, categories, scorer.card.get("max_article_chars"), out_dir
    )
    if why_not:
        missing["lexical_baseline"] = why_not
    parse = None
    if scorer.head == "generative":
        parse = {"ok": 0, "repaired": 0, "invalid": 0}
        for prediction in predictions:
            parse[prediction["parse_status"]] += 1
        if parse["invalid"]:
            events.emit(
                {"event": "log", "message": f"{parse['invalid']} of {len(predictions)} answers were not valid JSON"}
            )
    return {
        "command": "eval",
        "job_id": job["job_id"],
        "kind": scorer.kind,
        "n": len(predictions),
        "predictions": PREDICTIONS_FILE,
        "articles_per_s": articles_per_s,
        "conformal": None,
        "lexical_baseline": lexical_file,
        "parse": parse,
        "missing": missing,
    }
