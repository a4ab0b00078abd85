"""The regression student: the decoder's hidden state at an end marker through one linear head with an
output per dimension (MSE on standardised scores) followed by one logit per value of each of the
filter's categorical fields (a softmax per field, cross-entropy on the oracle's category, weighted by
``CATEGORY_LOSS_WEIGHT``).

One forward pass per article, no generation: the fast way to score a corpus. The same
:func:`forward_scores` serves training (a LoRA model) and scoring (the adapter merged into the base).
Categories are one head with the scores (PEFT saves it as the model's ``score`` layer), so an adapter
loads onto ``AutoModelForSequenceClassification(num_labels=card["num_labels"])`` as before.

The recipe, and why (docs/distill.md, "The regression student"):

- Targets are standardised per dimension (minus the train mean, over the train standard deviation,
  :class:`TargetScaling`, stored in the model card and inverted when scoring), and the head starts at
  zero: step 0 predicts every dimension's mean, and every dimension weighs the same in the MSE.
- Pooling: the article is cut to ``max_length - 1`` tokens and a fixed end marker (the tokenizer's EOS)
  is appended, in training and scoring alike; the head reads the marker's hidden state. In a causal
  decoder only the last position has seen the whole text, and a fixed token there means the head always
  reads the same kind of position, never the last word of a sentence or a truncation cut. (Mean pooling
  would average states that each saw only a prefix.)
- The head is fp32 and runs outside autocast, in training and scoring: its outputs are a few units of a
  standard deviation, which bf16's 8 bits of mantissa would round visibly.
- The decoder runs with ``use_cache=False``: one pass reads the article, nothing is generated.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import torch

from .data import article_text
from .errors import DistilleryError

#: Cards written before standardisation held outputs = score / ``SCORE_SCALE``: read as mean 0, std 10.
SCORE_SCALE = 10.0
#: Standardised scores make the MSE about 1 at the start, like a field's cross-entropy (about ln(values)):
#: equal weights.
CATEGORY_LOSS_WEIGHT = 1.0
#: The target of an article whose oracle label lacks a category: ignored by the loss.
NO_CATEGORY = -100
#: Smallest standard deviation a dimension is scaled by (0-10 scale): a dimension the oracle scored the
#: same everywhere is predicted as that score instead of dividing by zero.
MIN_TARGET_STD = 0.1


@dataclass(frozen=True)
class TargetScaling:
    """Per-dimension mean and standard deviation of the train split's scores (0-10 scale)."""

    dimensions: list[str]
    mean: list[float]
    std: list[float]

    @classmethod
    def fit(cls, rows: list[dict[str, Any]], dimensions: list[str]) -> TargetScaling:
        """The scaling of the training rows.

        >>> TargetScaling.fit([{"scores": {"a": 2}}, {"scores": {"a": 4}}], ["a"]).mean
        [3.0]
        """
        columns = [[float(r["scores"][d]) for r in rows] for d in dimensions]
        means = [statistics.fmean(c) for c in columns]
        stds = [max(statistics.pstdev(c) if len(c) > 1 else 0.0, MIN_TARGET_STD) for c in columns]
        return cls(list(dimensions), means, stds)

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> TargetScaling:
        """The scaling a model card records; a card from before standardisation reads as mean 0, std 10."""
        dimensions = card["dimensions"]
        targets = card.get("targets")
        if targets is None:
            return cls(list(dimensions), [0.0] * len(dimensions), [SCORE_SCALE] * len(dimensions))
        return cls(
            list(dimensions),
            [float(targets["mean"][d]) for d in dimensions],
            [float(targets["std"][d]) for d in dimensions],
        )

    def to_card(self) -> dict[str, dict[str, float]]:
        return {
            "mean": {d: round(m, 6) for d, m in zip(self.dimensions, self.mean, strict=True)},
            "std": {d: round(s, 6) for d, s in zip(self.dimensions, self.std, strict=True)},
        }

    def standardise(self, scores: dict[str, Any]) -> list[float]:
        return [(float(scores[d]) - m) / s for d, m, s in zip(self.dimensions, self.mean, self.std, strict=True)]

    def scores(self, outputs: torch.Tensor) -> torch.Tensor:
        """The head's score columns back on the 0-10 scale (not clamped), ``[batch, dimensions]``, fp32."""
        n = len(self.dimensions)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=outputs.device)
        std = torch.tensor(self.std, dtype=torch.float32, device=outputs.device)
        return outputs[:, :n].float() * std + mean


def num_outputs(dimensions: list[str], categories: list[dict[str, Any]]) -> int:
    """Outputs of the head: one per dimension, then one per value of each categorical field."""
    return len(dimensions) + sum(len(c["values"]) for c in categories)


def end_marker_id(tokenizer: Any) -> int:
    """The token appended after every article: the tokenizer's EOS."""
    if tokenizer.eos_token_id is None:
        raise DistilleryError(
            "student.no_end_marker",
            "the base model's tokenizer has no EOS token to mark the end of an article; "
            "use a model whose tokenizer defines one",
        )
    return int(tokenizer.eos_token_id)


def encode_texts(tokenizer: Any, texts: list[str], max_length: int, end_marker: int | None = None) -> list[list[int]]:
    """Token ids of each text, cut to ``max_length`` (the title and opening of an article matter most),
    with ``end_marker`` as the last token when given (cards from before the marker have none)."""
    if end_marker is None:
        encoded = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_length)
        return [list(ids) for ids in encoded["input_ids"]]
    encoded = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_length - 1)
    marked = []
    for ids in encoded["input_ids"]:
        ids = list(ids)
        if ids and ids[-1] == end_marker:  # a tokenizer that appends EOS itself: one marker, not two
            ids.pop()
        marked.append(ids + [end_marker])
    return marked


def category_targets(row: dict[str, Any], categories: list[dict[str, Any]]) -> list[int]:
    """Index of the oracle's value for each categorical field, or ``NO_CATEGORY`` when absent or unknown."""
    labels = row.get("categories") or {}
    targets = []
    for category in categories:
        value = labels.get(category["key"])
        targets.append(category["values"].index(value) if value in category["values"] else NO_CATEGORY)
    return targets


def encode_rows(
    tokenizer: Any,
    rows: list[dict[str, Any]],
    dimensions: list[str],
    max_length: int,
    categories: list[dict[str, Any]] | None,
    scaling: TargetScaling,
) -> list[dict[str, Any]]:
    """Training examples: ``input_ids`` ending with the end marker, the standardised ``targets`` in
    dimension order, the raw ``scores`` (for the MAE) and ``category_targets``."""
    categories = categories or []
    ids = encode_texts(tokenizer, [article_text(r) for r in rows], max_length, end_marker_id(tokenizer))
    return [
        {
            "input_ids": i,
            "targets": scaling.standardise(r["scores"]),
            "scores": [float(r["scores"][d]) for d in dimensions],
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
    """The head's outputs ``[batch, outputs]``, fp32, from the hidden state of each row's last real token
    (the end marker): standardised scores in the first ``len(dimensions)`` columns, category logits after."""
    hidden = backbone(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
    last = attention_mask.sum(dim=1) - 1
    pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    # Under bf16 autocast a Linear would run in bf16: the head stays fp32.
    with torch.autocast(device_type=pooled.device.type, enabled=False):
        return head(pooled.float())


def category_logits(outputs: torch.Tensor, n_dimensions: int, categories: list[dict[str, Any]]) -> list[torch.Tensor]:
    """The logits of each categorical field, ``[batch, values]`` each, in the filter's order."""
    groups, start = [], n_dimensions
    for category in categories:
        groups.append(outputs[:, start : start + len(category["values"])])
        start += len(category["values"])
    return groups


def batch_loss(student: Any, examples: list[dict[str, Any]]) -> tuple[torch.Tensor, int]:
    """MSE of the standardised scores plus the weighted cross-entropy of each category, for one
    micro-batch, and its number of real tokens (counted on the host: no device sync)."""
    pad_id = student.tokenizer.pad_token_id
    input_ids, mask = pad_batch([e["input_ids"] for e in examples], pad_id, student.device)
    targets = torch.tensor([e["targets"] for e in examples], dtype=torch.float32).to(student.device, non_blocking=True)
    outputs = forward_scores(student.backbone(), student.score_head(), input_ids, mask)
    n_dimensions = targets.shape[1]
    loss = torch.nn.functional.mse_loss(outputs[:, :n_dimensions], targets)
    categories = getattr(student, "categories", None) or []
    for index, logits in enumerate(category_logits(outputs, n_dimensions, categories)):
        label_list = [e["category_targets"][index] for e in examples]
        if any(label != NO_CATEGORY for label in label_list):
            labels = torch.tensor(label_list, dtype=torch.long).to(student.device, non_blocking=True)
            loss = loss + CATEGORY_LOSS_WEIGHT * torch.nn.functional.cross_entropy(
                logits, labels, ignore_index=NO_CATEGORY
            )
    return loss, sum(len(e["input_ids"]) for e in examples)


def to_scores(outputs: torch.Tensor, dimensions: list[str], scaling: TargetScaling) -> list[dict[str, float]]:
    """Rows of the head's output as ``{dimension: score}`` on the 0-10 scale (clamped to it)."""
    values = scaling.scores(outputs).clamp(0, 10).cpu().tolist()
    return [{d: round(v, 4) for d, v in zip(dimensions, row, strict=True)} for row in values]


def to_categories(
    outputs: torch.Tensor, dimensions: list[str], categories: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Rows of the head's output as ``{category: most likely value}`` (empty without categorical fields)."""
    picked = [logits.argmax(dim=1).cpu().tolist() for logits in category_logits(outputs, len(dimensions), categories)]
    return [
        {category["key"]: category["values"][picked[c][row]] for c, category in enumerate(categories)}
        for row in range(outputs.shape[0])
    ]
