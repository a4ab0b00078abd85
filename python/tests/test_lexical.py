"""The ``lexical`` student: TF-IDF identical to scikit-learn's, trained, evaluated and scored through the
command line with results in the contract, categories predicted and used by its own postfilter, and a
pickle-free artifact."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import make_filter, make_rows, run_cli, write_jsonl

from distillery_gpu.jobfile import check_result, load_schema


def test_tfidf_matches_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from distillery_gpu.probe.tfidf import TermCounts, Tfidf, weigh

    rows = make_rows(80, "train", 1)
    train = [f"{r['title']}. {r['body']} Ünïcode wörds, naïve café!" for r in rows[:60]]
    test = [f"{r['title']} {r['body']} unseen words" for r in rows[60:]]
    reference = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(train)
    counts = TermCounts.count(train)
    mine, columns = Tfidf.fit(counts, min_df=2)
    assert sorted(mine.terms) == sorted(reference.vocabulary_)
    order = [reference.vocabulary_[t] for t in mine.terms]
    np.testing.assert_allclose(mine.idf, reference.idf_[order], rtol=1e-6)
    np.testing.assert_allclose(mine.transform(test).toarray(), reference.transform(test).toarray()[:, order], atol=1e-6)
    np.testing.assert_allclose(
        weigh(counts.matrix[:, columns], mine.idf).toarray(), reference.transform(train).toarray()[:, order], atol=1e-6
    )


@pytest.fixture(scope="module")
def lexical(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("lexical")
    data = {
        split: str(write_jsonl(folder / f"{split}.jsonl", make_rows(count, split, seed)))
        for split, count, seed in (("train", 120, 1), ("validation", 40, 2), ("test", 60, 3))
    }
    job = {
        "command": "train",
        "job_id": "lexical-test",
        "filter": make_filter(categories=True),
        "device": "cpu",
        "student": {"kind": "lexical", "hyperparameters": {"seed": 7}},
        "data": {"train": data["train"], "validation": data["validation"]},
    }
    from distillery_gpu.probe import train_lexical

    result = train_lexical(job, folder / "model")
    return {"folder": folder, "data": data, "result": result}


def test_train_result_is_in_the_contract_and_out_of_fold(lexical: dict[str, Any]) -> None:
    result = check_result(lexical["result"], "train")
    assert (
        result["kind"] == "lexical"
        and result["base_model"] == "tfidf-word-bigram"
        and result["backend"] == "scikit-learn"
    )
    validation = result["validation"]
    assert validation["n"] == 160 and "out-of-fold" in validation["method"]
    assert set(validation["per_dimension"]) == {"maturity", "evidence"}
    assert validation["category_accuracy"]["stage"] >= 0.9
    assert result["training_curve"]["unit"] == "train_articles" and len(result["training_curve"]["points"]) >= 3
    xs = [p["x"] for p in result["training_curve"]["points"]]
    assert xs == sorted(xs)
    for numbers in result["calibration"].values():
        assert set(numbers) == {"mae_before", "mae_after", "applied"}


def test_the_artifact_holds_no_pickle(lexical: dict[str, Any]) -> None:
    model = lexical["folder"] / "model"
    assert sorted(p.name for p in model.iterdir()) == ["distillery.json", "heads.npz"]
    with zipfile.ZipFile(model / "heads.npz") as archive:
        for name in archive.namelist():
            header = archive.read(name)[:128]
            assert b"'descr': '|O'" not in header, name  # an object array would need pickle
    from distillery_gpu.probe.artifact import load

    card, arrays = load(model)  # np.load(allow_pickle=False)
    assert card["kind"] == "lexical" and card["encoder"] is None and "tfidf/terms" in arrays


def test_eval_and_infer_through_the_command_line(lexical: dict[str, Any], tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    prediction = Draft202012Validator(load_schema("prediction.json"))
    model_dir = lexical["result"]["model_dir"]
    code, _ = run_cli(
        "eval",
        {
            "command": "eval",
            "job_id": "lexical-eval",
            "model_dir": model_dir,
            "device": "cpu",
            "data": {"test": lexical["data"]["test"], "train": lexical["data"]["train"]},
        },
        tmp_path / "eval",
    )
    assert code == 0
    result = check_result(json.loads((tmp_path / "eval" / "result.json").read_text()), "eval")
    assert result["kind"] == "lexical" and result["n"] == 60 and result["conformal"]["method"] == "normalized"
    assert result["conformal"]["scores"] == sorted(result["conformal"]["scores"])
    lines = [json.loads(x) for x in (tmp_path / "eval" / result["predictions"]).read_text().splitlines()]
    baseline = [json.loads(x) for x in (tmp_path / "eval" / result["lexical_baseline"]).read_text().splitlines()]
    assert len(lines) == len(baseline) == 60
    for line in lines + baseline:
        assert not list(prediction.iter_errors(line)), line
    assert all(set(p["categories"]) == {"stage"} for p in lines + baseline)
    assert all("uncalibrated_scores" in p and p["overall_scale"] > 0 for p in lines)

    rows = [
        {"id": f"a{i}", "title": r["title"], "body": r["body"], "language": "en", "source": "x"}
        for i, r in enumerate(make_rows(25, "x", 5))
    ]
    write_jsonl(tmp_path / "input.jsonl", rows)
    code, _ = run_cli(
        "infer",
        {
            "command": "infer",
            "job_id": "lexical-infer",
            "model_dir": model_dir,
            "device": "cpu",
            "input": str(tmp_path / "input.jsonl"),
            "chunk_size": 10,
            "coverage": 0.8,
        },
        tmp_path / "infer",
    )
    assert code == 0
    result = check_result(json.loads((tmp_path / "infer" / "result.json").read_text()), "infer")
    assert (
        result["predictions"] == 25
        and result["chunks"] == 3
        and result["coverage"] == 0.8
        and result["kind"] == "lexical"
    )
    chunks = sorted((tmp_path / "infer" / "chunks").glob("*.jsonl"))
    scored = [json.loads(line) for c in chunks for line in c.read_text().splitlines()]
    assert [p["article_id"] for p in scored] == [f"a{i}" for i in range(25)]
    for line in scored:
        assert not list(prediction.iter_errors(line)) and "uncalibrated_scores" not in line


def test_the_students_own_categories_drive_its_overall_score(lexical: dict[str, Any]) -> None:
    """``stage: early`` caps the overall at 4: the interval is centred on the overall computed with the
    student's predicted categories, never with the oracle's."""
    from distillery_gpu.probe.postfilter import postfilter
    from distillery_gpu.probe.student import LoadedStudent

    student = LoadedStudent(lexical["result"]["model_dir"])
    rows = make_rows(200, "held", 11)
    for row in rows:  # an oracle that disagrees with the text: the student cannot know
        row["categories"] = {"stage": "deployed" if row["categories"]["stage"] == "early" else "early"}
    predictions = student.predict(rows, 0.5)
    filter_package = make_filter(categories=True)
    capped = 0
    for row, p in zip(rows, predictions, strict=True):
        own = postfilter(filter_package, p["scores"], p["categories"])["overall"]
        oracles = postfilter(filter_package, p["scores"], row["categories"])["overall"]
        low, high = p["overall_interval"]
        if 0 < low and high < 10:
            assert (low + high) / 2 == pytest.approx(own, abs=1e-3)
            if abs(own - oracles) > 0.5:
                capped += 1
                assert (low + high) / 2 != pytest.approx(oracles, abs=1e-3)
    assert capped >= 20
    assert (
        np.mean([p["categories"]["stage"] != r["categories"]["stage"] for r, p in zip(rows, predictions, strict=True)])
        > 0.9
    )
