"""The regression student: the decoder's last-token hidden state through one linear head with an output
per dimension (MSE on the oracle's 0-10 scores divided by ``SCORE_SCALE``) followed by one logit per
value of each of the filter's categorical fields (a softmax per field, cross-entropy on the oracle's
category, weighted by ``CATEGORY_LOSS_WEIGHT``).

One forward pass per article, no generation: the fast way to score a corpus. The same
:func:`forward_scores` serves training (a LoRA model) and scoring (the adapter merged into the base).
Categories are one head with the scores (PEFT saves it as the model's ``score`` layer), so an adapter
loads onto ``AutoModelForSequenceClassification(num_labels=card["num_labels"])`` as before.
"""

from __future__ import annotations

from typing import Any

import torch

from .data import article_text

#: Targets are scores / 10, so the head's outputs start near the right range.
SCORE_SCALE = 10.0
#: Cross-entropy is about ln(values) at the start while the squared error of scaled scores is a few
#: hundredths: a smaller weight keeps the category logits from drowning the scores in the shared LoRA.
CATEGORY_LOSS_WEIGHT = 0.1
#: The target of an article whose oracle label lacks a category: ignored by the loss.
NO_CATEGORY = -100


def num_outputs(dimensions: list[str], categories: list[dict[str, Any]]) -> int:
    """Outputs of the head: one per dimension, then one per value of each categorical field."""
    return len(dimensions) + sum(len(c["values"]) for c in categories)


def encode_texts(tokenizer: Any, texts: list[str], max_length: int) -> list[list[int]]:
    """Token ids of each text, cut to ``max_length`` (the title and opening of an article matter most)."""
    encoded = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_length)
    return [list(ids) for ids in encoded["input_ids"]]


def category_targets(row: dict[str, Any], categories: list[dict[str, Any]]) -> list[int]:
    """Index of the oracle's value for each categorical field, or ``NO_CATEGORY`` when absent or unknown."""
    labels = row.get("categories") or {}
    targets = []
    for category in categories:
        value = labels.get(category["key"])
        targets.append(category["values"].index(value) if value in category["values"] else NO_CATEGORY)
    return targets


def encode_rows(
    tokenizer: Any, rows: list[dict[str, Any]], dimensions: list[str], max_length: int, categories: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Training examples: ``input_ids``, the scaled ``targets`` in dimension order and ``category_targets``."""
    categories = categories or []
    ids = encode_texts(tokenizer, [article_text(r) for r in rows], max_length)
    return [
        {
            "input_ids": i,
            "targets": [float(r["scores"][d]) / SCORE_SCALE for d in dimensions],
            "category_targets": category_targets(r, categories),
        }
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
    """The head's outputs ``[batch, outputs]`` from the hidden state of each row's last real token: scaled
    scores in the first ``len(dimensions)`` columns, category logits after them."""
    hidden = backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    last = attention_mask.sum(dim=1) - 1
    pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    return head(pooled.float())


def category_logits(outputs: torch.Tensor, n_dimensions: int, categories: list[dict[str, Any]]) -> list[torch.Tensor]:
    """The logits of each categorical field, ``[batch, values]`` each, in the filter's order."""
    groups, start = [], n_dimensions
    for category in categories:
        groups.append(outputs[:, start : start + len(category["values"])])
        start += len(category["values"])
    return groups


def batch_loss(student: Any, examples: list[dict[str, Any]]) -> tuple[torch.Tensor, int]:
    """MSE of the scores plus the weighted cross-entropy of each category, for one micro-batch, and its
    number of real tokens."""
    pad_id = student.tokenizer.pad_token_id
    input_ids, mask = pad_batch([e["input_ids"] for e in examples], pad_id, student.device)
    targets = torch.tensor([e["targets"] for e in examples], dtype=torch.float32, device=student.device)
    outputs = forward_scores(student.backbone(), student.score_head(), input_ids, mask)
    n_dimensions = targets.shape[1]
    loss = torch.nn.functional.mse_loss(outputs[:, :n_dimensions], targets)
    categories = getattr(student, "categories", None) or []
    for index, logits in enumerate(category_logits(outputs, n_dimensions, categories)):
        labels = torch.tensor([e["category_targets"][index] for e in examples], dtype=torch.long, device=student.device)
        if bool((labels != NO_CATEGORY).any()):
            loss = loss + CATEGORY_LOSS_WEIGHT * torch.nn.functional.cross_entropy(logits, labels, ignore_index=NO_CATEGORY)
    return loss, int(mask.sum())


def to_scores(outputs: torch.Tensor, dimensions: list[str]) -> list[dict[str, float]]:
    """Rows of the head's output as ``{dimension: score}`` on the 0-10 scale (clamped to it)."""
    values = (outputs[:, : len(dimensions)].float() * SCORE_SCALE).clamp(0, 10).cpu().tolist()
    return [{d: round(v, 4) for d, v in zip(dimensions, row, strict=True)} for row in values]


def to_categories(outputs: torch.Tensor, dimensions: list[str], categories: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows of the head's output as ``{category: most likely value}`` (empty without categorical fields)."""
    picked = [logits.argmax(dim=1).cpu().tolist() for logits in category_logits(outputs, len(dimensions), categories)]
    return [
        {category["key"]: category["values"][picked[c][row]] for c, category in enumerate(categories)}
        for row in range(outputs.shape[0])
    ]
