"""``infer``: score a whole corpus in fast batches, writing numbered chunk files as it goes.

The input NDJSON is streamed one window (``chunk_size`` rows) at a time, so memory stays flat over any
number of articles; inside a window rows are sorted by length and batched by a token budget. Each
window becomes one chunk file, written atomically, followed by a ``chunk`` event the agent uploads.
A rerun with the same ``--out`` skips chunks already written (the input is still read past them).
``result.json`` is ``python-result.json``'s infer branch: the student's kind, the number of predictions
and chunks (written now or before), and the scoring rate of this run. These students carry no conformal
calibration, so ``coverage`` is null and predictions have no interval.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from . import events
from .chunks import chunk_path, count_lines, write_jsonl
from .data import windows
from .dispatch import model_kind
from .evaluate import load_scorer


def infer(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The regression, generative or encoder student's scoring (the probe package scores with its own students)."""
    scorer: Any = None
    throughput = events.Throughput()
    written = skipped = articles = 0
    parse_counts = {"ok": 0, "repaired": 0, "invalid": 0}
    index = -1
    for index, window in enumerate(windows(job["input"], job["chunk_size"])):
        path = chunk_path(out_dir, index)
        relative = str(path.relative_to(out_dir))
        if path.is_file():
            skipped += 1
            count = count_lines(path)
            articles += count
            events.chunk(index, relative, count)
            continue
        if scorer is None:
            # Loaded only once there is work: a finished job reruns in seconds.
            scorer = load_scorer(job["model_dir"], job["device"], job["max_new_tokens"])
            events.emit(
                {
                    "event": "log",
                    "message": f"scoring with the {scorer.head} student on {scorer.device} ({scorer.engine})",
                }
            )
        predictions, tokens = scorer.predict(window, job["batch_tokens"])
        for prediction in predictions:
            if "parse_status" in prediction:
                parse_counts[prediction["parse_status"]] += 1
        write_jsonl(path, predictions)
        written += 1
        articles += len(predictions)
        throughput.add(len(window), tokens)
        per_s, tokens_per_s, _ = throughput.rates(written, None)
        events.chunk(index, relative, len(predictions))
        events.progress(
            step=index + 1,
            total=None,
            examples_per_s=per_s,
            tokens_per_s=tokens_per_s,
            gpu_mem_gb=torch.cuda.max_memory_allocated() / 1e9 if torch.cuda.is_available() else None,
        )
    elapsed = time.perf_counter() - throughput.start
    events.emit({"event": "log", "message": f"{index + 1} chunks: {written} written, {skipped} already there"})
    if scorer is not None and scorer.head == "generative":
        counts = ", ".join(f"{n} {status}" for status, n in parse_counts.items())
        events.emit({"event": "log", "message": f"generative answers: {counts}"})
    return {
        "command": "infer",
        "job_id": job["job_id"],
        "kind": scorer.kind if scorer is not None else model_kind(job["model_dir"]),
        "predictions": articles,
        "chunks": index + 1,
        "coverage": None,
        "articles_per_s": round(throughput.examples / elapsed, 2) if throughput.examples else 0.0,
    }
