"""Which student a model folder holds, whether this environment has what a torch student needs, and
whether the device a job asks for is there.

``eval`` and ``infer`` hand probe and lexical model folders to the ``probe`` package and the others to the
torch scorers (the LoRA one, or the encoder student's). The kind is read from the folder's
``distillery.json`` (``kind``, or ``head`` in older cards) without importing either side, so a CPU-only
environment never imports torch to find out. A job with ``device: cuda`` (what a node asks for the
students that need a GPU) fails with ``device.cuda_unavailable`` before anything loads when CUDA does not
initialise, instead of quietly running on the CPU.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from .errors import DistilleryError

#: Student kinds the probe package serves (numpy and scikit-learn; no torch).
CPU_STUDENT_KINDS = ("probe", "lexical")
#: Student kinds the LoRA trainer and scorer serve, and the packages they import.
LORA_STUDENT_KINDS = ("regression", "generative")
TORCH_PACKAGES = ("torch", "transformers", "peft")
#: The encoder student (encoder_student.py): full fine-tuning, no PEFT.
ENCODER_STUDENT_KIND = "encoder"
ENCODER_PACKAGES = ("torch", "transformers")
#: Every student kind that needs torch.
TORCH_STUDENT_KINDS = (*LORA_STUDENT_KINDS, ENCODER_STUDENT_KIND)
#: Student kinds a node runs only with a working CUDA GPU: a 7B decoder on a CPU trains for weeks.
CUDA_STUDENT_KINDS = LORA_STUDENT_KINDS


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


def require_torch_students(what: str, packages: tuple[str, ...] = TORCH_PACKAGES) -> None:
    """Raises ``student.unavailable`` when one of ``packages`` is not installed (the cpu profile)."""
    missing = [name for name in packages if importlib.util.find_spec(name) is None]
    if missing:
        raise DistilleryError(
            "student.unavailable",
            f"{what} needs {', '.join(packages)}, and this Python environment lacks {', '.join(missing)} "
            "(the cpu profile installs the probe and lexical students only): run it in the full profile "
            "(DISTILLERY_PY_PROFILE=full, see python/README.md) or on a GPU node",
        )


def cuda_problem() -> str | None:
    """Why CUDA cannot be used here (torch missing, built without CUDA, no driver or device), or None.

    ``torch.cuda.is_available()`` only says no; initialising CUDA says why.
    """
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed in this Python environment (the cpu profile)"
    try:
        import torch
    # A broken torch install fails in many ways; the reason is the message.
    except Exception as error:  # noqa: BLE001
        return f"torch does not import ({type(error).__name__}: {error})"[:300]
    if torch.cuda.is_available():
        return None
    try:
        torch.cuda.init()
    # E.g. "Torch not compiled with CUDA enabled", "Found no NVIDIA driver".
    except Exception as error:  # noqa: BLE001
        return f"torch {torch.__version__} cannot initialise CUDA: {error}"[:300]
    return f"torch {torch.__version__} sees no CUDA device"


def require_device(job: dict[str, Any]) -> None:
    """Raises ``device.cuda_unavailable`` when the job asks for ``device: cuda`` and CUDA does not work here."""
    if job.get("device") != "cuda":
        return
    problem = cuda_problem()
    if problem is not None:
        raise DistilleryError(
            "device.cuda_unavailable",
            f"job field 'device' is 'cuda' but {problem}. Run it on a node with a working NVIDIA GPU "
            "(`python -m distillery_gpu doctor` shows what this one has), or ask for 'auto' or 'cpu'",
        )
