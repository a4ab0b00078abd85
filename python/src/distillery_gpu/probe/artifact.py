"""The probe's artifact: a folder with ``distillery.json`` (what it is, how it did) and ``heads.npz``
(standardisation, per-dimension weights and isotonic knots) — a few hundred KB to a few MB.

``distillery.json`` has the same top-level keys as the other students' cards (``format``, ``filter``,
``base_model``, ``head``, ``backend``, ``dimensions``, ``metrics``, ``data``, ``job_id``,
``created_at``) plus ``encoder``, ``postfilter`` (so scoring needs no filter package) and
``conformal`` (sorted calibration scores for any coverage).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DistilleryError

CARD_FILE = "distillery.json"
HEADS_FILE = "heads.npz"
FORMAT_VERSION = 1
KIND = "probe"


def postfilter_part(filter_package: dict[str, Any]) -> dict[str, Any]:
    """What the postfilter reads from a filter: enough to compute overall scores and tiers later."""
    return {key: filter_package.get(key, []) for key in ("dimensions", "gatekeepers", "categories", "tiers")}


def save(out_dir: Path, card: dict[str, Any], scaler: tuple[np.ndarray, np.ndarray], heads: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {"scaler/mean": scaler[0].astype(np.float32), "scaler/scale": scaler[1].astype(np.float32)}
    for dimension, fitted in heads.items():
        for i, (w, b) in enumerate(fitted["layers"]):
            arrays[f"{dimension}/layer{i}/w"] = np.asarray(w, dtype=np.float32)
            arrays[f"{dimension}/layer{i}/b"] = np.asarray(b, dtype=np.float32)
        if fitted["isotonic"] is not None:
            arrays[f"{dimension}/isotonic/x"] = fitted["isotonic"][0]
            arrays[f"{dimension}/isotonic/y"] = fitted["isotonic"][1]
    np.savez_compressed(out_dir / HEADS_FILE, **arrays)
    card = {
        "format": FORMAT_VERSION,
        "head": KIND,
        "kind": KIND,
        **card,
        "heads": {d: {"type": f["type"], "alpha": f.get("alpha"), "layers": len(f["layers"]), "calibrated": f["isotonic"] is not None} for d, f in heads.items()},
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return card


def is_probe(model_dir: str | Path) -> bool:
    """Whether ``model_dir`` holds a probe (the infer/eval dispatch asks this)."""
    try:
        card = json.loads((Path(model_dir) / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return isinstance(card, dict) and card.get("head") == KIND


def load(model_dir: str | Path) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray], dict[str, dict[str, Any]]]:
    folder = Path(model_dir)
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        arrays = np.load(folder / HEADS_FILE)
    except FileNotFoundError as error:
        raise DistilleryError("model.missing", f"job field 'model_dir': {error.filename} not found (train writes it)") from error
    if card.get("format") != FORMAT_VERSION or card.get("head") != KIND:
        raise DistilleryError("model.invalid", f"{folder / CARD_FILE}: not a probe of format {FORMAT_VERSION}")
    heads: dict[str, dict[str, Any]] = {}
    for dimension in card["dimensions"]:
        layers = []
        i = 0
        while f"{dimension}/layer{i}/w" in arrays:
            layers.append((arrays[f"{dimension}/layer{i}/w"], arrays[f"{dimension}/layer{i}/b"]))
            i += 1
        if not layers:
            raise DistilleryError("model.invalid", f"{folder / HEADS_FILE}: no head for dimension '{dimension}'")
        knots = (arrays[f"{dimension}/isotonic/x"], arrays[f"{dimension}/isotonic/y"]) if f"{dimension}/isotonic/x" in arrays else None
        heads[dimension] = {"layers": layers, "isotonic": knots}
    return card, (arrays["scaler/mean"], arrays["scaler/scale"]), heads
