"""``infer`` scores a corpus into numbered chunk files; killed mid-run and run again, it skips the chunks
already written and neither duplicates nor skips an article."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT, needs_torch, write_jsonl

from distillery_gpu.batching import padding_ratio, token_budget_batches

CHUNK = 10
ARTICLES = 300


def _corpus(path: Path) -> list[dict[str, Any]]:
    words = ["solar", "wind", "battery", "plant", "report", "city"]
    rows = [
        {
            "id": f"a{i:04d}",
            "title": f"{words[i % 6]} news {i}",
            "body": " ".join(words[(i * j) % 6] for j in range(i % 50)),
            "language": "en",
            "source": "t",
        }
        for i in range(ARTICLES)
    ]
    write_jsonl(path, rows)
    return rows


def _start(job_path: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python" / "src"), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "distillery_gpu", "infer", "--job", str(job_path), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


@needs_torch
def test_infer_resumes_after_a_kill(trained_regression: dict[str, Any], tmp_path: Path) -> None:
    rows = _corpus(tmp_path / "corpus.ndjson")
    out = tmp_path / "scores"
    job = {
        "command": "infer",
        "job_id": "i1",
        "model_dir": str(trained_regression["dir"]),
        "input": str(tmp_path / "corpus.ndjson"),
        "chunk_size": CHUNK,
        "batch_tokens": 64,
        "device": "cpu",
    }
    job_path = tmp_path / "job.json"
    job_path.write_text(json.dumps(job))

    first = _start(job_path, out)
    seen = []
    assert first.stdout is not None
    for line in first.stdout:
        event = json.loads(line)
        if event["event"] == "chunk":
            seen.append(event["index"])
            if len(seen) == 3:
                first.send_signal(signal.SIGKILL)
                break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    written = sorted(p.name for p in (out / "chunks").glob("chunk-*.jsonl"))
    total_chunks = ARTICLES // CHUNK
    assert 3 <= len(written) < total_chunks, "the first run was to be cut short"
    first_writes = {name: (out / "chunks" / name).stat().st_mtime_ns for name in written}

    second = _start(job_path, out)
    stdout, _ = second.communicate(timeout=300)
    assert second.returncode == 0
    chunk_events = [json.loads(line) for line in stdout.splitlines() if '"chunk"' in line]
    assert [e["index"] for e in chunk_events] == list(range(total_chunks))
    result = json.loads((out / "result.json").read_text())
    assert (result["kind"], result["chunks"], result["predictions"], result["coverage"]) == (
        "regression",
        total_chunks,
        ARTICLES,
        None,
    )
    assert result["articles_per_s"] > 0
    # The chunks of the first run were kept as they were, not scored again.
    assert {name: (out / "chunks" / name).stat().st_mtime_ns for name in written} == first_writes

    predictions = []
    for index in range(total_chunks):
        path = out / "chunks" / f"chunk-{index:06d}.jsonl"
        chunk = [json.loads(line) for line in path.read_text().splitlines()]
        assert [p["article_id"] for p in chunk] == [r["id"] for r in rows[index * CHUNK : (index + 1) * CHUNK]]
        predictions += chunk
    assert len(predictions) == ARTICLES
    assert all(
        set(p["scores"]) == {"maturity", "evidence"} and all(0 <= v <= 10 for v in p["scores"].values())
        for p in predictions
    )
    assert not list((out / "chunks").glob(".*.tmp"))


def test_token_budget_batches_cover_every_row_once_within_budget() -> None:
    lengths = [((i * 37) % 500) + 1 for i in range(1000)]
    batches = list(token_budget_batches(lengths, batch_tokens=4096))
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    assert all(max(lengths[i] for i in b) * len(b) <= 4096 for b in batches)
    # Sorting by length keeps padding small compared with batching in input order.
    unsorted = [list(range(i, min(i + 8, 1000))) for i in range(0, 1000, 8)]
    assert padding_ratio(lengths, batches) < 0.05 < padding_ratio(lengths, unsorted)
