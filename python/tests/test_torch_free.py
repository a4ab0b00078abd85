"""The cpu profile: without torch installed, ``doctor`` offers exactly the CPU students, the lexical
student trains, evaluates and scores through the command line (each result checked against the schema
by the CLI), and a LoRA student is refused with a message saying which profile has it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import make_filter, make_rows, run_without_torch, write_jsonl


def _write_job(path: Path, job: dict[str, Any]) -> str:
    path.write_text(json.dumps(job))
    return str(path)


def _events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_doctor_without_torch_offers_the_cpu_students_only(tmp_path: Path) -> None:
    done = run_without_torch(["doctor", "--out", str(tmp_path / "doctor")], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "doctor" / "result.json").read_text())
    assert report == _events(done.stdout)[-1]
    assert report["torch"] is None and report["cuda"]["available"] is False and report["train_backend"] is None
    assert report["backends"]["peft"]["ok"] is False and report["cpu_threads"] >= 1
    assert "lexical" in report["student_kinds"]
    assert not {"regression", "generative"} & set(report["student_kinds"])


def test_lexical_student_trains_evaluates_and_scores_without_torch(tmp_path: Path) -> None:
    data = {
        split: str(write_jsonl(tmp_path / f"{split}.jsonl", make_rows(count, split, seed)))
        for split, count, seed in (("train", 60, 1), ("validation", 20, 2), ("test", 20, 3))
    }
    train = {
        "command": "train",
        "job_id": "lex",
        "filter": make_filter(categories=True),
        "student": {"kind": "lexical"},
        "data": {"train": data["train"], "validation": data["validation"]},
        "device": "cpu",
    }
    model = tmp_path / "model"
    done = run_without_torch(
        ["train", "--job", _write_job(tmp_path / "train.json", train), "--out", str(model)], tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    trained = json.loads((model / "result.json").read_text())
    assert trained["kind"] == "lexical"

    evaluation = {
        "command": "eval",
        "job_id": "lex-e",
        "model_dir": trained["model_dir"],
        "data": {"test": data["test"], "train": data["train"]},
    }
    done = run_without_torch(
        ["eval", "--job", _write_job(tmp_path / "eval.json", evaluation), "--out", str(tmp_path / "eval")], tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    evaluated = json.loads((tmp_path / "eval" / "result.json").read_text())
    assert (evaluated["kind"], evaluated["n"]) == ("lexical", 20)
    predictions = [json.loads(line) for line in (tmp_path / "eval" / evaluated["predictions"]).read_text().splitlines()]
    assert all(p["categories"]["stage"] in ("deployed", "early") for p in predictions)

    corpus = write_jsonl(
        tmp_path / "corpus.ndjson",
        [
            {"id": r["article_id"], "title": r["title"], "body": r["body"], "language": "en", "source": "t"}
            for r in make_rows(25, "c", 4)
        ],
    )
    scoring = {
        "command": "infer",
        "job_id": "lex-i",
        "model_dir": trained["model_dir"],
        "input": str(corpus),
        "chunk_size": 10,
    }
    done = run_without_torch(
        ["infer", "--job", _write_job(tmp_path / "infer.json", scoring), "--out", str(tmp_path / "infer")], tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    scored = json.loads((tmp_path / "infer" / "result.json").read_text())
    assert (scored["kind"], scored["predictions"], scored["chunks"]) == ("lexical", 25, 3)


def test_a_lora_student_is_refused_naming_the_full_profile(tmp_path: Path) -> None:
    job = {
        "command": "train",
        "job_id": "reg",
        "filter": make_filter(),
        "student": {"kind": "regression"},
        "data": {"train": "t.jsonl", "validation": "v.jsonl"},
    }
    done = run_without_torch(
        ["train", "--job", _write_job(tmp_path / "job.json", job), "--out", str(tmp_path / "out")], tmp_path
    )
    assert done.returncode == 1
    error = _events(done.stdout)[-1]
    assert (
        error["code"] == "student.unavailable"
        and "torch" in error["message"]
        and "DISTILLERY_PY_PROFILE=full" in error["message"]
    )
    assert not (tmp_path / "out" / "result.json").exists()
