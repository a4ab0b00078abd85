"""The generative student: it learns to write the filter's JSON on a memorisable fixture, eval reads its
answers back, and answers that are not valid JSON are counted and reported, never dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_rows, run_cli, train_job, write_jsonl
from distillery_gpu.generative import parse_completion

DIMENSIONS = ["maturity", "evidence"]
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"]


def _memorisable(tmp_path: Path) -> dict[str, str]:
    rows = [r for r in make_rows(40, "train", 1) if r["title"].split()[0] in ("solar", "fusion")][:4]
    for row in rows:
        row["body"] = ""
    path = write_jsonl(tmp_path / "memo.jsonl", rows)
    return {"train": str(path), "validation": str(path), "test": str(path)}


def _train(tiny_model_dir: Path, data: dict[str, str], out: Path, capsys: Any, epochs: int) -> dict[str, Any]:
    job = train_job(
        tiny_model_dir, data, "generative", max_length=256, epochs=epochs, learning_rate=1e-2, batch_size=4,
        lora={"r": 16, "alpha": 32, "dropout": 0.0, "target_modules": ALL_LINEAR},
    )
    code, _ = run_cli("train", job, out, capsys)
    assert code == 0
    return json.loads((out / "result.json").read_text())


def _eval(model: Path, data: dict[str, str], out: Path, capsys: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    job = {"command": "eval", "job_id": "e1", "model_dir": str(model), "data": {"test": data["test"]}, "device": "cpu"}
    code, _ = run_cli("eval", job, out, capsys)
    assert code == 0
    lines = (out / "predictions.jsonl").read_text().splitlines()
    return json.loads((out / "result.json").read_text()), [json.loads(line) for line in lines]


def test_learns_to_write_valid_json(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _memorisable(tmp_path)
    result = _train(tiny_model_dir, data, tmp_path / "model", capsys, epochs=40)
    assert result["losses"][-1] < 0.1 * result["losses"][0]
    card = json.loads((tmp_path / "model" / "distillery.json").read_text())
    assert card["head"] == "generative" and "Answer with JSON" in card["system_prompt"]
    summary, predictions = _eval(tmp_path / "model", data, tmp_path / "eval", capsys)
    truth = {json.loads(line)["article_id"]: json.loads(line) for line in Path(data["test"]).read_text().splitlines()}
    assert summary["parse"] == {"ok": 4, "repaired": 0, "invalid": 0}
    for prediction in predictions:
        # Each dimension gets a score and a reason it was taught, in the filter's shape.
        for d in DIMENSIONS:
            assert prediction["scores"][d] in {float(r["scores"][d]) for r in truth.values()}
            assert prediction["reasons"][d] in {r["reasons"][d] for r in truth.values()}


def test_invalid_answers_are_counted_not_dropped(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _memorisable(tmp_path)
    _train(tiny_model_dir, data, tmp_path / "model", capsys, epochs=1)
    rows = [json.loads(line) for line in Path(data["test"]).read_text().splitlines()]
    source = write_jsonl(tmp_path / "corpus.ndjson", [{k: r[k] for k in ("title", "body", "language", "source")} | {"id": r["article_id"]} for r in rows])
    job = {"command": "infer", "job_id": "i1", "model_dir": str(tmp_path / "model"), "input": str(source), "max_new_tokens": 16, "chunk_size": 3, "device": "cpu"}
    code, lines = run_cli("infer", job, tmp_path / "infer", capsys)
    assert code == 0
    summary = json.loads((tmp_path / "infer" / "result.json").read_text())
    assert summary["parse"] == {"ok": 0, "repaired": 0, "invalid": 4}
    predictions = [json.loads(line) for path in sorted((tmp_path / "infer" / "chunks").glob("chunk-*.jsonl")) for line in path.read_text().splitlines()]
    assert [p["article_id"] for p in predictions] == [r["article_id"] for r in rows]
    assert all(p["parse_status"] == "invalid" and p["scores"] == {} for p in predictions)


@pytest.mark.parametrize(
    ("text", "status", "scores"),
    [
        ('{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2.5,"reason":"b"}}', "ok", {"maturity": 7.0, "evidence": 2.5}),
        ('```json\n{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2,"reason":"b"}}\n```', "repaired", {"maturity": 7.0, "evidence": 2.0}),
        ('Sure! {"maturity":{"score":11,"reason":"a"},"evidence":{"score":2,"reason":"b"}} done', "repaired", {"maturity": 10.0, "evidence": 2.0}),
        ('{"maturity":{"score":7,"reason":"a"}}', "invalid", {}),
        ('{"maturity":{"score":"high","reason":"a"},"evidence":{"score":2,"reason":"b"}}', "invalid", {}),
        ('{"maturity":{"score":7,"reason":"a"},"evidence":{"sco', "invalid", {}),
        ("no json here", "invalid", {}),
    ],
)
def test_parse_completion(text: str, status: str, scores: dict[str, float]) -> None:
    parsed = parse_completion(text, DIMENSIONS)
    assert parsed["parse_status"] == status
    assert parsed["scores"] == scores
