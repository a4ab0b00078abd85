"""``infer``: score a whole corpus in fast batches, writing numbered chunk files as it goes.

The input NDJSON is streamed one window (``chunk_size`` rows) at a time, so memory stays flat over any
number of articles; inside a window rows are sorted by length and batched by a token budget. Each
window becomes one chunk file, written atomically, followed by a ``chunk`` event the agent uploads.
A rerun with the same ``--out`` skips chunks already written (the input is still read past them).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from . import events
from .chunks import chunk_path, count_lines, write_jsonl
from .data import windows
from .scorer import Scorer


def infer(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    from .dispatch import probe_model

    if probe_model(job["model_dir"]):
        from .probe import infer_probe

        return infer_probe(job, out_dir)
    scorer: Scorer | None = None
    throughput = events.Throughput()
    written = skipped = articles = 0
    parse_counts = {"ok": 0, "repaired": 0, "invalid": 0}
    index = -1
    for index, window in enumerate(windows(job["input"], job["chunk_size"])):
        path = chunk_path(out_dir, index)
        relative = str(path.relative_to(out_dir))
        if path.is_file():
            skipped += 1
            articles += len(window)
            events.chunk(index, relative, count_lines(path))
            continue
        if scorer is None:
            # Loaded only once there is work: a finished job reruns in seconds.
            scorer = Scorer(job["model_dir"], job["device"], job["max_new_tokens"])
            events.emit({"event": "log", "message": f"scoring with the {scorer.head} student on {scorer.device} ({scorer.engine})"})
        predictions, tokens = scorer.predict(window, job["batch_tokens"])
        for prediction in predictions:
            if "parse_status" in prediction:
                parse_counts[prediction["parse_status"]] += 1
        write_jsonl(path, predictions)
        written += 1
        articles += len(window)
        throughput.add(len(window), tokens)
        per_s, tokens_per_s, _ = throughput.rates(written, None)
        events.chunk(index, relative, len(predictions))
        events.progress(
            step=index + 1, total=None, examples_per_s=per_s, tokens_per_s=tokens_per_s,
            gpu_mem_gb=torch.cuda.max_memory_allocated() / 1e9 if torch.cuda.is_available() else None,
        )
    elapsed = time.perf_counter() - throughput.start
    result: dict[str, Any] = {
        "command": "infer",
        "job_id": job["job_id"],
        "chunks": index + 1,
        "chunks_written": written,
        "chunks_skipped": skipped,
        "articles": articles,
        "articles_scored": throughput.examples,
        "articles_per_s": round(throughput.examples / elapsed, 2) if throughput.examples else None,
        "tokens_per_s": round(throughput.tokens / elapsed, 1) if throughput.tokens else None,
        "chunk_files": "chunks/chunk-NNNNNN.jsonl",
    }
    if scorer is not None:
        result["head"], result["engine"] = scorer.head, scorer.engine
        if scorer.head == "generative":
            result["parse"] = parse_counts
    return result
