"""``bench`` runs on a CPU with the tiny architecture and reports throughput rows; MFU uses the
published Qwen2.5 shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import needs_torch, run_cli
from distillery_gpu.archs import arch


@needs_torch
def test_tiny_bench_runs_on_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = {"command": "bench", "job_id": "b1", "architectures": ["tiny"], "seq_lengths": [32], "steps": 2, "device": "cpu"}
    code, lines = run_cli("bench", job, tmp_path / "bench", capsys)
    assert code == 0
    result = json.loads((tmp_path / "bench" / "result.json").read_text())
    assert [(r["mode"], r["seq_len"]) for r in result["results"]] == [("score", 32), ("train", 32)]
    assert all(r["articles_per_s"] > 0 and r["tokens_per_s"] == pytest.approx(r["articles_per_s"] * 32, rel=1e-2) for r in result["results"])
    assert all(r["mfu"] is None for r in result["results"])  # no known peak for a CPU
    assert [line["step"] for line in lines if line["event"] == "progress"] == [1, 2]


def test_qwen_shapes_match_their_published_sizes() -> None:
    # Non-embedding parameter counts published with Qwen2.5: 0.36B, 1.31B, 6.53B.
    assert arch("Qwen/Qwen2.5-0.5B").matmul_params() / 1e9 == pytest.approx(0.36, abs=0.01)
    assert arch("Qwen/Qwen2.5-1.5B").matmul_params() / 1e9 == pytest.approx(1.31, abs=0.01)
    assert arch("Qwen/Qwen2.5-7B-Instruct").matmul_params() / 1e9 == pytest.approx(6.53, abs=0.01)


@needs_torch
def test_unknown_architecture_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = {"command": "bench", "job_id": "b1", "architectures": ["gpt-9"], "device": "cpu"}
    code, lines = run_cli("bench", job, tmp_path / "bench", capsys)
    assert code == 1 and lines[-1]["code"] == "bench.unknown_arch" and "'architectures'" in lines[-1]["message"]
