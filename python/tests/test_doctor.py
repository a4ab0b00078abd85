"""``doctor`` reports what this machine can do as one JSON object: the student kinds it can train and run
are what a node advertises (without torch: test_torch_free.py)."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

from conftest import needs_torch
from distillery_gpu.cli import main


@needs_torch
def test_doctor_prints_capabilities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    assert main(["doctor", "--out", str(tmp_path / "doctor")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["python"] == platform.python_version()
    assert report["torch"] == torch.__version__
    assert report["cuda"]["available"] == torch.cuda.is_available()
    assert report["backends"]["peft"]["ok"] is True
    assert set(report["backends"]) >= {"unsloth", "peft", "bitsandbytes", "vllm", "sentence_transformers"}
    assert report["disk"]["free_gb"] > 0
    # The full profile runs every student kind.
    assert sorted(report["student_kinds"]) == ["generative", "lexical", "probe", "regression"]
    assert json.loads((tmp_path / "doctor" / "result.json").read_text()) == report

