"""``bench`` runs the real trainer and scorer on a CPU with the tiny architecture and reports throughput
rows; MFU uses the published Qwen2.5 shapes. bench/student/gpu.py (the GPU plan) runs in its smoke mode."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import needs_torch, run_cli

from distillery_gpu.archs import arch


@needs_torch
def test_tiny_bench_runs_the_real_trainer_and_scorer_on_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = {
        "command": "bench",
        "job_id": "b1",
        "architectures": ["tiny"],
        "seq_lengths": [32],
        "steps": 2,
        "device": "cpu",
    }
    code, lines = run_cli("bench", job, tmp_path / "bench", capsys)
    assert code == 0
    result = json.loads((tmp_path / "bench" / "result.json").read_text())
    rows = {r["mode"]: r for r in result["results"]}
    assert sorted((r["mode"], r["seq_len"]) for r in result["results"]) == [("score", 32), ("train", 32)]
    # Every synthetic article is longer than 32 tokens: each reads exactly 32 (31 + the end marker).
    assert all(
        r["articles_per_s"] > 0 and r["tokens_per_s"] == pytest.approx(r["articles_per_s"] * 32, rel=1e-2)
        for r in rows.values()
    )
    assert all(r["mfu"] is None for r in rows.values())  # no known peak for a CPU
    assert rows["train"]["padding_share"] == 0 and rows["train"]["gradient_checkpointing"] is False
    # The training loop's own lines, nanoGPT-style, then one progress line per bench row.
    assert any(line["event"] == "log" and "ms/step" in line["message"] and "MFU" in line["message"] for line in lines)
    assert [line["step"] for line in lines if line["event"] == "progress" and line["loss"] is None] == [1, 2]
    assert not list((tmp_path / "bench").glob("distillery-bench-*"))  # the random models are cleaned up


@needs_torch
def test_gpu_bench_script_runs_in_its_cpu_smoke_mode(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "student" / "gpu.py"
    spec = importlib.util.spec_from_file_location("student_gpu_bench", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    summary = script.run(smoke=True)
    rows = [(r["architecture"], r["mode"], r["seq_len"]) for r in summary["results"]]
    assert rows[:3] == [("tiny", "train", 64), ("tiny", "score", 32), ("tiny", "score", 64)]
    if importlib.util.find_spec("distillery_gpu.encoder_student") is not None:
        assert [r[1] for r in rows[3:]] == ["train", "score"]
    assert all(r["articles_per_h"] > 0 for r in summary["results"])
    assert summary["smoke"] and summary["device"] == "cpu"


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
