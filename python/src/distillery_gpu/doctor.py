"""``doctor``: what this machine can do, printed as one JSON object (the agent sends it as capabilities).

Reports Python, torch (null when it is not installed: the cpu profile), CUDA devices with their memory,
bf16 and flash-attention support, which optional backends import (unsloth, peft, bitsandbytes, vllm,
flash_attn, onnxruntime, ...), the free disk where outputs go, and ``student_kinds``: the students this
machine can train and run, which is what a node advertises. ``lexical`` and ``probe`` need only the probe
package's CPU dependencies; ``encoder`` needs torch and transformers (a GPU makes it fast, a CPU will do);
``regression`` and ``generative`` need torch, transformers, peft *and a CUDA GPU that initialises*: a 7B
decoder on a CPU would run for weeks, so a node without one does not claim them. Each kind left out is in
``unavailable_student_kinds`` with the reason (e.g. the CUDA error). Every probe is guarded: a broken
optional install shows up as ``{"ok": false, "error": ...}``, never as a crash, and torch is imported only
when it is installed. The shape is ``shared/schemas/python-doctor-result.json``.
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from .dispatch import CUDA_STUDENT_KINDS, ENCODER_PACKAGES, ENCODER_STUDENT_KIND, cuda_problem

OPTIONAL_BACKENDS = (
    "transformers",
    "peft",
    "accelerate",
    "sentence_transformers",
    "unsloth",
    "bitsandbytes",
    "vllm",
    "flash_attn",
    "sklearn",
    "onnxruntime",
)
#: What the LoRA students (regression, generative) import.
TORCH_STUDENT_PACKAGES = ("torch", "transformers", "peft")


def module_importable(name: str) -> dict[str, Any]:
    """Imports ``name`` and reports its version, or the error that stopped it."""
    try:
        module = importlib.import_module(name)
    # An optional package may fail in any way (missing CUDA libraries, ...).
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    return {"ok": True, "version": str(getattr(module, "__version__", "unknown"))}


def _torch() -> Any:
    """The torch module, or None when it is not installed or does not import."""
    try:
        import torch
    # Not installed (the cpu profile), or a broken install: no torch either way.
    except Exception:  # noqa: BLE001
        return None
    return torch


def _cuda(torch: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"available": bool(torch is not None and torch.cuda.is_available()), "devices": []}
    if not info["available"]:
        info["bf16"] = False
        return info
    info["version"] = torch.version.cuda
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        free, total = torch.cuda.mem_get_info(index)
        info["devices"].append(
            {
                "index": index,
                "name": props.name,
                "capability": f"{props.major}.{props.minor}",
                "memory_gb": round(total / 1e9, 2),
                "free_memory_gb": round(free / 1e9, 2),
            }
        )
    info["bf16"] = bool(torch.cuda.is_bf16_supported())
    return info


def cpu_student_kinds() -> list[str]:
    """The probe package's students whose dependencies import here (``lexical``, ``probe``)."""
    try:
        probe = importlib.import_module("distillery_gpu.probe")
    except Exception:  # noqa: BLE001 (without numpy or scikit-learn there is no CPU student at all)
        return []
    available = getattr(probe, "available_kinds", None)
    if callable(available):
        return [kind for kind in ("lexical", "probe") if kind in set(available())]
    kinds = []
    if module_importable("sklearn")["ok"]:
        kinds.append("lexical")
        if module_importable("onnxruntime")["ok"] or module_importable("sentence_transformers")["ok"]:
            kinds.append("probe")
    return kinds


def student_kinds(backends: dict[str, dict[str, Any]], torch: Any) -> tuple[list[str], dict[str, str]]:
    """Every student kind this machine can train and run (CPU students first), and why each torch student
    that is left out is (``{kind: reason}``)."""
    kinds = cpu_student_kinds()
    unavailable: dict[str, str] = {}

    def missing(packages: tuple[str, ...]) -> str | None:
        if torch is None:
            return "torch is not installed (the cpu profile; see python/README.md)"
        broken = [name for name in packages if name != "torch" and not backends[name]["ok"]]
        return f"{', '.join(broken)} does not import" if broken else None

    encoder_problem = missing(ENCODER_PACKAGES)
    if encoder_problem is None:
        kinds.append(ENCODER_STUDENT_KIND)
    else:
        unavailable[ENCODER_STUDENT_KIND] = encoder_problem
    lora_problem = missing(TORCH_STUDENT_PACKAGES) or cuda_problem()
    for kind in CUDA_STUDENT_KINDS:
        if lora_problem is None:
            kinds.append(kind)
        else:
            unavailable[kind] = f"needs a CUDA GPU with torch, transformers and peft: {lora_problem}"
    return kinds, unavailable


def capabilities(out_dir: str | None = None) -> dict[str, Any]:
    """Everything ``doctor`` prints."""
    torch = _torch()
    disk_path = Path(out_dir or ".").resolve()
    while not disk_path.exists():
        disk_path = disk_path.parent
    usage = shutil.disk_usage(disk_path)
    cuda = _cuda(torch)
    backends = {name: module_importable(name) for name in OPTIONAL_BACKENDS}
    flash = backends["flash_attn"]["ok"] and any(float(d["capability"]) >= 8.0 for d in cuda["devices"])
    kinds, unavailable = student_kinds(backends, torch)
    train_backend = None
    if torch is not None:
        train_backend = "unsloth" if backends["unsloth"]["ok"] and cuda["available"] else "transformers"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "torch": None if torch is None else str(torch.__version__),
        "cpu_threads": torch.get_num_threads() if torch is not None else max(os.cpu_count() or 1, 1),
        "cuda": cuda,
        "bf16": cuda["bf16"],
        "flash_attention": bool(flash),
        "sdpa": torch is not None and hasattr(torch.nn.functional, "scaled_dot_product_attention"),
        "backends": backends,
        "train_backend": train_backend,
        "student_kinds": kinds,
        "unavailable_student_kinds": unavailable,
        "disk": {
            "path": str(disk_path),
            "free_gb": round(usage.free / 1e9, 2),
            "total_gb": round(usage.total / 1e9, 2),
        },
    }
