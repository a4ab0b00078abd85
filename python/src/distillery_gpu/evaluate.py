"""``eval``: the student's predictions for the held-out split, as ``predictions.jsonl`` in ``--out``.

One line per test article: ``article_id``, per-dimension ``scores`` and, for the generative student,
``reasons`` and ``parse_status``. The metrics themselves are computed by the shared TypeScript metrics
module (the one implementation) from this file and the test split; ``result.json`` carries counts,
throughput and how many generative answers were invalid.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import events
from .chunks import write_jsonl
from .scorer import Scorer

PREDICTIONS_FILE = "predictions.jsonl"
#: Rows scored per progress line.
WINDOW = 256


def evaluate(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    from .dispatch import probe_model

    if probe_model(job["model_dir"]):
        from .probe import evaluate_probe

        return evaluate_probe(job, out_dir)
    scorer = Scorer(job["model_dir"], job["device"])
    from .data import read_dataset

    rows = read_dataset(job["data"]["test"], scorer.dimensions)
    events.emit({"event": "log", "message": f"evaluating the {scorer.head} student on {len(rows)} articles ({scorer.engine})"})
    throughput = events.Throughput()
    predictions: list[dict[str, Any]] = []
    for start in range(0, len(rows), WINDOW):
        window = rows[start : start + WINDOW]
        batch, tokens = scorer.predict(window, job["batch_tokens"], id_field="article_id")
        predictions += batch
        throughput.add(len(window), tokens)
        per_s, tokens_per_s, eta = throughput.rates(len(predictions), len(rows) - len(predictions))
        events.progress(step=len(predictions), total=len(rows), examples_per_s=per_s, tokens_per_s=tokens_per_s, eta_s=eta)
    write_jsonl(out_dir / PREDICTIONS_FILE, predictions)
    result: dict[str, Any] = {
        "command": "eval",
        "job_id": job["job_id"],
        "head": scorer.head,
        "engine": scorer.engine,
        "n": len(predictions),
        "predictions": PREDICTIONS_FILE,
        "articles_per_s": round(len(predictions) / max(time.perf_counter() - throughput.start, 1e-9), 2),
    }
    if scorer.head == "generative":
        counts = {"ok": 0, "repaired": 0, "invalid": 0}
        for prediction in predictions:
            counts[prediction["parse_status"]] += 1
        result["parse"] = counts
        if counts["invalid"]:
            events.emit({"event": "log", "message": f"{counts['invalid']} of {len(predictions)} answers were not valid JSON"})
    return result
