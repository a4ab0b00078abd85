"""The regression student: it learns, its adapter reloads with PeftModel.from_pretrained and reproduces
its predictions, and a rerun resumes from the last checkpoint instead of starting over."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from conftest import run_cli, train_job
from distillery_gpu.data import read_dataset
from distillery_gpu.jobfile import parse_job
from distillery_gpu.regression import forward_scores, pad_batch, to_scores
from distillery_gpu.scorer import Scorer
from distillery_gpu.train import train


def test_loss_falls_and_the_model_card_describes_it(trained_regression: dict[str, Any]) -> None:
    result = trained_regression["result"]
    losses = result["losses"]
    assert result["steps"] == result["total_steps"] == 24
    assert sum(losses[-3:]) < sum(losses[:3])
    validation = [e["validation_loss"] for e in result["metrics"]["epochs"]]
    assert validation[-1] < validation[0] and validation[-1] < 0.5 * losses[0]
    card = json.loads((trained_regression["dir"] / "distillery.json").read_text())
    assert card["filter"] == {"name": "tiny-tech", "version": 1}
    assert card["head"] == "regression" and card["dimensions"] == ["maturity", "evidence"]
    assert card["backend"] == result["backend"] == "transformers"
    assert len(card["data"]["train"]["sha256"]) == 64 and card["data"]["train"]["rows"] == 48
    assert [e["epoch"] for e in card["metrics"]["epochs"]] == [1, 2, 3, 4]
    # Better than always answering the training mean.
    rows = read_dataset(trained_regression["data"]["validation"], card["dimensions"])
    train_rows = read_dataset(trained_regression["data"]["train"], card["dimensions"])
    for dim, mae in card["metrics"]["validation_mae"].items():
        mean = sum(r["scores"][dim] for r in train_rows) / len(train_rows)
        constant = sum(abs(r["scores"][dim] - mean) for r in rows) / len(rows)
        assert mae < constant


def test_adapter_reloads_with_peft_and_reproduces_predictions(trained_regression: dict[str, Any]) -> None:
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model_dir: Path = trained_regression["dir"]
    card = json.loads((model_dir / "distillery.json").read_text())
    adapter = load_file(str(model_dir / "adapter_model.safetensors"))
    assert "base_model.model.score.weight" in adapter
    base = AutoModelForSequenceClassification.from_pretrained(card["base_model"], num_labels=2)
    model = PeftModel.from_pretrained(base, str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    rows = read_dataset(trained_regression["data"]["validation"], card["dimensions"])
    texts = [f"{r['title']}\n\n{r['body']}" for r in rows]
    ids = [tokenizer(t, truncation=True, max_length=96)["input_ids"] for t in texts]
    with torch.no_grad():
        input_ids, mask = pad_batch(ids, tokenizer.pad_token_id, torch.device("cpu"))
        inner = model.get_base_model()
        by_peft = to_scores(forward_scores(inner.model, inner.score, input_ids, mask), card["dimensions"])
    scorer = Scorer(model_dir, "cpu")
    by_scorer, _ = scorer.predict([{**r, "id": r["article_id"]} for r in rows], batch_tokens=256)
    for expected, got in zip(by_peft, by_scorer, strict=True):
        for dim in card["dimensions"]:
            assert got["scores"][dim] == pytest.approx(expected[dim], abs=1e-3)
    # The MAE measured in memory at the end of training is what the reloaded model scores.
    for dim in card["dimensions"]:
        mae = sum(abs(p["scores"][dim] - r["scores"][dim]) for p, r in zip(by_scorer, rows, strict=True)) / len(rows)
        assert mae == pytest.approx(card["metrics"]["validation_mae"][dim], abs=1e-3)


def test_rerun_resumes_from_the_last_checkpoint(trained_regression: dict[str, Any], tmp_path: Path) -> None:
    full = trained_regression["result"]
    out = tmp_path / "model"
    shutil.copytree(trained_regression["dir"] / "checkpoints", out / "checkpoints")
    # As if killed before the last checkpoint: only the one before it exists.
    newest, *_ = sorted((out / "checkpoints").glob("step-*"), reverse=True)
    shutil.rmtree(newest)
    kept = int(sorted((out / "checkpoints").glob("step-*"))[-1].name.split("-")[1])
    assert 0 < kept < full["steps"]
    resumed = train(trained_regression["job"], out)
    assert resumed["resumed_from_step"] == kept
    assert resumed["steps"] == full["steps"]
    assert resumed["losses"][:kept] == full["losses"][:kept]
    assert resumed["losses"][kept:] == pytest.approx(full["losses"][kept:], rel=1e-4)
    assert resumed["metrics"]["validation_loss"] == pytest.approx(full["metrics"]["validation_loss"], rel=1e-4)


def test_checkpoint_from_other_settings_is_refused(trained_regression: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model"
    shutil.copytree(trained_regression["dir"] / "checkpoints", out / "checkpoints")
    job = train_job(Path(trained_regression["job"]["student"]["base_model"]), trained_regression["data"], learning_rate=1e-3)
    code, lines = run_cli("train", job, out, capsys)
    assert code == 1 and lines[-1]["code"] == "checkpoint.mismatch"


def test_progress_lines_are_the_event_schema(trained_regression: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    from distillery_gpu.jobfile import load_schema

    job = train_job(Path(trained_regression["job"]["student"]["base_model"]), trained_regression["data"], epochs=0.5)
    code, lines = run_cli("train", job, tmp_path / "short", capsys)
    assert code == 0
    schema = load_schema("python-event.json")
    for line in lines:
        jsonschema.validate(line, schema)
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress[-1]["step"] == progress[-1]["total"] == 3
    assert json.loads((tmp_path / "short" / "result.json").read_text())["steps"] == 3
    assert parse_job(job)["student"]["hyperparameters"]["epochs"] == 0.5


def test_early_stopping_keeps_the_best_epoch(tiny_model_dir: Path, tmp_path: Path) -> None:
    from conftest import make_rows, write_jsonl

    train_rows = make_rows(48, "train", 1)
    # Validation that disagrees with training: the better the fit, the worse it scores.
    contrary = make_rows(12, "validation", 2)
    for row in contrary:
        row["scores"] = {k: 10 - v for k, v in row["scores"].items()}
    data = {"train": str(write_jsonl(tmp_path / "t.jsonl", train_rows)), "validation": str(write_jsonl(tmp_path / "v.jsonl", contrary))}
    job = parse_job(train_job(tiny_model_dir, data, epochs=6, learning_rate=1e-2) | {"early_stopping_patience": 1})
    result = train(job, tmp_path / "model")
    epochs = result["metrics"]["epochs"]
    assert result["stopped_early"] and result["steps"] < result["total_steps"]
    assert epochs[-1]["validation_loss"] > min(e["validation_loss"] for e in epochs)
    best = min(e["validation_loss"] for e in epochs)
    assert result["metrics"]["validation_loss"] == pytest.approx(best, rel=1e-4)
    # The saved adapter is the best epoch's: reloaded, it scores the validation split at that loss.
    rows = read_dataset(data["validation"], ["maturity", "evidence"])
    predictions, _ = Scorer(tmp_path / "model", "cpu").predict([{**r, "id": r["article_id"]} for r in rows], 512)
    mse = sum(((p["scores"][d] - r["scores"][d]) / 10) ** 2 for p, r in zip(predictions, rows, strict=True) for d in ("maturity", "evidence"))
    assert mse / (2 * len(rows)) == pytest.approx(best, rel=1e-2)
