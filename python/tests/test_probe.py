"""The probe student end to end on the packaged all-MiniLM-L6-v2 (no download): it learns, its isotonic
calibration never worsens validation MAE, its conformal intervals cover about as often as promised, and
eval/infer read the artifact back through the package's command line.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import write_jsonl

ENCODER = "packaged:all-MiniLM-L6-v2"
# Phrases by level (0-10 in steps of ~2.5): what an article says maps to its scores, with noise.
MATURITY = [
    ["a concept sketched on paper", "an idea still on the drawing board", "a theoretical proposal"],
    ["a laboratory prototype", "an early lab experiment", "a bench-scale test"],
    ["a pilot plant in its first trial", "a small field pilot", "a demonstration project"],
    ["a commercial plant now operating", "deployed by several utilities", "in commercial service"],
    ["deployed at national scale for years", "mass-produced and installed everywhere", "a mature industry with thousands of sites"],
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
        rows.append({
            "article_id": f"{split}-{index}", "split": split, "title": title, "body": body, "language": "en",
            "source": "fixture", "scores": {"maturity": maturity, "evidence": evidence},
            "overall": 0.6 * maturity + 0.4 * evidence, "tier": "low",
        })
    return rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from distillery_gpu.probe import train_probe

    folder = tmp_path_factory.mktemp("probe")
    patch = pytest.MonkeyPatch()
    patch.setenv("DISTILLERY_EMBEDDING_CACHE", str(folder / "embeddings.sqlite"))
    patch.delenv("DISTILLERY_PROBE_ENCODER", raising=False)
    data = {
        "train": str(write_jsonl(folder / "train.jsonl", probe_rows(160, "train", 1))),
        "validation": str(write_jsonl(folder / "validation.jsonl", probe_rows(150, "validation", 2))),
        "test": str(write_jsonl(folder / "test.jsonl", probe_rows(120, "test", 3))),
    }
    job = {
        "command": "train", "job_id": "probe-test", "filter": probe_filter(), "device": "cpu",
        "student": {"kind": "probe", "encoder": ENCODER, "hyperparameters": {"seed": 42}},
        "data": {"train": data["train"], "validation": data["validation"]},
    }
    result = train_probe(job, folder / "model")
    yield {"folder": folder, "data": data, "result": result}
    patch.undo()


def test_probe_beats_a_constant_predictor(trained: dict[str, Any]) -> None:
    from distillery_gpu.probe.student import LoadedProbe

    test_rows = [json.loads(line) for line in Path(trained["data"]["test"]).read_text().splitlines()]
    train_rows = [json.loads(line) for line in Path(trained["data"]["train"]).read_text().splitlines()]
    predictions = LoadedProbe(trained["folder"] / "model", "cpu").predict(test_rows, 0.9)
    for dimension in ("maturity", "evidence"):
        truth = np.array([r["scores"][dimension] for r in test_rows])
        median = np.median([r["scores"][dimension] for r in train_rows])
        probe_mae = np.mean(np.abs(np.array([p["scores"][dimension] for p in predictions]) - truth))
        constant_mae = np.mean(np.abs(median - truth))
        assert probe_mae < 0.7 * constant_mae, (dimension, probe_mae, constant_mae)


def test_isotonic_calibration_never_worsens_validation_mae(trained: dict[str, Any]) -> None:
    calibration = trained["result"]["metrics"]["calibration"]
    assert set(calibration) == {"maturity", "evidence"}
    for numbers in calibration.values():
        assert numbers["mae_after"] <= numbers["mae_before"]


def test_artifact_is_small_and_names_its_encoder(trained: dict[str, Any]) -> None:
    card = json.loads((trained["folder"] / "model" / "distillery.json").read_text())
    assert card["head"] == "probe" and card["encoder"] == ENCODER
    assert card["filter"] == {"name": "probe-test", "version": 1}
    assert trained["result"]["artifact_bytes"] < 5_000_000


def test_conformal_coverage_is_near_nominal_on_held_back_data(trained: dict[str, Any]) -> None:
    from distillery_gpu.probe.postfilter import postfilter
    from distillery_gpu.probe.student import LoadedProbe

    rows = probe_rows(400, "held", 9)
    predictions = LoadedProbe(trained["folder"] / "model", "cpu").predict(rows, 0.9)
    inside = 0
    for row, prediction in zip(rows, predictions, strict=True):
        oracle = postfilter(probe_filter(), row["scores"])["overall"]
        low, high = prediction["overall_interval"]
        inside += low <= oracle <= high
    # 150 calibration articles: the coverage given them has a standard deviation of ~2.4 points.
    assert 0.84 <= inside / len(rows) <= 0.97, inside / len(rows)


def test_a_second_training_run_encodes_nothing_new(trained: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from distillery_gpu.probe import train_probe

    job = {
        "command": "train", "job_id": "probe-again", "filter": probe_filter(), "device": "cpu",
        "student": {"kind": "probe", "encoder": ENCODER, "hyperparameters": {"seed": 42}},
        "data": {"train": trained["data"]["train"], "validation": trained["data"]["validation"]},
    }
    capsys.readouterr()
    train_probe(job, tmp_path / "again")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert not [line for line in lines if line["event"] == "progress"], "every embedding should come from the cache"
    assert any("160 of 160 embeddings came from the cache" in line.get("message", "") for line in lines)


def test_eval_and_infer_through_the_command_line(trained: dict[str, Any], tmp_path: Path) -> None:
    from distillery_gpu.cli import main

    model_dir = str(trained["folder"] / "model")
    eval_job = tmp_path / "eval.json"
    eval_job.write_text(json.dumps({
        "command": "eval", "job_id": "probe-eval", "model_dir": model_dir, "device": "cpu",
        "data": {"test": trained["data"]["test"], "train": trained["data"]["train"]},
    }))
    assert main(["eval", "--job", str(eval_job), "--out", str(tmp_path / "eval")]) == 0
    result = json.loads((tmp_path / "eval" / "result.json").read_text())
    predictions = (tmp_path / "eval" / result["predictions"]).read_text().splitlines()
    lexical = (tmp_path / "eval" / result["baselines"]["lexical"]).read_text().splitlines()
    assert len(predictions) == len(lexical) == 120

    rows = [{"id": f"a{i}", "title": r["title"], "body": r["body"], "language": "en", "source": "x"} for i, r in enumerate(probe_rows(25, "x", 5))]
    (tmp_path / "input.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    infer_job = tmp_path / "infer.json"
    infer_job.write_text(json.dumps({
        "command": "infer", "job_id": "probe-infer", "model_dir": model_dir, "device": "cpu",
        "input": str(tmp_path / "input.jsonl"), "chunk_size": 10, "coverage": 0.8,
    }))
    assert main(["infer", "--job", str(infer_job), "--out", str(tmp_path / "infer")]) == 0
    chunks = sorted((tmp_path / "infer" / "chunks").glob("*.jsonl"))
    scored = [json.loads(line) for c in chunks for line in c.read_text().splitlines()]
    assert [len(c.read_text().splitlines()) for c in chunks] == [10, 10, 5]
    assert [p["article_id"] for p in scored] == [f"a{i}" for i in range(25)]
    assert all(p["overall_interval"][0] <= p["overall_interval"][1] for p in scored)
