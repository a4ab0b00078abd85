"""Training checkpoints in ``<out>/checkpoints/step-NNNNNNNN/``: the adapter plus optimizer, scheduler,
loop state and RNG, written to a temporary folder and renamed, so a folder that exists is complete.

``train`` run again with the same ``--out`` continues from the newest one. The two newest are kept.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch

from .errors import DistilleryError

KEEP = 2


def checkpoints_dir(out_dir: Path) -> Path:
    return out_dir / "checkpoints"


def latest(out_dir: Path) -> Path | None:
    """The newest complete checkpoint, or None."""
    folder = checkpoints_dir(out_dir)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.glob("step-*") if p.is_dir() and (p / "trainer.pt").is_file())
    return found[-1] if found else None


def save(out_dir: Path, student: Any, optimizer: Any, scheduler: Any, state: dict[str, Any]) -> Path:
    folder = checkpoints_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{state['step']:08d}"
    tmp = folder / f".tmp-step-{state['step']:08d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    student.save_adapter(tmp)
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    torch.save(
        {"state": state, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng},
        tmp / "trainer.pt",
    )
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    for old in sorted(p for p in folder.glob("step-*") if p.is_dir())[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def restore(path: Path, student: Any, optimizer: Any, scheduler: Any, fingerprint: dict[str, Any]) -> dict[str, Any]:
    """Loads a checkpoint into the student, optimizer and scheduler; returns the loop state."""
    saved = torch.load(path / "trainer.pt", map_location="cpu", weights_only=False)
    state = saved["state"]
    if state.get("fingerprint") != fingerprint:
        raise DistilleryError(
            "checkpoint.mismatch",
            f"{path} was written by a run with other data, model or settings; use a new --out folder",
        )
    student.load_adapter_state(path / "adapter_model.safetensors")
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["rng"]["torch"])
    if "cuda" in saved["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(saved["rng"]["cuda"])
    return state
