"""The regression student: it learns, its adapter reloads with PeftModel.from_pretrained and reproduces
its predictions, and a rerun resumes from the last checkpoint instead of starting over."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from conftest import run_cli, train_job
from safetensors.torch import load_file

from distillery_gpu.data import read_dataset
from distillery_gpu.jobfile import check_result, parse_job
from distillery_gpu.regression import TargetScaling, encode_texts, forward_scores, pad_batch, to_scores
from distillery_gpu.scorer import Scorer
from distillery_gpu.train import train


def _losses(result: dict[str, Any]) -> list[float]:
    return [point["loss"] for point in result["training_curve"]["points"]]


def test_loss_falls_and_the_model_card_describes_it(trained_regression: dict[str, Any]) -> None:
    result = trained_regression["result"]
    losses = _losses(result)
    assert result["details"]["steps"] == result["details"]["total_steps"] == len(losses) == 24
    assert sum(losses[-3:]) < sum(losses[:3])
    validation = [e["validation_loss"] for e in result["details"]["epochs"]]
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
    # Articles end with the card's end marker, and the head's outputs are standardised scores.
    assert card["pooling"] == {"method": "end_marker", "token_id": tokenizer.eos_token_id}
    ids = encode_texts(tokenizer, texts, 96, card["pooling"]["token_id"])
    assert all(i[-1] == tokenizer.eos_token_id for i in ids)
    with torch.no_grad():
        input_ids, mask = pad_batch(ids, tokenizer.pad_token_id, torch.device("cpu"))
        inner = model.get_base_model()
        by_peft = to_scores(
            forward_scores(inner.model, inner.score, input_ids, mask), card["dimensions"], TargetScaling.from_card(card)
        )
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
    kept = int(max((out / "checkpoints").glob("step-*")).name.split("-")[1])
    assert 0 < kept < full["details"]["steps"]
    resumed = train(trained_regression["job"], out)
    assert resumed["details"]["resumed_from_step"] == kept
    assert resumed["details"]["steps"] == full["details"]["steps"]
    assert _losses(resumed)[:kept] == _losses(full)[:kept]
    assert _losses(resumed)[kept:] == pytest.approx(_losses(full)[kept:], rel=1e-4)
    assert resumed["details"]["validation_loss"] == pytest.approx(full["details"]["validation_loss"], rel=1e-4)


def test_checkpoint_from_other_settings_is_refused(
    trained_regression: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model"
    shutil.copytree(trained_regression["dir"] / "checkpoints", out / "checkpoints")
    job = train_job(
        Path(trained_regression["job"]["student"]["base_model"]), trained_regression["data"], learning_rate=1e-3
    )
    code, lines = run_cli("train", job, out, capsys)
    assert code == 1 and lines[-1]["code"] == "checkpoint.mismatch"


def test_progress_lines_are_the_event_schema(
    trained_regression: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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
    assert json.loads((tmp_path / "short" / "result.json").read_text())["details"]["steps"] == 3
    assert parse_job(job)["student"]["hyperparameters"]["epochs"] == 0.5


def test_early_stopping_keeps_the_best_epoch(tiny_model_dir: Path, tmp_path: Path) -> None:
    from conftest import make_rows, write_jsonl

    train_rows = make_rows(48, "train", 1)
    # Validation that disagrees with training: the better the fit, the worse it scores.
    contrary = make_rows(12, "validation", 2)
    for row in contrary:
        row["scores"] = {k: 10 - v for k, v in row["scores"].items()}
    data = {
        "train": str(write_jsonl(tmp_path / "t.jsonl", train_rows)),
        "validation": str(write_jsonl(tmp_path / "v.jsonl", contrary)),
    }
    job = parse_job(train_job(tiny_model_dir, data, epochs=6, learning_rate=1e-2) | {"early_stopping_patience": 1})
    result = train(job, tmp_path / "model")
    epochs = result["details"]["epochs"]
    assert result["details"]["stopped_early"] and result["details"]["steps"] < result["details"]["total_steps"]
    assert epochs[-1]["validation_loss"] > min(e["validation_loss"] for e in epochs)
    best = min(e["validation_loss"] for e in epochs)
    assert result["details"]["validation_loss"] == pytest.approx(best, rel=1e-4)
    assert "early stopping" in result["validation"]["method"]
    # The saved adapter is the best epoch's: reloaded, it scores the validation split at that loss.
    rows = read_dataset(data["validation"], ["maturity", "evidence"])
    predictions, _ = Scorer(tmp_path / "model", "cpu").predict([{**r, "id": r["article_id"]} for r in rows], 512)
    # The validation loss is the MSE of standardised scores (the scorer clamps to 0-10, which these
    # predictions stay inside).
    scaling = TargetScaling.from_card(json.loads((tmp_path / "model" / "distillery.json").read_text()))
    mse = sum(
        ((p["scores"][d] - r["scores"][d]) / scaling.std[k]) ** 2
        for p, r in zip(predictions, rows, strict=True)
        for k, d in enumerate(("maturity", "evidence"))
    )
    assert mse / (2 * len(rows)) == pytest.approx(best, rel=1e-2)


def test_result_is_the_contract_with_curve_and_held_out_validation(trained_regression: dict[str, Any]) -> None:
    result = trained_regression["result"]
    check_result(result, "train")
    assert (result["kind"], result["backend"], result["device"]) == ("regression", "transformers", "cpu")
    assert result["base_model"] == trained_regression["job"]["student"]["base_model"]
    # The upload is the adapter, tokenizer and card, never the checkpoints.
    uploaded = sum(
        p.stat().st_size for p in trained_regression["dir"].iterdir() if p.is_file() and p.name != "result.json"
    )
    assert result["artifact_bytes"] == uploaded
    # The validation loss sits on the curve at the last step of each epoch, and nowhere else.
    points = result["training_curve"]["points"]
    assert result["training_curve"]["unit"] == "step"
    assert [p["x"] for p in points if p["val_loss"] is not None] == [6, 12, 18, 24]
    assert [p["val_loss"] for p in points if p["val_loss"] is not None] == [
        e["validation_loss"] for e in result["details"]["epochs"]
    ]
    validation = result["validation"]
    card = json.loads((trained_regression["dir"] / "distillery.json").read_text())
    assert validation["n"] == 12 and validation["per_dimension"] == card["metrics"]["validation_mae"]
    assert validation["dimension_mae"] == pytest.approx(sum(validation["per_dimension"].values()) / 2, abs=1e-4)
    # The words decide the scores here: the lexical baseline on the same rows is a real number to beat.
    assert 0 <= validation["lexical_dimension_mae"] < 3
    assert validation["category_accuracy"] == {}  # this filter has no categorical field
    assert result["calibration"] is None and "calibration" in result["missing"]


def test_category_head_learns_the_oracle_category_and_eval_writes_it(
    tiny_model_dir: Path, dataset: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    from distillery_gpu.jobfile import load_schema

    job = train_job(tiny_model_dir, dataset, categories=True, epochs=8, learning_rate=1e-2)
    code, _ = run_cli("train", job, tmp_path / "model", capsys)
    assert code == 0
    result = json.loads((tmp_path / "model" / "result.json").read_text())
    card = json.loads((tmp_path / "model" / "distillery.json").read_text())
    # One head: two scores, then a logit per value of `stage`.
    assert card["categories"] == [{"key": "stage", "values": ["deployed", "early"]}] and card["num_labels"] == 4
    assert (
        load_file(str(tmp_path / "model" / "adapter_model.safetensors"))["base_model.model.score.weight"].shape[0] == 4
    )
    validation = read_dataset(dataset["validation"], ["maturity", "evidence"])
    majority = max(sum(r["categories"]["stage"] == v for r in validation) for v in ("deployed", "early")) / len(
        validation
    )
    assert result["validation"]["category_accuracy"]["stage"] > majority

    eval_job = {
        "command": "eval",
        "job_id": "e1",
        "model_dir": str(tmp_path / "model"),
        "data": {"test": dataset["test"], "train": dataset["train"]},
        "device": "cpu",
    }
    code, _ = run_cli("eval", eval_job, tmp_path / "eval", capsys)
    assert code == 0
    summary = json.loads((tmp_path / "eval" / "result.json").read_text())
    assert (summary["kind"], summary["n"], summary["conformal"], summary["parse"]) == ("regression", 12, None, None)
    assert "conformal" in summary["missing"] and "lexical_baseline" not in summary["missing"]
    schema = load_schema("prediction.json")
    test_rows = read_dataset(dataset["test"], ["maturity", "evidence"])
    predictions = [json.loads(line) for line in (tmp_path / "eval" / summary["predictions"]).read_text().splitlines()]
    lexical = [json.loads(line) for line in (tmp_path / "eval" / summary["lexical_baseline"]).read_text().splitlines()]
    for prediction in predictions + lexical:
        jsonschema.validate(prediction, schema)
    assert (
        [p["article_id"] for p in predictions]
        == [p["article_id"] for p in lexical]
        == [r["article_id"] for r in test_rows]
    )
    # The student's own category, from its head: most of the test articles get the oracle's.
    right = sum(
        p["categories"]["stage"] == r["categories"]["stage"] for p, r in zip(predictions, test_rows, strict=True)
    )
    test_majority = max(sum(r["categories"]["stage"] == v for r in test_rows) for v in ("deployed", "early")) / len(
        test_rows
    )
    assert right / len(test_rows) > test_majority


def test_eval_without_the_train_split_says_why_there_is_no_lexical_baseline(
    trained_regression: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = {
        "command": "eval",
        "job_id": "e2",
        "model_dir": str(trained_regression["dir"]),
        "data": {"test": trained_regression["data"]["test"]},
        "device": "cpu",
    }
    code, _ = run_cli("eval", job, tmp_path / "eval", capsys)
    assert code == 0
    summary = json.loads((tmp_path / "eval" / "result.json").read_text())
    assert summary["lexical_baseline"] is None and "data.train" in summary["missing"]["lexical_baseline"]
    predictions = [json.loads(line) for line in (tmp_path / "eval" / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == summary["n"] == 12 and all("categories" not in p for p in predictions)
