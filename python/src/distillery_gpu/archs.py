"""Model shapes for benchmarks, hard-coded so no download is needed: the Qwen2.5 0.5B / 1.5B / 7B
architectures (from their published ``config.json``) and ``tiny`` for a CPU smoke run; any loaded
Qwen2/Llama-style model gives its own with :meth:`Arch.from_config`.

Also the FLOPs per token used for MFU, PaLM-style: every matmul weight costs 2 FLOPs per token forward,
attention scores and values cost ``4 * layers * hidden * seq`` forward per token (the causal mask is not
discounted, as in PaLM and nanoGPT). python/tests/test_flops.py checks these against the FLOPs torch
counts for the real shapes on the meta device. And the activation memory a training token holds, which
decides a micro-batch's size and whether checkpointing is needed (:mod:`budget`).
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

    @classmethod
    def from_config(cls, config: object, name: str = "model") -> Arch:
        """The shape of a loaded decoder from its transformers config (Qwen2, Llama, Mistral field names)."""
        heads = int(config.num_attention_heads)
        return cls(
            name=name,
            hidden=int(config.hidden_size),
            intermediate=int(config.intermediate_size),
            layers=int(config.num_hidden_layers),
            heads=heads,
            kv_heads=int(getattr(config, "num_key_value_heads", None) or heads),
            vocab=int(config.vocab_size),
            tie_embeddings=bool(getattr(config, "tie_word_embeddings", False)),
        )

    @property
    def kv_dim(self) -> int:
        return self.hidden // self.heads * self.kv_heads

    def matmul_params(self) -> int:
        """Weights of the decoder's matmuls (attention projections + MLP), embeddings excluded."""
        attention = 2 * self.hidden * self.hidden + 2 * self.hidden * self.kv_dim
        mlp = 3 * self.hidden * self.intermediate
        return self.layers * (attention + mlp)

    def weight_bytes(self, bytes_per_weight: int = 2) -> int:
        """The decoder's weights in memory, embeddings included (a sequence-classification model has no
        LM head, so an untied output matrix is not counted)."""
        return (self.matmul_params() + self.vocab * self.hidden) * bytes_per_weight

    def attention_flops_forward(self, seq: int) -> int:
        return 4 * self.layers * self.hidden * seq

    def score_flops_per_token(self, seq: int) -> int:
        """One forward pass (the regression head is negligible and no LM head runs)."""
        return 2 * self.matmul_params() + self.attention_flops_forward(seq)

    def lora_train_flops_per_token(self, seq: int) -> int:
        """Forward 2N plus backward 2N (frozen weights need gradients for activations only, not for
        themselves), attention forward once and backward twice. Recomputation is not counted."""
        return 4 * self.matmul_params() + 3 * self.attention_flops_forward(seq)

    def recompute_flops_per_token(self, seq: int) -> int:
        """What activation checkpointing adds per training token: one more forward pass. Hardware FLOPs
        utilisation counts it, MFU does not."""
        return self.score_flops_per_token(seq)

    def activation_bytes_per_token(self, checkpointing: bool, bytes_per_value: int = 2) -> int:
        """Bytes one training token keeps for the backward pass (bf16 autocast, LoRA on the attention
        projections, SDPA attention), per layer summed over the decoder.

        A layer keeps, in units of ``bytes_per_value`` per token: its two RMSNorms' fp32 inputs and bf16
        outputs (2 x (2h + h)), q and k before rotary (h + kv), SDPA's q, k, v and output (2h + 2kv),
        the o_proj input (h) and the MLP's gate, up, activation and product (4 x intermediate): about
        ``10h + 3kv + 4i``. With checkpointing a layer keeps only its input (h) and one layer at a time
        is recomputed in full.
        """
        full_layer = 10 * self.hidden + 3 * self.kv_dim + 4 * self.intermediate
        if checkpointing:
            return bytes_per_value * (self.layers * self.hidden + full_layer)
        return bytes_per_value * self.layers * full_layer

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
        raise DistilleryError(
            "bench.unknown_arch", f"job field 'architectures': unknown '{name}', expected one of {', '.join(ARCHS)}"
        )
    return ARCHS[key]
