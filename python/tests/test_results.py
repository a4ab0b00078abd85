"""Every ``result.json`` is checked against the schema exported from shared/ before it is written: a result
that breaks the contract fails the command with ``result.invalid`` naming the field, and no file is
written, so a caller never reads a result it cannot trust. Also: the two Python profiles' lock files agree.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from distillery_gpu import cli
from distillery_gpu.errors import DistilleryError
from distillery_gpu.jobfile import check_result


def _infer_result(**overrides: Any) -> dict[str, Any]:
    return {
        "command": "infer",
        "job_id": "i1",
        "kind": "lexical",
        "predictions": 10,
        "chunks": 1,
        "coverage": None,
        "articles_per_s": 1234.5,
        **overrides,
    }


def _run_with_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, result: dict[str, Any]
) -> tuple[int, list[dict[str, Any]]]:
    """Runs ``infer`` through the CLI with the command itself replaced by one returning ``result``."""
    monkeypatch.setattr(cli, "_run", lambda args: result)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"command": "infer", "job_id": "i1", "model_dir": "m", "input": "in.ndjson"}))
    code = cli.main(["infer", "--job", str(job), "--out", str(tmp_path / "out")])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_a_result_in_the_contract_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = _run_with_result(tmp_path, capsys, monkeypatch, _infer_result())
    assert code == 0 and lines == []
    assert json.loads((tmp_path / "out" / "result.json").read_text()) == _infer_result()


@pytest.mark.parametrize(
    ("result", "field"),
    [
        (_infer_result(kind="decision-tree"), "kind"),
        (_infer_result(coverage=1.5), "coverage"),
        ({k: v for k, v in _infer_result().items() if k != "chunks"}, "(root)"),
        (_infer_result(articles=10), "(root)"),  # a key the contract does not have
    ],
)
def test_a_result_outside_the_contract_is_refused_and_not_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    result: dict[str, Any],
    field: str,
) -> None:
    code, lines = _run_with_result(tmp_path, capsys, monkeypatch, result)
    assert code == 1
    assert lines[-1]["event"] == "error" and lines[-1]["code"] == "result.invalid"
    assert f"field '{field}'" in lines[-1]["message"]
    assert not (tmp_path / "out" / "result.json").exists()


def test_each_command_is_checked_against_its_own_branch() -> None:
    train = {
        "command": "train",
        "job_id": "t1",
        "kind": "regression",
        "base_model": "Qwen/Qwen2.5-0.5B",
        "backend": "transformers",
        "device": "cpu",
        "model_dir": "out",
        "artifact_bytes": 10,
        "training_curve": {"unit": "step", "points": [{"x": 1, "loss": 0.5, "val_loss": None}]},
        "validation": None,
        "calibration": None,
        "missing": {"validation": "why"},
        "details": {"steps": 1},
    }
    assert check_result(train, "train") is train
    with pytest.raises(DistilleryError) as refused:
        check_result({**train, "training_curve": {"unit": "step", "points": []}}, "train")
    assert refused.value.code == "result.invalid" and "'training_curve'" in refused.value.message
    # An infer result is not a train result, whatever it says it is.
    with pytest.raises(DistilleryError, match="result.json of train"):
        check_result(_infer_result(), "train")


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / "python" / name).read_text().splitlines()
    return dict(line.split("==", 1) for line in lines if line and not line.startswith("#"))


def test_the_cpu_lock_has_no_torch_and_agrees_with_the_full_lock() -> None:
    cpu, full = _pins("requirements-cpu.lock"), _pins("requirements.lock")
    assert not {"torch", "transformers", "peft", "accelerate", "sentence-transformers", "triton"} & set(cpu)
    assert not [name for name in cpu if name.startswith("nvidia-")]
    # The full profile is the cpu one plus torch and its stack, at the same versions.
    assert {name: version for name, version in cpu.items() if full.get(name) != version} == {}
    assert {"numpy", "scikit-learn", "onnxruntime", "jsonschema", "pytest"} <= set(cpu)


@pytest.mark.parametrize(("profile", "expected"), [("cpu", "cpu"), ("full", "full")])
def test_py_env_names_the_profile_it_uses(profile: str, expected: str) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "py-env.sh"), "profile"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DISTILLERY_PY_PROFILE": profile},
    )
    assert (done.returncode, done.stdout.strip()) == (0, expected)


def test_py_env_refuses_an_unknown_profile() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "py-env.sh"), "--profile", "gpu", "path"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "unknown profile 'gpu'" in done.stderr
