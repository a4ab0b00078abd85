"""The encoder student, on a tiny BERT built here: it learns the scores and the category, its folder reloads
for ``eval`` and ``infer`` through the CLI (the same path as every student) with the same predictions, and
every result is in the contract (``check_result``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from conftest import build_tokenizer, make_rows, run_cli, train_job, write_jsonl

from distillery_gpu.dispatch import model_kind
from distillery_gpu.encoder_student import (
    DEFAULT_ENCODER,
    encoder_name,
    score_encoder,
    text_prefix,
)
from distillery_gpu.jobfile import check_result

DIMENSIONS = ["maturity", "evidence"]


@pytest.fixture(scope="module")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2-layer BERT (hidden size 32) with the test tokenizer: a local encoder folder."""
    from transformers import AutoModel, BertConfig

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
    )
    AutoModel.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def trained(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("encoder")
    data = {
        "train": str(write_jsonl(folder / "train.jsonl", make_rows(48, "train", 1))),
        "validation": str(write_jsonl(folder / "validation.jsonl", make_rows(16, "validation", 2))),
        "test": str(write_jsonl(folder / "test.jsonl", make_rows(16, "test", 3))),
    }
    # A random 2-layer encoder learns from scratch: rates far above a pretrained encoder's.
    job = train_job(
        tiny_encoder_dir,
        data,
        "encoder",
        categories=True,
        epochs=6,
        learning_rate=1e-1,
        max_length=512,
        batch_size=16,
        warmup_ratio=0.1,
    ) | {"early_stopping_patience": 2}
    code, _ = run_cli("train", job, folder / "model")
    assert code == 0
    result = json.loads((folder / "model" / "result.json").read_text())
    return {"dir": folder / "model", "data": data, "result": result, "folder": folder}


def test_it_learns_the_scores_and_the_category(trained: dict[str, Any]) -> None:
    result = trained["result"]
    assert check_result(result, "train") == result
    assert result["kind"] == "encoder" and result["backend"] == "transformers" and result["device"] == "cpu"
    losses = [p["loss"] for p in result["training_curve"]["points"]]
    # At most 6 epochs of 3 steps; early stopping keeps the epoch with the best validation loss.
    assert result["details"]["steps"] == len(losses) <= 18
    assert sum(losses[-3:]) < 0.7 * sum(losses[:3])
    best = min(e["validation_loss"] for e in result["details"]["epochs"])
    assert result["details"]["validation_loss"] == best
    # Better than always answering the train mean (what the zero-initialised heads start at).
    rows = make_rows(48, "train", 1)
    validation = make_rows(16, "validation", 2)
    for dim, mae in result["validation"]["per_dimension"].items():
        mean = sum(r["scores"][dim] for r in rows) / len(rows)
        assert mae < sum(abs(r["scores"][dim] - mean) for r in validation) / len(validation)
    assert result["validation"]["category_accuracy"]["stage"] >= 0.9
    # The position embeddings (64) cap the 512 tokens asked for.
    assert result["details"]["max_length"] == 64
    card = json.loads((trained["dir"] / "distillery.json").read_text())
    assert card["kind"] == card["head"] == "encoder" and model_kind(trained["dir"]) == "encoder"
    assert card["categories"] == [{"key": "stage", "values": ["deployed", "early"]}]


def test_eval_and_infer_reload_it_and_agree(trained: dict[str, Any]) -> None:
    folder, data = trained["folder"], trained["data"]
    eval_job = {
        "command": "eval",
        "job_id": "e1",
        "model_dir": str(trained["dir"]),
        "data": {"test": data["test"], "train": data["train"]},
        "device": "cpu",
    }
    assert run_cli("eval", eval_job, folder / "eval")[0] == 0
    evaluated = json.loads((folder / "eval" / "result.json").read_text())
    assert (
        evaluated["kind"] == "encoder"
        and evaluated["n"] == 16
        and evaluated["lexical_baseline"] == "lexical-baseline.jsonl"
    )
    predictions = [json.loads(line) for line in (folder / "eval" / "predictions.jsonl").read_text().splitlines()]
    test_rows = make_rows(16, "test", 3)
    assert [p["article_id"] for p in predictions] == [r["article_id"] for r in test_rows]
    assert all(
        set(p["scores"]) == set(DIMENSIONS) and p["categories"]["stage"] in ("deployed", "early") for p in predictions
    )
    right = sum(
        p["categories"]["stage"] == r["categories"]["stage"] for p, r in zip(predictions, test_rows, strict=True)
    )
    assert right >= 12

    corpus = [{"id": r["article_id"], **{k: r[k] for k in ("title", "body", "language", "source")}} for r in test_rows]
    write_jsonl(folder / "corpus.ndjson", corpus)
    infer_job = {
        "command": "infer",
        "job_id": "i1",
        "model_dir": str(trained["dir"]),
        "input": str(folder / "corpus.ndjson"),
        "chunk_size": 10,
        "device": "cpu",
    }
    assert run_cli("infer", infer_job, folder / "infer")[0] == 0
    inferred = json.loads((folder / "infer" / "result.json").read_text())
    assert (inferred["kind"], inferred["predictions"], inferred["chunks"]) == ("encoder", 16, 2)
    scored = [
        json.loads(line)
        for path in sorted((folder / "infer").rglob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    # Batches of other sizes and orders score the same: padding does not leak into the mean pooling.
    direct, _ = score_encoder(trained["dir"], corpus, device="cpu", batch_tokens=64)
    for by_infer, by_eval, one in zip(scored, predictions, direct, strict=True):
        assert by_infer["categories"] == by_eval["categories"] == one["categories"]
        for dim in DIMENSIONS:
            assert by_infer["scores"][dim] == pytest.approx(by_eval["scores"][dim], abs=1e-3)
            assert one["scores"][dim] == pytest.approx(by_eval["scores"][dim], abs=1e-3)


def test_the_decoder_default_means_the_default_encoder() -> None:
    assert encoder_name({"base_model": "Qwen/Qwen2.5-7B-Instruct"}) == DEFAULT_ENCODER
    assert encoder_name({"base_model": "FacebookAI/xlm-roberta-large"}) == "FacebookAI/xlm-roberta-large"
    assert text_prefix(DEFAULT_ENCODER) == "query: " and text_prefix("FacebookAI/xlm-roberta-large") == ""
