"""Job files are checked against the JSON Schema exported from shared/: a bad one exits with status 2 and
one error line naming the field; a good one gets the schema's defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, make_filter

from distillery_gpu.cli import main
from distillery_gpu.jobfile import parse_job


def _train_doc(**overrides):
    doc = {
        "command": "train",
        "job_id": "j1",
        "filter": make_filter(),
        "student": {"kind": "regression"},
        "data": {"train": "train.jsonl", "validation": "validation.jsonl"},
    }
    doc.update(overrides)
    return doc


def _run_main(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, doc: object) -> tuple[int, list[dict]]:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(doc))
    code = main([command, "--job", str(job), "--out", str(tmp_path / "out")])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, lines


def test_defaults_come_from_the_schema() -> None:
    job = parse_job(_train_doc())
    hyper = job["student"]["hyperparameters"]
    assert job["student"]["base_model"] == "Qwen/Qwen2.5-7B-Instruct"
    assert (hyper["batch_size"], hyper["gradient_accumulation"], hyper["learning_rate"], hyper["epochs"]) == (
        4,
        4,
        2e-4,
        3,
    )
    assert (hyper["max_length"], hyper["warmup_ratio"], hyper["weight_decay"]) == (2048, 0.1, 0.01)
    # Dropout is left to the backend (0 on Unsloth, 0.05 on peft), so an explicit 0.05 stays distinguishable.
    assert hyper["lora"] == {"r": 16, "alpha": 32, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}
    assert job["checkpoint_every_steps"] == 200 and job["device"] == "auto"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (
            _train_doc(student={"kind": "regression", "hyperparameters": {"learning_rate": -1}}),
            "student.hyperparameters.learning_rate",
        ),
        (_train_doc(data={"train": "t.jsonl"}), "data"),
        (
            _train_doc(
                filter={
                    **make_filter(),
                    "dimensions": [{"key": "Bad Key", "label": "x", "weight": 1, "description": "d"}],
                }
            ),
            "filter.dimensions[0].key",
        ),
        (_train_doc(surprise=True), "(root)"),
        ({"command": "dance", "job_id": "x"}, "command"),
    ],
)
def test_bad_job_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: dict, field: str
) -> None:
    code, lines = _run_main(tmp_path, capsys, doc.get("command") if doc.get("command") in ("train",) else "train", doc)
    assert code == 2
    assert len(lines) == 1 and lines[0]["event"] == "error" and lines[0]["code"] == "job.invalid"
    assert f"'{field}'" in lines[0]["message"]


def test_job_for_another_command_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _run_main(tmp_path, capsys, "eval", _train_doc())
    assert code == 2 and "'command'" in lines[0]["message"]


def test_not_json_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = tmp_path / "job.json"
    job.write_text("{ not json")
    assert main(["train", "--job", str(job), "--out", str(tmp_path)]) == 2
    assert json.loads(capsys.readouterr().out)["code"] == "job.invalid"


def test_the_real_process_exits_2_with_one_json_line(tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(_train_doc(device="tpu")))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python" / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "distillery_gpu", "train", "--job", str(job), "--out", str(tmp_path / "o")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    error = json.loads(lines[0])
    assert error["event"] == "error" and "'device'" in error["message"]
