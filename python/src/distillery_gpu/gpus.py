"""What a GPU can do, by the exact name CUDA reports (``torch.cuda.get_device_name``): its dense bf16 peak,
the denominator of MFU, and its memory, the budget of a training micro-batch.

Names are matched most specific first, on whole words: "H100 PCIe" and "H100 NVL" are different parts
from the SXM "H100 80GB HBM3" (756 and 835 TFLOP/s against 989), and "L4", "L40" and "L40S" are three
GPUs (121, 181 and 362). A name that matches nothing has no peak: MFU is reported as null rather than
against a guess. Peaks are NVIDIA's datasheet figures for bf16 tensor cores, dense (half the "with
sparsity" figure).

>>> gpu_spec("NVIDIA H100 PCIe").peak_bf16_flops
756000000000000.0
>>> gpu_spec("NVIDIA L40").name
'L40'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class GpuSpec:
    name: str
    #: Dense bf16 tensor-core peak, FLOP/s.
    peak_bf16_flops: float
    #: Memory on the board, bytes (what a plan may budget before torch reports the real figure).
    memory_bytes: int


_GB = 10**9

#: (pattern on the reported name, spec), most specific first: the first match wins.
_SPECS: list[tuple[str, GpuSpec]] = [
    (r"\bGH200\b", GpuSpec("GH200", 989.4e12, 96 * _GB)),
    (r"\bH200 NVL\b", GpuSpec("H200 NVL", 835.5e12, 141 * _GB)),
    (r"\bH200\b", GpuSpec("H200 SXM", 989.4e12, 141 * _GB)),
    (r"\bH100 NVL\b", GpuSpec("H100 NVL", 835.5e12, 94 * _GB)),
    (r"\bH100 PCIe\b", GpuSpec("H100 PCIe", 756.0e12, 80 * _GB)),
    (r"\bH100\b", GpuSpec("H100 SXM", 989.4e12, 80 * _GB)),
    (r"\bB200\b", GpuSpec("B200", 2250e12, 180 * _GB)),
    (r"\bA100\b.*\b80GB\b|\bA100-SXM4-80GB\b", GpuSpec("A100 80GB", 312e12, 80 * _GB)),
    (r"\bA100\b", GpuSpec("A100 40GB", 312e12, 40 * _GB)),
    (r"\bL40S\b", GpuSpec("L40S", 362.05e12, 48 * _GB)),
    (r"\bL40\b", GpuSpec("L40", 181.05e12, 48 * _GB)),
    (r"\bL4\b", GpuSpec("L4", 121e12, 24 * _GB)),
    (r"\bA10G\b", GpuSpec("A10G", 70e12, 24 * _GB)),
    (r"\bA10\b", GpuSpec("A10", 125e12, 24 * _GB)),
    (r"\bRTX 6000 Ada\b", GpuSpec("RTX 6000 Ada", 364.2e12, 48 * _GB)),
    (r"\bRTX 4090\b", GpuSpec("RTX 4090", 165.2e12, 24 * _GB)),
]


def gpu_spec(device_name: str) -> GpuSpec | None:
    """The spec of the GPU CUDA calls ``device_name``, or None for one this table does not know."""
    for pattern, spec in _SPECS:
        if re.search(pattern, device_name, flags=re.IGNORECASE):
            return spec
    return None


def peak_flops(device_name: str) -> float | None:
    """Dense bf16 peak of ``device_name`` in FLOP/s, or None when unknown."""
    spec = gpu_spec(device_name)
    return spec.peak_bf16_flops if spec else None


def device_peak_flops(device: object) -> float | None:
    """The peak MFU is measured against on ``device`` (a ``torch.device``): ``DISTILLERY_PEAK_TFLOPS``
    when set (a GPU this table lacks, or a CPU), else the table's figure for a CUDA GPU, else None."""
    override = os.environ.get("DISTILLERY_PEAK_TFLOPS")
    if override:
        return float(override) * 1e12
    if getattr(device, "type", None) != "cuda":
        return None
    import torch

    return peak_flops(torch.cuda.get_device_name(device))
