"""Which student a model folder or job belongs to, so eval and infer hand probe models to ``probe``."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def probe_available() -> bool:
    return importlib.util.find_spec("distillery_gpu.probe") is not None


def probe_model(model_dir: str | Path) -> bool:
    """True when ``model_dir`` holds a probe student (and the probe package is present)."""
    if not probe_available():
        return False
    from .probe import is_probe

    return bool(is_probe(model_dir))
