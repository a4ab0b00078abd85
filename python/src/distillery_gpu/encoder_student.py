"""The ``encoder`` student: full fine-tuning of a multilingual encoder with a regression head and a category
head, the recipe behind the FineWeb-Edu classifier. Trains in minutes on one GPU and scores an order of
magnitude faster than a 1.5B decoder (one encoder pass of at most 512 tokens per article).

The model is ``student.base_model`` when the job names an encoder there, else ``DEFAULT_ENCODER``
(``intfloat/multilingual-e5-base``; an XLM-R-class model such as ``FacebookAI/xlm-roberta-large`` works
the same way). How it learns, and why:

- Mean pooling over the real tokens (what e5 was trained with), then two linear heads that start at zero.
  The score head predicts *standardised* scores (each dimension minus its train mean, over its train
  standard deviation): a zero head starts at the mean, and every dimension weighs the same in the MSE.
  The category head has one logit per value of each categorical field (cross-entropy per field).
- AdamW with linear warmup and decay. The heads learn at ``learning_rate`` and the encoder at
  ``ENCODER_LR_SHARE`` of it: the defaults are LoRA rates (2e-4), which would make a fully trained encoder
  forget what it knew.
- bf16 autocast on CUDA (weights and the heads stay fp32); batches grouped by length, so padding stays
  small, in a shuffled order.
- ``max_length`` is capped at what the encoder's position embeddings allow (512 tokens for e5 and XLM-R).

It trains on a CPU too (a small encoder, or a few thousand articles and patience); ``device: cuda`` refuses
to run without a GPU (``device.cuda_unavailable``, checked by the CLI). A rerun starts over: the run is
minutes, so it writes no mid-run checkpoints.

The artifact is one self-contained folder, uploaded like every student's: the fine-tuned encoder
(``config.json`` + ``model.safetensors``), its tokenizer, the heads (``heads.safetensors``) and
``distillery.json`` (``kind: "encoder"``, the score standardisation, the text prefix, the length).
:func:`train_encoder` is the ``train`` command; :class:`EncoderScorer` is what ``eval`` and ``infer``
score with; :func:`score_encoder` scores rows in one call: the two a benchmark times.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import re
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from . import events
from .backends import resolve_device
from .batching import length_grouped_steps, token_budget_batches
from .data import article_text, file_sha256, max_article_chars, read_dataset
from .errors import DistilleryError
from .jobfile import JOB_SCHEMA_FILE, load_schema
from .model_card import CARD_FILE, FORMAT_VERSION, category_fields
from .regression import NO_CATEGORY, category_targets, pad_batch, to_categories

KIND = "encoder"
DEFAULT_ENCODER = "intfloat/multilingual-e5-base"
#: The encoder's learning rate as a share of ``learning_rate`` (the heads').
ENCODER_LR_SHARE = 0.1
#: Standardised scores make the MSE and each field's cross-entropy about 1 at the start: equal weights.
CATEGORY_LOSS_WEIGHT = 1.0
HEADS_FILE = "heads.safetensors"
BACKEND = "transformers"


def _decoder_default() -> str | None:
    """``student.base_model``'s default in the job schema: a decoder, never this student's model."""
    for branch in load_schema(JOB_SCHEMA_FILE).get("oneOf", []):
        if branch.get("properties", {}).get("command", {}).get("const") == "train":
            return branch["properties"]["student"]["properties"]["base_model"].get("default")
    return None


def encoder_name(settings: dict[str, Any]) -> str:
    """The encoder a train job fine-tunes: ``student.base_model``, unless it is the decoder default."""
    name = settings["base_model"]
    return DEFAULT_ENCODER if name == _decoder_default() else name


def text_prefix(name: str) -> str:
    """e5 models were trained to read ``query: `` before a text to embed for classification."""
    return "query: " if re.search(r"\be5\b", name.lower()) else ""


def _max_length(requested: int, encoder: Any, tokenizer: Any) -> int:
    config = encoder.config
    # RoBERTa-style models (XLM-R, e5) number positions after the padding index: two fewer usable.
    limit = int(getattr(config, "max_position_embeddings", requested)) - (2 if "roberta" in config.model_type else 0)
    model_max = int(getattr(tokenizer, "model_max_length", limit) or limit)
    return max(8, min(requested, limit, model_max))


class EncoderModel(torch.nn.Module):
    """The encoder, mean pooling, a score head (standardised scores) and a category head (logits)."""

    def __init__(self, encoder: Any, n_dimensions: int, n_category_values: int) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.scores = torch.nn.Linear(hidden, n_dimensions)
        self.categories = torch.nn.Linear(hidden, n_category_values) if n_category_values else None
        for head in self.heads():
            torch.nn.init.zeros_(head.weight)
            torch.nn.init.zeros_(head.bias)

    def heads(self) -> list[torch.nn.Linear]:
        return [self.scores] + ([self.categories] if self.categories is not None else [])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """``[batch, dimensions + category values]``: standardised scores, then category logits."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = ((hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)).float()
        # The heads run in fp32 even under autocast: their outputs are the scores.
        with torch.autocast(device_type=input_ids.device.type, enabled=False):
            return torch.cat([head(pooled) for head in self.heads()], dim=1)

    def head_state(self) -> dict[str, torch.Tensor]:
        state = {"scores.weight": self.scores.weight, "scores.bias": self.scores.bias}
        if self.categories is not None:
            state |= {"categories.weight": self.categories.weight, "categories.bias": self.categories.bias}
        return {k: v.detach().float().cpu().contiguous() for k, v in state.items()}

    def load_head_state(self, state: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for name, tensor in state.items():
                head, field = name.split(".")
                getattr(getattr(self, head), field).copy_(tensor)


def _autocast(device: torch.device) -> Any:
    """bf16 autocast on CUDA; a no-op elsewhere (CPU bf16 matmuls are slower than fp32 on most CPUs)."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def encode(tokenizer: Any, rows: list[dict[str, Any]], prefix: str, max_length: int) -> list[list[int]]:
    """Token ids of each row's text (title, body) after ``prefix``, cut to ``max_length``."""
    texts = [prefix + article_text(row) for row in rows]
    return [list(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]


def _standardisation(rows: list[dict[str, Any]], dimensions: list[str]) -> tuple[list[float], list[float]]:
    means, stds = [], []
    for dim in dimensions:
        values = [float(r["scores"][dim]) for r in rows]
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        means.append(mean)
        stds.append(std if std > 1e-6 else 1.0)  # a constant dimension: predict its mean
    return means, stds


class _Examples:
    """Encoded rows with their standardised targets and category indices, on the CPU."""

    def __init__(
        self,
        ids: list[list[int]],
        rows: list[dict[str, Any]],
        dimensions: list[str],
        standard: tuple[list[float], list[float]],
        categories: list[dict[str, Any]],
    ) -> None:
        means, stds = standard
        self.ids = ids
        self.targets = torch.tensor(
            [[(float(r["scores"][d]) - m) / s for d, m, s in zip(dimensions, means, stds, strict=True)] for r in rows]
        )
        self.category_targets = torch.tensor([category_targets(r, categories) for r in rows], dtype=torch.long).reshape(
            len(rows), len(categories)
        )


def _loss(
    model: EncoderModel,
    examples: _Examples,
    batch: list[int],
    pad_id: int,
    categories: list[dict[str, Any]],
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The batch's loss, its outputs (detached) and its number of real tokens."""
    ids, mask = pad_batch([examples.ids[i] for i in batch], pad_id, device)
    with _autocast(device):
        outputs = model(ids, mask)
    n_dimensions = examples.targets.shape[1]
    loss = torch.nn.functional.mse_loss(outputs[:, :n_dimensions], examples.targets[batch].to(device))
    start = n_dimensions
    for index, category in enumerate(categories):
        labels = examples.category_targets[batch, index].to(device)
        logits = outputs[:, start : start + len(category["values"])]
        start += len(category["values"])
        if bool((labels != NO_CATEGORY).any()):
            loss = loss + CATEGORY_LOSS_WEIGHT * torch.nn.functional.cross_entropy(
                logits, labels, ignore_index=NO_CATEGORY
            )
    return loss, outputs.detach(), int(mask.sum())


def _destandardise(outputs: torch.Tensor, means: list[float], stds: list[float]) -> torch.Tensor:
    """Scores on the 0-10 scale (clamped to it) from the head's standardised outputs."""
    n = len(means)
    return (outputs[:, :n].float().cpu() * torch.tensor(stds) + torch.tensor(means)).clamp(0, 10)


@torch.no_grad()
def _validate(
    model: EncoderModel,
    examples: _Examples,
    rows: list[dict[str, Any]],
    dimensions: list[str],
    categories: list[dict[str, Any]],
    card: dict[str, Any],
    batch_tokens: int,
    pad_id: int,
    device: torch.device,
) -> tuple[float, dict[str, float], dict[str, float]]:
    """Validation loss, MAE per dimension (0-10 scale) and category accuracy per field."""
    model.eval()
    total_loss, errors = 0.0, torch.zeros(len(dimensions))
    right, labelled = [0] * len(categories), [0] * len(categories)
    for batch in token_budget_batches([len(i) for i in examples.ids], batch_tokens):
        loss, outputs, _ = _loss(model, examples, batch, pad_id, categories, device)
        total_loss += float(loss) * len(batch)
        scores = _destandardise(outputs, card["score_mean"], card["score_std"])
        truth = torch.tensor([[float(rows[i]["scores"][d]) for d in dimensions] for i in batch])
        errors += (scores - truth).abs().sum(dim=0)
        picked = to_categories(outputs.float().cpu(), dimensions, categories)
        for index, category in enumerate(categories):
            for row_index, prediction in zip(batch, picked, strict=True):
                target = int(examples.category_targets[row_index, index])
                if target != NO_CATEGORY:
                    labelled[index] += 1
                    right[index] += int(prediction[category["key"]] == category["values"][target])
    model.train()
    mae = {d: round(float(e) / len(rows), 4) for d, e in zip(dimensions, errors, strict=True)}
    accuracy = {c["key"]: round(right[i] / labelled[i], 4) for i, c in enumerate(categories) if labelled[i]}
    return total_loss / len(rows), mae, accuracy


def _lexical_dimension_mae(
    train_rows: list[dict[str, Any]], rows: list[dict[str, Any]], dimensions: list[str], max_chars: int
) -> float | None:
    from .evaluate import lexical_baseline

    predictions = lexical_baseline(train_rows, rows, dimensions, None, max_chars)
    if predictions is None:
        return None
    per_dimension = [
        sum(abs(p["scores"][d] - float(r["scores"][d])) for p, r in zip(predictions, rows, strict=True)) / len(rows)
        for d in dimensions
    ]
    return round(sum(per_dimension) / len(per_dimension), 4)


def _param_groups(model: EncoderModel, learning_rate: float, weight_decay: float) -> list[dict[str, Any]]:
    """Encoder weights at ``ENCODER_LR_SHARE`` of the rate, biases and norms without decay; heads at the rate."""
    decay, no_decay = [], []
    for param in model.encoder.parameters():
        (decay if param.ndim >= 2 else no_decay).append(param)
    encoder_lr = learning_rate * ENCODER_LR_SHARE
    return [
        {"params": decay, "lr": encoder_lr, "weight_decay": weight_decay},
        {"params": no_decay, "lr": encoder_lr, "weight_decay": 0.0},
        {
            "params": [p for head in model.heads() for p in head.parameters()],
            "lr": learning_rate,
            "weight_decay": weight_decay,
        },
    ]


def train_encoder(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The ``train`` command for ``student.kind: encoder``; returns ``python-result.json``'s train branch.

    >>> train_encoder(parse_job(job_document), Path("out/encoder"))["validation"]["dimension_mae"]  # doctest: +SKIP
    0.61
    """
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    from .train import artifact_bytes, training_curve

    filter_package, settings = job["filter"], job["student"]
    hyper = settings["hyperparameters"]
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    categories = category_fields(filter_package)
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    device = resolve_device(job["device"])
    name = encoder_name(settings)
    events.log(f"training an encoder student of {name} on {device} ({len(train_rows)} articles)")

    torch.manual_seed(hyper["seed"])
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        encoder = AutoModel.from_pretrained(name)
    except OSError as error:
        raise DistilleryError(
            "model.unavailable", f"the encoder '{name}' cannot be loaded (student.base_model): {error}"
        ) from error
    max_length = _max_length(hyper["max_length"], encoder, tokenizer)
    prefix = text_prefix(name)
    means, stds = _standardisation(train_rows, dimensions)
    card: dict[str, Any] = {"score_mean": means, "score_std": stds}
    train_examples = _Examples(
        encode(tokenizer, train_rows, prefix, max_length), train_rows, dimensions, (means, stds), categories
    )
    validation_examples = _Examples(
        encode(tokenizer, validation_rows, prefix, max_length), validation_rows, dimensions, (means, stds), categories
    )
    model = EncoderModel(encoder, len(dimensions), sum(len(c["values"]) for c in categories)).to(device)
    model.train()

    batch_size, accumulation = hyper["batch_size"], hyper["gradient_accumulation"]
    steps_per_epoch = math.ceil(len(train_rows) / (batch_size * accumulation))
    total_steps = max(math.ceil(steps_per_epoch * hyper["epochs"]), 1)
    optimizer = torch.optim.AdamW(
        _param_groups(model, hyper["learning_rate"], hyper["weight_decay"]), fused=device.type == "cuda"
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, round(hyper["warmup_ratio"] * total_steps), total_steps)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    eval_tokens = max(batch_size * max_length * 4, 4096)
    patience = job["early_stopping_patience"]
    lengths = [len(i) for i in train_examples.ids]
    losses: list[float] = []
    epochs: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    stale, stopped_early, step = 0, False, 0
    throughput = events.Throughput()
    last_print = 0.0
    started = time.perf_counter()
    for epoch in range(math.ceil(hyper["epochs"])):
        if step >= total_steps or stopped_early:
            break
        # Each step's articles are of similar length (batching.length_grouped_steps), so its micro-batches pad little.
        for step_rows in length_grouped_steps(lengths, batch_size * accumulation, hyper["seed"] + epoch):
            if step >= total_steps:
                break
            group = [step_rows[i : i + batch_size] for i in range(0, len(step_rows), batch_size)]
            size = len(step_rows)
            step_loss, step_tokens = 0.0, 0
            for batch in group:
                loss, _, tokens = _loss(model, train_examples, batch, pad_id, categories, device)
                (loss * len(batch) / size).backward()
                step_loss += float(loss.detach()) * len(batch) / size
                step_tokens += tokens
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            losses.append(round(step_loss, 6))
            throughput.add(size, step_tokens)
            now = time.perf_counter()
            if now - last_print >= 0.5 or step == total_steps:
                last_print = now
                per_s, tokens_per_s, eta = throughput.rates(step, total_steps - step)
                events.progress(
                    step=step,
                    total=total_steps,
                    loss=step_loss,
                    examples_per_s=per_s,
                    tokens_per_s=tokens_per_s,
                    eta_s=eta,
                    gpu_mem_gb=torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None,
                )
        val_loss, _, _ = _validate(
            model, validation_examples, validation_rows, dimensions, categories, card, eval_tokens, pad_id, device
        )
        epochs.append({"epoch": len(epochs) + 1, "step": step, "validation_loss": round(val_loss, 6)})
        events.log(f"epoch {len(epochs)}: validation loss {val_loss:.5f}")
        if best is None or val_loss < best["validation_loss"]:
            # Only early stopping keeps the best epoch's weights (a copy of the whole encoder).
            best = {
                "validation_loss": val_loss,
                "step": step,
                "state": copy.deepcopy(model.state_dict()) if patience is not None else None,
            }
            stale = 0
        else:
            stale += 1
            if patience is not None and stale >= patience:
                stopped_early = True
                events.log(f"early stop: no better validation loss for {patience} epochs")
    if best is not None and best["state"] is not None:
        model.load_state_dict(best["state"])
    train_seconds = time.perf_counter() - started

    _, per_dimension, category_accuracy = _validate(
        model, validation_examples, validation_rows, dimensions, categories, card, eval_tokens, pad_id, device
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    save_file(model.head_state(), str(out_dir / HEADS_FILE), metadata={"format": "pt"})
    metrics = {
        "train_loss_first": losses[0] if losses else None,
        "train_loss_last": losses[-1] if losses else None,
        "validation_loss": round(best["validation_loss"], 6) if best else None,
        "epochs": epochs,
        "validation_mae": per_dimension,
        "validation_category_accuracy": category_accuracy,
    }
    data_hashes = {"train": file_sha256(job["data"]["train"]), "validation": file_sha256(job["data"]["validation"])}
    rows = {"train": len(train_rows), "validation": len(validation_rows)}
    card |= {
        "format": FORMAT_VERSION,
        "filter": {"name": filter_package["name"], "version": filter_package["version"]},
        "kind": KIND,
        "head": KIND,
        "base_model": name,
        "backend": BACKEND,
        "dimensions": dimensions,
        "categories": categories,
        "max_article_chars": max_article_chars(filter_package),
        "max_length": max_length,
        "text_prefix": prefix,
        "hyperparameters": hyper,
        "encoder_lr_share": ENCODER_LR_SHARE,
        "data": {split: {"sha256": digest, "rows": rows[split]} for split, digest in data_hashes.items()},
        "steps": step,
        "metrics": metrics,
        "job_id": job["job_id"],
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")

    method = "held-out validation split (the model never trained on it)"
    if patience is not None:
        method += "; it also picked the epoch kept by early stopping, so the figures lean optimistic"
    missing = {"calibration": "the encoder student has no isotonic calibration: its scores are the model's own outputs"}
    curve = training_curve(losses, epochs)
    if curve is None:
        missing["training_curve"] = "no optimizer step was taken"
    return {
        "command": "train",
        "job_id": job["job_id"],
        "kind": KIND,
        "base_model": name,
        "backend": BACKEND,
        "device": str(device),
        "model_dir": str(out_dir),
        "artifact_bytes": artifact_bytes(out_dir),
        "training_curve": curve,
        "validation": {
            "method": method,
            "n": len(validation_rows),
            "dimension_mae": round(sum(per_dimension.values()) / len(per_dimension), 4),
            "per_dimension": per_dimension,
            "lexical_dimension_mae": _lexical_dimension_mae(
                train_rows, validation_rows, dimensions, card["max_article_chars"]
            ),
            "category_accuracy": category_accuracy,
        },
        "calibration": None,
        "missing": missing,
        "details": {
            "steps": step,
            "total_steps": total_steps,
            "stopped_early": stopped_early,
            "rows": rows,
            "max_length": max_length,
            "train_seconds": round(train_seconds, 2),
            **metrics,
        },
    }


def read_encoder_card(model_dir: str | Path) -> dict[str, Any]:
    """``distillery.json`` of an encoder student; ``model.missing`` / ``model.invalid`` otherwise."""
    path = Path(model_dir) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DistilleryError("model.missing", f"job field 'model_dir': {path} not found (train writes it)") from error
    except json.JSONDecodeError as error:
        raise DistilleryError("model.invalid", f"{path} is not JSON: {error.msg}") from error
    if card.get("format") != FORMAT_VERSION or card.get("kind") != KIND:
        raise DistilleryError("model.invalid", f"{path}: not an encoder student of format {FORMAT_VERSION}")
    return card


class EncoderScorer:
    """A trained encoder student loaded for scoring: the interface of :class:`scorer.Scorer`.

    >>> scorer = EncoderScorer("out/encoder", device="auto")  # doctest: +SKIP
    >>> scorer.predict([{"id": "a1", "title": "...", "body": "..."}], batch_tokens=16384)  # doctest: +SKIP
    """

    def __init__(self, model_dir: str | Path, device: str = "auto") -> None:
        from transformers import AutoModel, AutoTokenizer

        self.model_dir = Path(model_dir)
        self.card = read_encoder_card(model_dir)
        self.kind = self.head = KIND
        self.engine = BACKEND
        self.dimensions = self.card["dimensions"]
        self.categories = self.card["categories"]
        self.device = resolve_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        encoder = AutoModel.from_pretrained(str(self.model_dir))
        self.model = EncoderModel(encoder, len(self.dimensions), sum(len(c["values"]) for c in self.categories))
        self.model.load_head_state(load_file(str(self.model_dir / HEADS_FILE)))
        self.model.to(self.device).eval()
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    @torch.inference_mode()
    def predict(
        self, rows: list[dict[str, Any]], batch_tokens: int, id_field: str = "id"
    ) -> tuple[list[dict[str, Any]], int]:
        """Predictions (shared/schemas/prediction.json) for ``rows`` in their order, and the tokens read."""
        encoded = encode(self.tokenizer, rows, self.card["text_prefix"], self.card["max_length"])
        lengths = [len(ids) for ids in encoded]
        results: list[dict[str, Any]] = [{} for _ in rows]
        for batch in token_budget_batches(lengths, batch_tokens):
            ids, mask = pad_batch([encoded[i] for i in batch], self.pad_id, self.device)
            with _autocast(self.device):
                outputs = self.model(ids, mask).float().cpu()
            scores = _destandardise(outputs, self.card["score_mean"], self.card["score_std"]).tolist()
            picked = to_categories(outputs, self.dimensions, self.categories)
            for index, row_scores, row_categories in zip(batch, scores, picked, strict=True):
                result: dict[str, Any] = {
                    "scores": {d: round(v, 4) for d, v in zip(self.dimensions, row_scores, strict=True)}
                }
                if row_categories:
                    result["categories"] = row_categories
                results[index] = result
        return [{"article_id": row[id_field], **result} for row, result in zip(rows, results, strict=True)], sum(
            lengths
        )


def score_encoder(
    model_dir: str | Path,
    rows: list[dict[str, Any]],
    *,
    device: str = "auto",
    batch_tokens: int = 16_384,
    id_field: str = "id",
) -> tuple[list[dict[str, Any]], int]:
    """Loads the encoder student in ``model_dir`` and scores ``rows``: predictions and tokens read.

    >>> predictions, tokens = score_encoder("out/encoder", [{"id": "a1", "title": "t", "body": "b"}])  # doctest: +SKIP
    """
    return EncoderScorer(model_dir, device).predict(rows, batch_tokens, id_field)
