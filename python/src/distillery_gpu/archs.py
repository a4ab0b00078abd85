"""Model shapes for benchmarks, hard-coded so no download is needed: the Qwen2.5 0.5B / 1.5B / 7B
architectures (from their published ``config.json``) and ``tiny`` for a CPU smoke run.

Also the FLOPs per token used for MFU, PaLM-style: every matmul weight costs 2 FLOPs per token forward,
attention scores and values cost ``4 * layers * hidden * seq`` forward per token.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DistilleryError


@dataclass(frozen=True)
class Arch:
    name: str
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    tie_embeddings: bool

    @property
    def kv_dim(self) -> int:
        return self.hidden // self.heads * self.kv_heads

    def matmul_params(self) -> int:
        """Weights of the decoder's matmuls (attention projections + MLP), embeddings excluded."""
        attention = 2 * self.hidden * self.hidden + 2 * self.hidden * self.kv_dim
        mlp = 3 * self.hidden * self.intermediate
        return self.layers * (attention + mlp)

    def attention_flops_forward(self, seq: int) -> int:
        return 4 * self.layers * self.hidden * seq

    def score_flops_per_token(self, seq: int) -> int:
        """One forward pass (the regression head is negligible and no LM head runs)."""
        return 2 * self.matmul_params() + self.attention_flops_forward(seq)

    def lora_train_flops_per_token(self, seq: int) -> int:
        """Forward 2N plus backward 2N (frozen weights need gradients for activations only, not for
        themselves), attention forward once and backward twice. Recomputation is not counted."""
        return 4 * self.matmul_params() + 3 * self.attention_flops_forward(seq)

    def qwen2_config(self, num_labels: int) -> object:
        from transformers import Qwen2Config

        return Qwen2Config(
            vocab_size=self.vocab,
            hidden_size=self.hidden,
            intermediate_size=self.intermediate,
            num_hidden_layers=self.layers,
            num_attention_heads=self.heads,
            num_key_value_heads=self.kv_heads,
            max_position_embeddings=32768,
            rope_theta=1_000_000.0,
            rms_norm_eps=1e-6,
            tie_word_embeddings=self.tie_embeddings,
            num_labels=num_labels,
            pad_token_id=0,
        )


ARCHS = {
    "Qwen/Qwen2.5-0.5B": Arch("Qwen/Qwen2.5-0.5B", 896, 4864, 24, 14, 2, 151936, True),
    "Qwen/Qwen2.5-1.5B": Arch("Qwen/Qwen2.5-1.5B", 1536, 8960, 28, 12, 2, 151936, True),
    "Qwen/Qwen2.5-7B": Arch("Qwen/Qwen2.5-7B", 3584, 18944, 28, 28, 4, 152064, False),
    "tiny": Arch("tiny", 64, 128, 2, 4, 2, 1024, True),
}


def arch(name: str) -> Arch:
    """The architecture named ``name`` (``-Instruct`` variants share their base's shape)."""
    key = name.removesuffix("-Instruct")
    if key not in ARCHS:
        raise DistilleryError("bench.unknown_arch", f"job field 'architectures': unknown '{name}', expected one of {', '.join(ARCHS)}")
    return ARCHS[key]


#: Dense bf16 peak of known GPUs, FLOP/s (no sparsity).
PEAK_BF16 = {"H100": 989.4e12, "H200": 989.4e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12, "L4": 121e12, "4090": 165.2e12}


def peak_flops(device_name: str) -> float | None:
    for key, value in PEAK_BF16.items():
        if key in device_name:
            return value
    return None
