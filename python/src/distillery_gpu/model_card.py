"""``distillery.json``: what a trained student is, next to its adapter (what eval and infer read).

Holds the filter's name and version, the student's ``kind`` (also under ``head``, its older name), the
base model, the dimensions and categorical fields it predicts, the backend, the hyperparameters, hashes
of the data it learnt from and its metrics; for the regression student also the number of outputs of
its head (one per dimension, then one logit per value of each categorical field), the train split's
score standardisation the head's outputs are inverted with (``targets``: mean and std per dimension) and
the pooling (``pooling``: the end-marker token appended to every article); for the generative one the
exact system prompt it was trained with, so scoring renders the same prompt.

``training`` says how the run trained (the backend path, ``dtype``, ``quantization`` — ``nf4`` or null,
what the scorer must load the base with —, LoRA dropout, checkpointing, micro-batch tokens, the head's
learning rate and dtype). Cards from before these fields read as before: outputs = score / 10, no end
marker, and a 4-bit base when ``load_in_4bit`` was set.
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
    return [
        {"key": c["key"], "values": [v["key"] for v in c["values"]]} for c in filter_package.get("categories") or []
    ]


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
    training: dict[str, Any] | None = None,
    scaling: Any = None,
    end_marker: int | None = None,
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
        # What the adapter was trained on (a GPU with room for bf16 ignores load_in_4bit).
        "load_in_4bit": bool(training and training.get("quantization") == "nf4") if training else job["load_in_4bit"],
        "data": {name: {"sha256": digest, "rows": rows[name]} for name, digest in data_hashes.items()},
        "steps": steps,
        "metrics": metrics,
        "job_id": job["job_id"],
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if training is not None:
        card["training"] = training
    if head == "regression":
        card["num_labels"] = regression.num_outputs(dimensions, categories)
        if scaling is not None:
            card["targets"] = scaling.to_card()
        if end_marker is not None:
            card["pooling"] = {"method": "end_marker", "token_id": end_marker}
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


def base_quantization(card: dict[str, Any]) -> str | None:
    """How the scorer must load the base: ``nf4`` when the adapter was trained on a 4-bit base, else None."""
    if "training" in card:
        return card["training"].get("quantization")
    return "nf4" if card.get("load_in_4bit") else None
