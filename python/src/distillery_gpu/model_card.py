"""``distillery.json``: what a trained student is, next to its adapter (what eval and infer read).

Holds the filter's name and version, the student's ``kind`` (also under ``head``, its older name), the
base model, the dimensions and categorical fields it predicts, the backend, the hyperparameters, hashes
of the data it learnt from and its metrics; for the regression student also the number of outputs of
its head (one per dimension, then one logit per value of each categorical field), for the generative
one the exact system prompt it was trained with, so scoring renders the same prompt.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from .data import max_article_chars
from .errors import DistilleryError

CARD_FILE = "distillery.json"
FORMAT_VERSION = 1
KINDS = ("regression", "generative")


def category_fields(filter_package: dict[str, Any]) -> list[dict[str, Any]]:
    """The filter's categorical fields as the students see them: ``[{key, values: [value keys]}]``.

    >>> category_fields({"categories": [{"key": "type", "values": [{"key": "news"}, {"key": "ad"}]}]})
    [{'key': 'type', 'values': ['news', 'ad']}]
    """
    return [{"key": c["key"], "values": [v["key"] for v in c["values"]]} for c in filter_package.get("categories") or []]


def write_model_card(
    out_dir: Path,
    *,
    job: dict[str, Any],
    head: str,
    backend: str,
    dimensions: list[str],
    data_hashes: dict[str, str],
    rows: dict[str, int],
    metrics: dict[str, Any],
    steps: int,
) -> dict[str, Any]:
    from . import generative, regression

    filter_package, settings = job["filter"], job["student"]
    categories = category_fields(filter_package)
    card: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "filter": {"name": filter_package["name"], "version": filter_package["version"]},
        "kind": head,
        "base_model": settings["base_model"],
        "head": head,
        "backend": backend,
        "dimensions": dimensions,
        "categories": categories,
        # What the oracle read of each article: the lexical baseline of this student's eval reads as much.
        "max_article_chars": max_article_chars(filter_package),
        "hyperparameters": settings["hyperparameters"],
        "load_in_4bit": job["load_in_4bit"],
        "data": {name: {"sha256": digest, "rows": rows[name]} for name, digest in data_hashes.items()},
        "steps": steps,
        "metrics": metrics,
        "job_id": job["job_id"],
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if head == "regression":
        card["score_scale"] = regression.SCORE_SCALE
        card["num_labels"] = regression.num_outputs(dimensions, categories)
    else:
        card["system_prompt"] = generative.system_prompt(filter_package)
    path = out_dir / CARD_FILE
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def read_model_card(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DistilleryError("model.missing", f"job field 'model_dir': {path} not found (train writes it)") from error
    if card.get("format") != FORMAT_VERSION or card.get("head") not in KINDS:
        raise DistilleryError("model.invalid", f"{path}: unknown format or head")
    card.setdefault("kind", card["head"])
    card.setdefault("categories", [])
    if card["head"] == "regression":
        card.setdefault("num_labels", len(card["dimensions"]))
    return card
