"""``doctor`` reports what this machine can do as one JSON object: the student kinds it can train and run
are what a node advertises (without torch: test_torch_free.py). The LoRA students need CUDA: a machine
where it does not initialise leaves them out and says why."""

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
    # The full profile runs every student kind, the LoRA ones only with a GPU.
    lora = ["generative", "regression"]
    expected = ["encoder", "lexical", "probe"] + (lora if torch.cuda.is_available() else [])
    assert sorted(report["student_kinds"]) == sorted(expected)
    assert sorted(report["unavailable_student_kinds"]) == ([] if torch.cuda.is_available() else lora)
    assert json.loads((tmp_path / "doctor" / "result.json").read_text()) == report


@needs_torch
def test_without_cuda_the_lora_students_are_left_out_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from distillery_gpu import doctor

    backends = {name: {"ok": True} for name in doctor.OPTIONAL_BACKENDS}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(
        torch.cuda, "init", lambda: (_ for _ in ()).throw(RuntimeError("Found no NVIDIA driver on your system"))
    )
    kinds, unavailable = doctor.student_kinds(backends, torch)
    assert "encoder" in kinds and not {"regression", "generative"} & set(kinds)
    assert "Found no NVIDIA driver" in unavailable["regression"] and "CUDA" in unavailable["generative"]

    monkeypatch.setattr(doctor, "cuda_problem", lambda: None)
    kinds, unavailable = doctor.student_kinds(backends, torch)
    assert {"encoder", "regression", "generative"} <= set(kinds) and unavailable == {}
    # Without peft: the encoder student still runs, the LoRA ones do not.
    kinds, unavailable = doctor.student_kinds({**backends, "peft": {"ok": False}}, torch)
    assert "encoder" in kinds and "peft does not import" in unavailable["regression"]
