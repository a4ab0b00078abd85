"""How many tokens a training micro-batch holds on this GPU, and whether activation checkpointing is needed.

Checkpointing costs a second forward pass (x1.33 the FLOPs of a LoRA step), so it is switched on only
when a micro-batch big enough to keep the GPU busy (``EFFICIENT_MICRO_BATCH_TOKENS``, and never less
than one article of ``max_length``) does not fit beside the weights without it. The activation bytes per
token come from :meth:`archs.Arch.activation_bytes_per_token`; ``ACTIVATION_SAFETY`` covers the
temporaries of the backward pass and the allocator's fragmentation.

>>> from .archs import arch
>>> from .gpus import gpu_spec
>>> plan = plan_training(arch("Qwen/Qwen2.5-7B"), gpu_spec("NVIDIA H100 80GB HBM3").memory_bytes, 2048)
>>> plan.checkpointing, plan.micro_batch_tokens >= 4096
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from .archs import Arch

#: Tokens per micro-batch from which a 1.5B-7B decoder's matmuls run near peak on an H100.
EFFICIENT_MICRO_BATCH_TOKENS = 4096
#: More tokens per micro-batch gain nothing in speed and cost memory.
MAX_MICRO_BATCH_TOKENS = 16384
#: Share of the board's memory a plan spends (CUDA context, cuBLAS workspaces, other processes).
USABLE_MEMORY_SHARE = 0.9
#: Measured activation peaks run above the saved-tensor estimate by the backward's temporaries.
ACTIVATION_SAFETY = 1.25
#: LoRA weights, their gradients and AdamW's two moments, all fp32, plus the fp32 head: per parameter.
TRAINABLE_BYTES_PER_PARAM = 16


@dataclass(frozen=True)
class TrainingPlan:
    micro_batch_tokens: int
    checkpointing: bool
    #: Bytes budgeted for activations, and what one token costs under this plan.
    activation_budget_bytes: int
    activation_bytes_per_token: int


def lora_params(spec: Arch, r: int, target_modules: list[str]) -> int:
    """Trainable LoRA parameters: ``r x (in + out)`` per targeted projection and layer."""
    shapes = {
        "q_proj": (spec.hidden, spec.hidden),
        "k_proj": (spec.hidden, spec.kv_dim),
        "v_proj": (spec.hidden, spec.kv_dim),
        "o_proj": (spec.hidden, spec.hidden),
        "gate_proj": (spec.hidden, spec.intermediate),
        "up_proj": (spec.hidden, spec.intermediate),
        "down_proj": (spec.intermediate, spec.hidden),
    }
    return spec.layers * sum(r * (i + o) for name, (i, o) in shapes.items() if name in target_modules)


def plan_training(
    spec: Arch,
    memory_bytes: int,
    max_length: int,
    *,
    lora_r: int = 16,
    target_modules: list[str] | None = None,
    weight_bytes_per_param: float = 2,
    lm_head: bool = False,
) -> TrainingPlan:
    """The micro-batch size and checkpointing for ``spec`` on a GPU with ``memory_bytes`` of memory
    (``weight_bytes_per_param`` 0.5 for a 4-bit base; ``lm_head`` for the generative student, whose
    fp32 logits and their gradient cost ``2 x 4 x vocab`` bytes a token and whose output matrix is
    loaded too when untied)."""
    targets = target_modules or ["q_proj", "k_proj", "v_proj", "o_proj"]
    weights = spec.weight_bytes(1) * weight_bytes_per_param
    logits_per_token = 0
    if lm_head:
        weights += 0 if spec.tie_embeddings else spec.vocab * spec.hidden * weight_bytes_per_param
        logits_per_token = 2 * 4 * spec.vocab
    trainable = lora_params(spec, lora_r, targets) * TRAINABLE_BYTES_PER_PARAM
    budget = int(memory_bytes * USABLE_MEMORY_SHARE - weights - trainable)
    needed = max(EFFICIENT_MICRO_BATCH_TOKENS, max_length)
    for checkpointing in (False, True):
        per_token = int((spec.activation_bytes_per_token(checkpointing) + logits_per_token) * ACTIVATION_SAFETY)
        fits = budget // per_token if budget > 0 else 0
        if fits >= needed or checkpointing:
            tokens = min(max(fits, max_length), max(MAX_MICRO_BATCH_TOKENS, max_length))
            return TrainingPlan(tokens, checkpointing, max(budget, 0), per_token)
    raise AssertionError("unreachable: the checkpointing plan always returns")
