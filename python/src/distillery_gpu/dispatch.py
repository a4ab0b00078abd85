"""Which student a model folder holds, and whether this environment has what a LoRA student needs.

``eval`` and ``infer`` hand probe and lexical model folders to the ``probe`` package and the others to the
LoRA scorer. The kind is read from the folder's ``distillery.json`` (``kind``, or ``head`` in older
cards) without importing either side, so a CPU-only environment never imports torch to find out.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from .errors import DistilleryError

#: Student kinds the probe package serves (numpy and scikit-learn; no torch).
CPU_STUDENT_KINDS = ("probe", "lexical")
#: Student kinds the LoRA trainer and scorer serve, and the packages they import.
TORCH_STUDENT_KINDS = ("regression", "generative")
TORCH_PACKAGES = ("torch", "transformers", "peft")


def model_kind(model_dir: str | Path) -> str | None:
    """The student kind named by ``model_dir/distillery.json``, or None when it names none."""
    try:
        card = json.loads((Path(model_dir) / "distillery.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(card, dict):
        return None
    kind = card.get("kind") or card.get("head")
    return kind if isinstance(kind, str) else None


def probe_model(model_dir: str | Path) -> bool:
    """True when ``model_dir`` holds a probe or lexical student."""
    kind = model_kind(model_dir)
    if kind in CPU_STUDENT_KINDS:
        return True
    if kind in TORCH_STUDENT_KINDS:
        return False
    try:
        from .probe import is_probe
    except ImportError:
        return False
    return bool(is_probe(model_dir))


def require_torch_students(what: str) -> None:
    """Raises ``student.unavailable`` when torch, transformers or peft is not installed (the cpu profile)."""
    missing = [name for name in TORCH_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise DistilleryError(
            "student.unavailable",
            f"{what} needs {', '.join(TORCH_PACKAGES)}, and this Python environment lacks {', '.join(missing)} "
            "(the cpu profile installs the probe and lexical students only): run it in the full profile "
            "(DISTILLERY_PY_PROFILE=full, see python/README.md) or on a GPU node",
        )
