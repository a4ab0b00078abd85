"""``doctor`` reports what this machine can do as one JSON object, torch or not: the student kinds it can
train and run are what a node advertises, so a CPU-only environment must say exactly what it can do."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, needs_torch
from distillery_gpu.cli import main
from distillery_gpu.jobfile import check_result

# Runs doctor as in the cpu profile: `import torch` fails and `find_spec("torch")` finds nothing (a None
# entry in sys.modules does both); then reports which torch modules were imported anyway.
WITHOUT_TORCH = """
import json, sys

sys.modules["torch"] = None
from distillery_gpu.cli import main
code = main(["doctor", "--out", sys.argv[1]])
imported = sorted(m for m, module in sys.modules.items() if m.split(".")[0] == "torch" and module is not None)
print(json.dumps({"code": code, "torch_modules": imported}))
"""


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


def test_doctor_without_torch_offers_the_cpu_students_only(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python" / "src")}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH, str(tmp_path / "doctor")], capture_output=True, text=True, env=env, timeout=300
    )
    *report_lines, summary_line = done.stdout.strip().splitlines()
    summary = json.loads(summary_line)
    assert summary == {"code": 0, "torch_modules": []}, done.stderr[-2000:]
    report = json.loads("".join(report_lines))
    check_result(report, "doctor")
    assert report["torch"] is None and report["cuda"]["available"] is False and report["train_backend"] is None
    assert report["cpu_threads"] >= 1
    assert "lexical" in report["student_kinds"]
    assert not {"regression", "generative"} & set(report["student_kinds"])
