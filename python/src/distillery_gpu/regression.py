"""The regression student: the decoder's last-token hidden state through a linear head, one output per
dimension, trained with MSE on the oracle's 0-10 scores divided by ``SCORE_SCALE``.

One forward pass per article, no generation: the fast way to score a corpus. The same
:func:`forward_scores` serves training (a LoRA model) and scoring (the adapter merged into the base).
"""

from __future__ import annotations

from typing import Any

import torch

from .data import article_text

#: Targets are scores / 10, so the head's outputs start near the right range.
SCORE_SCALE = 10.0


def encode_texts(tokenizer: Any, texts: list[str], max_length: int) -> list[list[int]]:
    """Token ids of each text, cut to ``max_length`` (the title and opening of an article matter most)."""
    encoded = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_length)
    return [list(ids) for ids in encoded["input_ids"]]


def encode_rows(tokenizer: Any, rows: list[dict[str, Any]], dimensions: list[str], max_length: int) -> list[dict[str, Any]]:
    """Training examples: ``input_ids`` and the scaled ``targets`` in dimension order."""
    ids = encode_texts(tokenizer, [article_text(r) for r in rows], max_length)
    return [
        {"input_ids": i, "targets": [float(r["scores"][d]) / SCORE_SCALE for d in dimensions]}
        for i, r in zip(ids, rows, strict=True)
    ]


def pad_batch(sequences: list[list[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids`` and ``attention_mask``."""
    longest = max(len(s) for s in sequences)
    input_ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids.to(device), mask.to(device)


def forward_scores(backbone: Any, head: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Scaled scores ``[batch, dimensions]`` from the hidden state of each row's last real token."""
    hidden = backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    last = attention_mask.sum(dim=1) - 1
    pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    return head(pooled.float())


def batch_loss(student: Any, examples: list[dict[str, Any]]) -> tuple[torch.Tensor, int]:
    """Mean squared error of one micro-batch, and its number of real tokens."""
    pad_id = student.tokenizer.pad_token_id
    input_ids, mask = pad_batch([e["input_ids"] for e in examples], pad_id, student.device)
    targets = torch.tensor([e["targets"] for e in examples], dtype=torch.float32, device=student.device)
    predicted = forward_scores(student.backbone(), student.score_head(), input_ids, mask)
    return torch.nn.functional.mse_loss(predicted, targets), int(mask.sum())


def to_scores(scaled: torch.Tensor, dimensions: list[str]) -> list[dict[str, float]]:
    """Rows of the head's output as ``{dimension: score}`` on the 0-10 scale (clamped to it)."""
    values = (scaled.float() * SCORE_SCALE).clamp(0, 10).cpu().tolist()
    return [{d: round(v, 4) for d, v in zip(dimensions, row, strict=True)} for row in values]
