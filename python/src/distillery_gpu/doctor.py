"""``doctor``: what this machine can do, printed as one JSON object (the agent sends it as capabilities).

Reports Python, torch, CUDA devices with their memory, bf16 and flash-attention support, which optional
backends import (unsloth, peft, bitsandbytes, vllm, flash_attn) and the free disk where outputs go. Every
probe is guarded: a broken optional install shows up as ``{"ok": false, "error": ...}``, never as a crash.
"""

from __future__ import annotations

import importlib
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

OPTIONAL_BACKENDS = ("transformers", "peft", "accelerate", "unsloth", "bitsandbytes", "vllm", "flash_attn")


def module_importable(name: str) -> dict[str, Any]:
    """Imports ``name`` and reports its version, or the error that stopped it."""
    try:
        module = importlib.import_module(name)
    except Exception as error:  # an optional package may fail in any way (missing CUDA libraries, ...)
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    return {"ok": True, "version": str(getattr(module, "__version__", "unknown"))}


def _cuda() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"available": torch.cuda.is_available(), "devices": []}
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


def capabilities(out_dir: str | None = None) -> dict[str, Any]:
    """Everything ``doctor`` prints."""
    import torch

    disk_path = Path(out_dir or ".").resolve()
    while not disk_path.exists():
        disk_path = disk_path.parent
    usage = shutil.disk_usage(disk_path)
    cuda = _cuda()
    backends = {name: module_importable(name) for name in OPTIONAL_BACKENDS}
    flash = backends["flash_attn"]["ok"] and any(float(d["capability"]) >= 8.0 for d in cuda["devices"])
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "cuda": cuda,
        "bf16": cuda["bf16"],
        "flash_attention": bool(flash),
        "sdpa": hasattr(torch.nn.functional, "scaled_dot_product_attention"),
        "backends": backends,
        "train_backend": "unsloth" if backends["unsloth"]["ok"] and cuda["available"] else "transformers",
        "disk": {"path": str(disk_path), "free_gb": round(usage.free / 1e9, 2), "total_gb": round(usage.total / 1e9, 2)},
    }
