"""A CPU student's model folder: ``distillery.json`` (what it is, how it did, the small parts) and
``heads.npz`` (every array: TF-IDF vocabulary and idf, ridge and category weights, stack, isotonic
knots, error-scale model) — plain arrays, no pickles, loadable under any scikit-learn or none.

``distillery.json`` has the same top-level keys as the other students' cards (``format``, ``filter``,
``base_model``, ``head``, ``kind``, ``backend``, ``dimensions``, ``data``, ``job_id``, ``created_at``)
plus ``encoder`` (null for ``lexical``), ``model`` (categories, postfilter, stack and scale settings),
``conformal`` (sorted calibration scores for any coverage) and ``validation`` (out-of-fold figures).
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
FORMAT_VERSION = 2
KINDS = ("probe", "lexical")
KIND = "probe"


def postfilter_part(filter_package: dict[str, Any]) -> dict[str, Any]:
    """What the postfilter reads from a filter: enough to compute overall scores and tiers later."""
    return {key: filter_package.get(key, []) for key in ("dimensions", "gatekeepers", "categories", "tiers")}


def save(out_dir: Path, card: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / HEADS_FILE, **arrays)
    card = {
        "format": FORMAT_VERSION,
        **card,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return card


def _card(model_dir: str | Path) -> dict[str, Any] | None:
    """``model_dir/distillery.json``, or None when there is none; ``model.invalid`` naming the file when it
    cannot be read or is not a JSON object (a corrupt card is an error, never "some other kind of model")."""
    path = Path(model_dir) / CARD_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise DistilleryError("model.invalid", f"{path}: cannot read the model card ({error})") from error
    try:
        card = json.loads(text)
    except json.JSONDecodeError as error:
        raise DistilleryError(
            "model.invalid", f"{path}: the model card is not JSON ({error.msg} at line {error.lineno}); train again"
        ) from error
    if not isinstance(card, dict):
        raise DistilleryError("model.invalid", f"{path}: the model card is not a JSON object; train again")
    return card


def is_probe(model_dir: str | Path) -> bool:
    """Whether ``model_dir`` holds a CPU student (``probe`` or ``lexical``): the eval/infer dispatch asks this.
    A folder without a card is not one; a corrupt card raises ``model.invalid`` naming the file."""
    card = _card(model_dir)
    return card is not None and card.get("head") in KINDS


is_cpu_student = is_probe


def load(model_dir: str | Path) -> tuple[dict[str, Any], Any]:
    """The card and the arrays (an open ``NpzFile``, read without pickles)."""
    folder = Path(model_dir)
    card = _card(folder)
    if card is None:
        raise DistilleryError(
            "model.missing", f"job field 'model_dir': {folder / CARD_FILE} not found (train writes it)"
        )
    try:
        arrays = np.load(folder / HEADS_FILE, allow_pickle=False)
    except FileNotFoundError as error:
        raise DistilleryError(
            "model.missing", f"job field 'model_dir': {error.filename} not found (train writes it)"
        ) from error
    if card.get("head") not in KINDS:
        raise DistilleryError("model.invalid", f"{folder / CARD_FILE}: not a probe or lexical student")
    if card.get("format") != FORMAT_VERSION:
        raise DistilleryError(
            "model.invalid",
            f"{folder / CARD_FILE}: a {card.get('head')} student of format {card.get('format')}; "
            f"this version reads format {FORMAT_VERSION}: train it again",
        )
    return card, {name: arrays[name] for name in arrays.files}
