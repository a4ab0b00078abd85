"""``doctor`` reports what this machine can do as one JSON object."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest
import torch

from distillery_gpu.cli import main


def test_doctor_prints_capabilities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--out", str(tmp_path / "doctor")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["python"] == platform.python_version()
    assert report["torch"] == torch.__version__
    assert report["cuda"]["available"] == torch.cuda.is_available()
    assert report["backends"]["peft"]["ok"] is True
    assert set(report["backends"]) >= {"unsloth", "peft", "bitsandbytes", "vllm"}
    assert report["disk"]["free_gb"] > 0
    assert json.loads((tmp_path / "doctor" / "result.json").read_text())["torch"] == torch.__version__
