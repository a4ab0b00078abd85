"""The generative student: it learns to write the filter's JSON on a memorisable fixture, eval reads its
answers back, and answers that are not valid JSON are counted and reported, never dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import STAGE, make_filter, make_rows, needs_torch, run_cli, train_job, write_jsonl

from distillery_gpu.generative import completion_json, parse_completion, system_prompt

DIMENSIONS = ["maturity", "evidence"]
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"]


def _memorisable(tmp_path: Path) -> dict[str, str]:
    rows = [r for r in make_rows(40, "train", 1) if r["title"].split()[0] in ("solar", "fusion")][:4]
    for row in rows:
        row["body"] = ""
    path = write_jsonl(tmp_path / "memo.jsonl", rows)
    return {"train": str(path), "validation": str(path), "test": str(path)}


def _train(
    tiny_model_dir: Path, data: dict[str, str], out: Path, capsys: Any, epochs: int, categories: bool = False
) -> dict[str, Any]:
    job = train_job(
        tiny_model_dir,
        data,
        "generative",
        categories=categories,
        max_length=256,
        epochs=epochs,
        learning_rate=1e-2,
        batch_size=4,
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


@needs_torch
def test_learns_to_write_valid_json(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _memorisable(tmp_path)
    result = _train(tiny_model_dir, data, tmp_path / "model", capsys, epochs=40, categories=True)
    losses = [point["loss"] for point in result["training_curve"]["points"]]
    assert losses[-1] < 0.1 * losses[0]
    assert result["kind"] == "generative" and result["validation"] is None and "validation" in result["missing"]
    card = json.loads((tmp_path / "model" / "distillery.json").read_text())
    assert (
        card["head"] == "generative"
        and "Answer with JSON" in card["system_prompt"]
        and "One of: deployed, early" in card["system_prompt"]
    )
    summary, predictions = _eval(tmp_path / "model", data, tmp_path / "eval", capsys)
    truth = {json.loads(line)["article_id"]: json.loads(line) for line in Path(data["test"]).read_text().splitlines()}
    assert summary["parse"] == {"ok": 4, "repaired": 0, "invalid": 0}
    for prediction in predictions:
        # Each dimension gets a score and a reason it was taught, and the categorical field a value, in the
        # filter's shape.
        for d in DIMENSIONS:
            assert prediction["scores"][d] in {float(r["scores"][d]) for r in truth.values()}
            assert prediction["reasons"][d] in {r["reasons"][d] for r in truth.values()}
        assert prediction["categories"]["stage"] in {"deployed", "early"}


@needs_torch
def test_invalid_answers_are_counted_not_dropped(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _memorisable(tmp_path)
    _train(tiny_model_dir, data, tmp_path / "model", capsys, epochs=1)
    rows = [json.loads(line) for line in Path(data["test"]).read_text().splitlines()]
    source = write_jsonl(
        tmp_path / "corpus.ndjson",
        [{k: r[k] for k in ("title", "body", "language", "source")} | {"id": r["article_id"]} for r in rows],
    )
    job = {
        "command": "infer",
        "job_id": "i1",
        "model_dir": str(tmp_path / "model"),
        "input": str(source),
        "max_new_tokens": 16,
        "chunk_size": 3,
        "device": "cpu",
    }
    code, lines = run_cli("infer", job, tmp_path / "infer", capsys)
    assert code == 0
    summary = json.loads((tmp_path / "infer" / "result.json").read_text())
    assert (summary["kind"], summary["predictions"], summary["chunks"]) == ("generative", 4, 2)
    assert any(line.get("message") == "generative answers: 0 ok, 0 repaired, 4 invalid" for line in lines)
    predictions = [
        json.loads(line)
        for path in sorted((tmp_path / "infer" / "chunks").glob("chunk-*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert [p["article_id"] for p in predictions] == [r["article_id"] for r in rows]
    assert all(p["parse_status"] == "invalid" and p["scores"] == {} for p in predictions)


@pytest.mark.parametrize(
    ("text", "status", "scores"),
    [
        (
            '{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2.5,"reason":"b"}}',
            "ok",
            {"maturity": 7.0, "evidence": 2.5},
        ),
        (
            '```json\n{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2,"reason":"b"}}\n```',
            "repaired",
            {"maturity": 7.0, "evidence": 2.0},
        ),
        (
            'Sure! {"maturity":{"score":11,"reason":"a"},"evidence":{"score":2,"reason":"b"}} done',
            "repaired",
            {"maturity": 10.0, "evidence": 2.0},
        ),
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


CATEGORIES = [{"key": "stage", "values": ["deployed", "early"]}]


def test_the_answer_carries_the_categorical_fields() -> None:
    row = make_rows(1, "train", 1)[0]
    answer = json.loads(completion_json(row, DIMENSIONS, CATEGORIES))
    assert answer["stage"] == row["categories"]["stage"] and list(answer) == [*DIMENSIONS, "stage"]
    prompt = system_prompt(make_filter(categories=True))
    assert f"- stage: {STAGE['label']}. {STAGE['description']} One of: deployed, early" in prompt
    assert prompt.endswith('"stage":"deployed"}')
    assert "categorical" not in system_prompt(make_filter())


@pytest.mark.parametrize(
    ("text", "status", "categories"),
    [
        (
            '{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2,"reason":"b"},"stage":"early"}',
            "ok",
            {"stage": "early"},
        ),
        # A missing or unknown value is left out (never guessed) and the answer counts as repaired.
        ('{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2,"reason":"b"}}', "repaired", {}),
        ('{"maturity":{"score":7,"reason":"a"},"evidence":{"score":2,"reason":"b"},"stage":"someday"}', "repaired", {}),
    ],
)
def test_parse_completion_reads_the_categories(text: str, status: str, categories: dict[str, str]) -> None:
    parsed = parse_completion(text, DIMENSIONS, CATEGORIES)
    assert (parsed["parse_status"], parsed["categories"]) == (status, categories)
    assert parsed["scores"] == {"maturity": 7.0, "evidence": 2.0}
