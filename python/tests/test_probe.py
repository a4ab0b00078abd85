"""The probe student end to end on the packaged multilingual e5 (ONNX Runtime, int8, no download, no
torch): it learns, out-of-fold it is never worse than the lexical model, its results and predictions are in
the contract, eval/infer read the artifact back through the package's command line, a second training run
encodes nothing, and the whole path imports no torch.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, write_jsonl

from distillery_gpu.jobfile import check_result, load_schema

ENCODER = "packaged:multilingual-e5-small"
# Phrases by level (0-10 in steps of ~2.5): what an article says maps to its scores, with noise.
MATURITY = [
    ["a concept sketched on paper", "an idea still on the drawing board", "a theoretical proposal"],
    ["a laboratory prototype", "an early lab experiment", "a bench-scale test"],
    ["a pilot plant in its first trial", "a small field pilot", "a demonstration project"],
    ["a commercial plant now operating", "deployed by several utilities", "in commercial service"],
    [
        "deployed at national scale for years",
        "mass-produced and installed everywhere",
        "a mature industry with thousands of sites",
    ],
]
EVIDENCE = [
    ["with no data at all", "based on vague promises", "as the company claims without figures"],
    ["citing a press release", "according to a spokesperson", "with marketing estimates"],
    ["with some reported numbers", "with figures from one quarter", "with early measurements"],
    ["with audited output data", "with independently measured results", "with a peer-reviewed study"],
]
PLACES = ["Lisbon", "Utrecht", "Madrid", "Porto", "Ghent", "Seville", "Lyon", "Graz"]


def probe_filter() -> dict[str, Any]:
    return {
        "name": "probe-test",
        "version": 1,
        "description": "Two dimensions for the probe tests.",
        "languages": ["en"],
        "dimensions": [
            {"key": "maturity", "label": "Maturity", "weight": 0.6, "description": "How deployed it is."},
            {"key": "evidence", "label": "Evidence", "weight": 0.4, "description": "How well measured."},
        ],
        "gatekeepers": [{"dimension": "evidence", "min": 2, "cap_overall_at": 3, "reason": "no data"}],
        "tiers": [
            {"key": "high", "label": "High", "min_overall": 6.5, "description": "Deployed and measured."},
            {"key": "medium", "label": "Medium", "min_overall": 3.5, "description": "Some way along."},
            {"key": "low", "label": "Low", "min_overall": 0, "description": "Not yet."},
        ],
        "categories": [
            {
                "key": "stage",
                "label": "Stage",
                "description": "How far along it is.",
                "values": [
                    {"key": "early", "description": "Not in use.", "cap_overall_at": 3},
                    {"key": "deployed", "description": "In use."},
                ],
            }
        ],
        "prompt": "Score deployed technology.",
    }


def probe_rows(count: int, split: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        m_level, e_level = rng.randrange(len(MATURITY)), rng.randrange(len(EVIDENCE))
        maturity = min(10.0, max(0.0, round(m_level * 2.5 + rng.gauss(0, 0.8))))
        evidence = min(10.0, max(0.0, round(e_level * 3.2 + rng.gauss(0, 0.8))))
        place = rng.choice(PLACES)
        title = f"Heat storage in {place}"
        body = f"The project in {place} is {rng.choice(MATURITY[m_level])}, {rng.choice(EVIDENCE[e_level])}."
        rows.append(
            {
                "article_id": f"{split}-{index}",
                "split": split,
                "title": title,
                "body": body,
                "language": "en",
                "source": "fixture",
                "scores": {"maturity": maturity, "evidence": evidence},
                "categories": {"stage": "early" if m_level <= 1 else "deployed"},
                "overall": 0.6 * maturity + 0.4 * evidence,
                "tier": "low",
            }
        )
    return rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from distillery_gpu.probe import train_probe

    folder = tmp_path_factory.mktemp("probe")
    patch = pytest.MonkeyPatch()
    patch.setenv("DISTILLERY_EMBEDDING_CACHE", str(folder / "embeddings.sqlite"))
    patch.delenv("DISTILLERY_PROBE_ENCODER", raising=False)
    data = {
        "train": str(write_jsonl(folder / "train.jsonl", probe_rows(120, "train", 1))),
        "validation": str(write_jsonl(folder / "validation.jsonl", probe_rows(60, "validation", 2))),
        "test": str(write_jsonl(folder / "test.jsonl", probe_rows(60, "test", 3))),
    }
    job = {
        "command": "train",
        "job_id": "probe-test",
        "filter": probe_filter(),
        "device": "cpu",
        "student": {"kind": "probe", "encoder": ENCODER, "hyperparameters": {"seed": 42}},
        "data": {"train": data["train"], "validation": data["validation"]},
    }
    result = train_probe(job, folder / "model")
    yield {"folder": folder, "data": data, "result": result}
    patch.undo()


def test_the_train_result_is_in_the_contract(trained: dict[str, Any]) -> None:
    result = check_result(trained["result"], "train")
    assert result["kind"] == "probe" and result["base_model"] == ENCODER and result["backend"] == "onnxruntime-int8"
    assert result["validation"]["n"] == 180 and set(result["validation"]["category_accuracy"]) == {"stage"}
    assert result["training_curve"]["unit"] == "train_articles"
    card = json.loads((trained["folder"] / "model" / "distillery.json").read_text())
    assert (
        card["kind"] == "probe"
        and card["encoder"]["name"] == ENCODER
        and card["filter"] == {"name": "probe-test", "version": 1}
    )
    assert result["artifact_bytes"] < 5_000_000


def test_out_of_fold_the_probe_is_never_worse_than_the_lexical_model(trained: dict[str, Any]) -> None:
    details, validation = trained["result"]["details"], trained["result"]["validation"]
    for dimension, mae in validation["per_dimension"].items():
        assert mae <= details["lexical_per_dimension"][dimension]
    assert validation["dimension_mae"] <= validation["lexical_dimension_mae"]


def test_probe_beats_a_constant_predictor(trained: dict[str, Any]) -> None:
    from distillery_gpu.probe.student import LoadedStudent

    test_rows = [json.loads(line) for line in Path(trained["data"]["test"]).read_text().splitlines()]
    train_rows = [json.loads(line) for line in Path(trained["data"]["train"]).read_text().splitlines()]
    predictions = LoadedStudent(trained["folder"] / "model", "cpu").predict(test_rows, 0.9)
    for dimension in ("maturity", "evidence"):
        truth = np.array([r["scores"][dimension] for r in test_rows])
        median = np.median([r["scores"][dimension] for r in train_rows])
        probe_mae = np.mean(np.abs(np.array([p["scores"][dimension] for p in predictions]) - truth))
        constant_mae = np.mean(np.abs(median - truth))
        assert probe_mae < 0.7 * constant_mae, (dimension, probe_mae, constant_mae)
    accuracy = np.mean(
        [p["categories"]["stage"] == r["categories"]["stage"] for p, r in zip(predictions, test_rows, strict=True)]
    )
    assert accuracy >= 0.85


def test_a_second_training_run_encodes_nothing_new(
    trained: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from distillery_gpu.probe import train_probe

    job = {
        "command": "train",
        "job_id": "probe-again",
        "filter": probe_filter(),
        "device": "cpu",
        "student": {"kind": "probe", "encoder": ENCODER, "hyperparameters": {"seed": 42}},
        "data": {"train": trained["data"]["train"], "validation": trained["data"]["validation"]},
    }
    capsys.readouterr()
    train_probe(job, tmp_path / "again")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert not [line for line in lines if line["event"] == "progress"], "every embedding should come from the cache"
    assert any("180 of 180 embeddings came from the cache" in line.get("message", "") for line in lines)


def test_eval_and_infer_through_the_command_line(trained: dict[str, Any], tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    from distillery_gpu.cli import main

    prediction = Draft202012Validator(load_schema("prediction.json"))
    model_dir = str(trained["folder"] / "model")
    eval_job = tmp_path / "eval.json"
    eval_job.write_text(
        json.dumps(
            {
                "command": "eval",
                "job_id": "probe-eval",
                "model_dir": model_dir,
                "device": "cpu",
                "data": {"test": trained["data"]["test"], "train": trained["data"]["train"]},
            }
        )
    )
    assert main(["eval", "--job", str(eval_job), "--out", str(tmp_path / "eval")]) == 0
    result = check_result(json.loads((tmp_path / "eval" / "result.json").read_text()), "eval")
    assert result["kind"] == "probe" and result["conformal"]["method"] == "normalized"
    predictions = [json.loads(x) for x in (tmp_path / "eval" / result["predictions"]).read_text().splitlines()]
    lexical = [json.loads(x) for x in (tmp_path / "eval" / result["lexical_baseline"]).read_text().splitlines()]
    assert len(predictions) == len(lexical) == 60
    for line in predictions + lexical:
        assert not list(prediction.iter_errors(line)), line
        assert set(line["categories"]) == {"stage"}

    rows = [
        {"id": f"a{i}", "title": r["title"], "body": r["body"], "language": "en", "source": "x"}
        for i, r in enumerate(probe_rows(25, "x", 5))
    ]
    write_jsonl(tmp_path / "input.jsonl", rows)
    infer_job = tmp_path / "infer.json"
    infer_job.write_text(
        json.dumps(
            {
                "command": "infer",
                "job_id": "probe-infer",
                "model_dir": model_dir,
                "device": "cpu",
                "input": str(tmp_path / "input.jsonl"),
                "chunk_size": 10,
                "coverage": 0.8,
            }
        )
    )
    assert main(["infer", "--job", str(infer_job), "--out", str(tmp_path / "infer")]) == 0
    result = check_result(json.loads((tmp_path / "infer" / "result.json").read_text()), "infer")
    assert result["kind"] == "probe" and result["predictions"] == 25 and result["chunks"] == 3
    chunks = sorted((tmp_path / "infer" / "chunks").glob("*.jsonl"))
    scored = [json.loads(line) for c in chunks for line in c.read_text().splitlines()]
    assert [len(c.read_text().splitlines()) for c in chunks] == [10, 10, 5]
    assert [p["article_id"] for p in scored] == [f"a{i}" for i in range(25)]
    for line in scored:
        assert not list(prediction.iter_errors(line))
        assert line["overall_interval"][0] <= line["overall_interval"][1] and line["overall_scale"] > 0


TORCH_FREE = """
import json, sys
from pathlib import Path
from distillery_gpu.probe import evaluate_probe, infer_probe, train_lexical, train_probe
folder = Path(sys.argv[1])
job = json.loads((folder / "job.json").read_text())
for kind, train in (("probe", train_probe), ("lexical", train_lexical)):
    model = train(dict(job, student=dict(job["student"], kind=kind)), folder / kind)
    eval_job = {"command": "eval", "job_id": "e", "model_dir": model["model_dir"], "data": job["eval"]}
    evaluate_probe(eval_job, folder / f"{kind}-eval")
    infer_job = {"command": "infer", "job_id": "i", "model_dir": model["model_dir"], "input": job["input"]}
    infer_job["chunk_size"] = 5
    infer_probe(infer_job, folder / f"{kind}-infer")
print(json.dumps({"torch": "torch" in sys.modules, "sentence_transformers": "sentence_transformers" in sys.modules}))
"""


def test_probe_and_lexical_import_no_torch(tmp_path: Path) -> None:
    """Trained, evaluated and scored with the packaged ONNX encoder in a fresh interpreter that could
    import torch (the full profile): nothing on the way does."""
    rows = probe_rows(40, "train", 7)
    write_jsonl(tmp_path / "train.jsonl", rows[:30])
    write_jsonl(tmp_path / "validation.jsonl", rows[30:])
    inputs = [
        {"id": r["article_id"], "title": r["title"], "body": r["body"], "language": "en", "source": "x"}
        for r in rows[:8]
    ]
    write_jsonl(tmp_path / "input.jsonl", inputs)
    (tmp_path / "job.json").write_text(
        json.dumps(
            {
                "command": "train",
                "job_id": "torch-free",
                "filter": probe_filter(),
                "device": "cpu",
                "student": {"kind": "probe", "encoder": ENCODER},
                "data": {"train": str(tmp_path / "train.jsonl"), "validation": str(tmp_path / "validation.jsonl")},
                "eval": {"test": str(tmp_path / "validation.jsonl"), "train": str(tmp_path / "train.jsonl")},
                "input": str(tmp_path / "input.jsonl"),
            }
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "python" / "src"),
        "DISTILLERY_EMBEDDING_CACHE": str(tmp_path / "cache.sqlite"),
    }
    env.pop("DISTILLERY_PROBE_ENCODER", None)
    done = subprocess.run(
        [sys.executable, "-c", TORCH_FREE, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"torch": False, "sentence_transformers": False}
