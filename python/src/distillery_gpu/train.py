"""``train``: fine-tune a student (LoRA + regression head, or generative) on a dataset's train split.

Flat on purpose, top to bottom: read and encode the data, load the model on the chosen backend, then one
loop of optimizer steps (micro-batches x gradient accumulation, AdamW, linear warmup and decay). Every step
prints a progress line; every ``checkpoint_every_steps`` steps and at each epoch's end a checkpoint is
written; validation loss is measured after each epoch and can stop training early. A rerun with the same
``--out`` resumes from the newest checkpoint. The result is the adapter in ``--out`` (PEFT layout) and
``distillery.json`` describing it; ``result.json`` is ``python-result.json``'s train branch: the loss per
step with the validation loss at each epoch's end as the training curve, and the held-out validation
split's MAE per dimension and category accuracy (regression) beside the lexical baseline's on the same rows.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch

from . import checkpoint, events, generative, regression
from .backends import TrainableStudent, choose_backend, load_for_training, resolve_device
from .data import file_sha256, max_article_chars, read_dataset
from .errors import DistilleryError
from .model_card import category_fields, write_model_card

#: Most points a training curve carries (evenly spaced steps, plus every step with a validation loss).
MAX_CURVE_POINTS = 1000


def _loss_fn(head: str):
    return regression.batch_loss if head == "regression" else generative.batch_loss


def _encode(student: TrainableStudent, job: dict[str, Any], rows: list[dict[str, Any]], dimensions: list[str]) -> list[dict[str, Any]]:
    max_length = job["student"]["hyperparameters"]["max_length"]
    if student.head == "regression":
        return regression.encode_rows(student.tokenizer, rows, dimensions, max_length, student.categories)
    system = generative.system_prompt(job["filter"])
    return generative.encode_rows(student.tokenizer, system, rows, dimensions, max_length, student.categories)


@torch.no_grad()
def validation_loss(student: TrainableStudent, examples: list[dict[str, Any]], batch_size: int) -> float:
    student.peft_model.eval()
    loss_fn = _loss_fn(student.head)
    total = 0.0
    for start in range(0, len(examples), batch_size):
        batch = examples[start : start + batch_size]
        loss, _ = loss_fn(student, batch)
        total += float(loss) * len(batch)
    student.peft_model.train()
    return total / len(examples)


@torch.no_grad()
def validation_figures(
    student: TrainableStudent, examples: list[dict[str, Any]], dimensions: list[str], batch_size: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Regression only: mean absolute error per dimension on the 0-10 scale, and per categorical field the
    share of examples (with an oracle category) whose most likely value is the oracle's."""
    student.peft_model.eval()
    errors = torch.zeros(len(dimensions))
    right = [0] * len(student.categories)
    labelled = [0] * len(student.categories)
    for start in range(0, len(examples), batch_size):
        batch = examples[start : start + batch_size]
        ids, mask = regression.pad_batch([e["input_ids"] for e in batch], student.tokenizer.pad_token_id, student.device)
        outputs = regression.forward_scores(student.backbone(), student.score_head(), ids, mask).float().cpu()
        targets = torch.tensor([e["targets"] for e in batch])
        errors += (outputs[:, : len(dimensions)].clamp(0, 1) - targets).abs().sum(dim=0) * regression.SCORE_SCALE
        for index, logits in enumerate(regression.category_logits(outputs, len(dimensions), student.categories)):
            labels = torch.tensor([e["category_targets"][index] for e in batch])
            known = labels != regression.NO_CATEGORY
            labelled[index] += int(known.sum())
            right[index] += int((logits.argmax(dim=1)[known] == labels[known]).sum())
    student.peft_model.train()
    mae = {d: round(float(e) / len(examples), 4) for d, e in zip(dimensions, errors, strict=True)}
    accuracy = {c["key"]: round(right[i] / labelled[i], 4) for i, c in enumerate(student.categories) if labelled[i]}
    return mae, accuracy


def training_curve(losses: list[float], epochs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The loss of every optimizer step (at most ``MAX_CURVE_POINTS``, evenly spaced) with the validation
    loss at the steps where an epoch ended."""
    if not losses:
        return None
    validation = {e["step"]: e["validation_loss"] for e in epochs}
    steps = set(range(1, len(losses) + 1))
    if len(losses) > MAX_CURVE_POINTS:
        spacing = (len(losses) - 1) / (MAX_CURVE_POINTS - 1)
        steps = {1 + round(i * spacing) for i in range(MAX_CURVE_POINTS)} | (set(validation) & steps)
    return {
        "unit": "step",
        "points": [{"x": step, "loss": losses[step - 1], "val_loss": validation.get(step)} for step in sorted(steps)],
    }


def artifact_bytes(out_dir: Path) -> int:
    """Bytes of what the node uploads from ``out_dir``: everything but checkpoints and the result."""
    total = 0
    for path in out_dir.rglob("*"):
        relative = path.relative_to(out_dir)
        if relative.parts[0] == checkpoint.checkpoints_dir(out_dir).name or path.name == "result.json" or path.suffix == ".tmp":
            continue
        if path.is_file():
            total += path.stat().st_size
    return total


def _lexical_validation_mae(
    train_rows: list[dict[str, Any]], validation_rows: list[dict[str, Any]], dimensions: list[str], max_chars: int | None
) -> float | None:
    """The lexical baseline's dimension MAE on the validation split (fitted on train), or None without it."""
    from .evaluate import lexical_baseline

    predictions = lexical_baseline(train_rows, validation_rows, dimensions, None, max_chars)
    if predictions is None:
        return None
    per_dimension = [
        sum(abs(p["scores"][d] - float(r["scores"][d])) for p, r in zip(predictions, validation_rows, strict=True)) / len(validation_rows)
        for d in dimensions
    ]
    return round(sum(per_dimension) / len(per_dimension), 4)


def _gpu_mem_gb(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None


def train(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    filter_package, settings = job["filter"], job["student"]
    hyper = settings["hyperparameters"]
    head = settings["kind"]
    if head not in ("regression", "generative"):
        raise DistilleryError("student.unsupported", f"job field 'student.kind': '{head}' is not trained by this command")
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    categories = category_fields(filter_package)
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    data_hashes = {"train": file_sha256(job["data"]["train"]), "validation": file_sha256(job["data"]["validation"])}

    device = resolve_device(job["device"])
    backend = choose_backend(device)
    events.emit({"event": "log", "message": f"training a {head} student of {settings['base_model']} with {backend} on {device}"})
    num_labels = regression.num_outputs(dimensions, categories) if head == "regression" else len(dimensions)
    student = load_for_training(job, head, num_labels, device, backend, categories)
    train_examples = _encode(student, job, train_rows, dimensions)
    validation_examples = _encode(student, job, validation_rows, dimensions)

    batch_size, accumulation = hyper["batch_size"], hyper["gradient_accumulation"]
    steps_per_epoch = math.ceil(len(train_examples) / (batch_size * accumulation))
    total_steps = max(math.ceil(steps_per_epoch * hyper["epochs"]), 1)
    optimizer = torch.optim.AdamW(student.trainable_parameters(), lr=hyper["learning_rate"], weight_decay=hyper["weight_decay"])
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, round(hyper["warmup_ratio"] * total_steps), total_steps)
    fingerprint = {"data": data_hashes, "base_model": settings["base_model"], "head": head, "hyperparameters": hyper}
    if categories:  # they shape the head (regression) and the completions (generative)
        fingerprint["categories"] = categories
    state: dict[str, Any] = {"step": 0, "fingerprint": fingerprint, "losses": [], "epochs": [], "best": None, "stale_epochs": 0, "stopped_early": False}
    resumed_from = checkpoint.latest(out_dir)
    if resumed_from is not None:
        state = checkpoint.restore(resumed_from, student, optimizer, scheduler, fingerprint)
        events.emit({"event": "log", "message": f"resuming from {resumed_from.name} (step {state['step']} of {total_steps})"})

    loss_fn = _loss_fn(head)
    patience = job["early_stopping_patience"]
    throughput = events.Throughput()
    first_step = state["step"]
    student.peft_model.train()
    last_print = 0.0
    while state["step"] < total_steps and not state["stopped_early"]:
        epoch = state["step"] // steps_per_epoch
        order = torch.randperm(len(train_examples), generator=torch.Generator().manual_seed(hyper["seed"] + epoch)).tolist()
        for position in range(state["step"] - epoch * steps_per_epoch, steps_per_epoch):
            if state["step"] >= total_steps:
                break
            group = order[position * batch_size * accumulation : (position + 1) * batch_size * accumulation]
            step_loss, step_tokens = 0.0, 0
            for start in range(0, len(group), batch_size):
                micro = [train_examples[i] for i in group[start : start + batch_size]]
                loss, tokens = loss_fn(student, micro)
                (loss * len(micro) / len(group)).backward()
                step_loss += float(loss.detach()) * len(micro) / len(group)
                step_tokens += tokens
            torch.nn.utils.clip_grad_norm_(student.trainable_parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            state["losses"].append(round(step_loss, 6))
            throughput.add(len(group), step_tokens)
            now = time.perf_counter()
            if now - last_print >= 0.5 or state["step"] == total_steps:
                last_print = now
                per_s, tokens_per_s, eta = throughput.rates(state["step"] - first_step, total_steps - state["step"])
                events.progress(
                    step=state["step"], total=total_steps, loss=step_loss, examples_per_s=per_s,
                    tokens_per_s=tokens_per_s, eta_s=eta, gpu_mem_gb=_gpu_mem_gb(device),
                )
            if state["step"] % job["checkpoint_every_steps"] == 0:
                checkpoint.save(out_dir, student, optimizer, scheduler, state)
        epoch_done = state["step"] % steps_per_epoch == 0 or state["step"] >= total_steps
        if epoch_done:
            val = validation_loss(student, validation_examples, batch_size)
            state["epochs"].append({"epoch": len(state["epochs"]) + 1, "step": state["step"], "validation_loss": round(val, 6)})
            events.emit({"event": "log", "message": f"epoch {len(state['epochs'])}: validation loss {val:.5f}"})
            if state["best"] is None or val < state["best"]["validation_loss"]:
                state["best"] = {"validation_loss": val, "step": state["step"]}
                state["stale_epochs"] = 0
                if patience is not None:
                    student.save_adapter(out_dir / "checkpoints" / "best")
            else:
                state["stale_epochs"] += 1
                if patience is not None and state["stale_epochs"] >= patience:
                    state["stopped_early"] = True
                    events.emit({"event": "log", "message": f"early stop: no better validation loss for {patience} epochs"})
            checkpoint.save(out_dir, student, optimizer, scheduler, state)

    if patience is not None and (out_dir / "checkpoints" / "best").is_dir():
        student.load_adapter_state(out_dir / "checkpoints" / "best" / "adapter_model.safetensors")
    student.save_adapter(out_dir)
    metrics: dict[str, Any] = {
        "train_loss_first": state["losses"][0] if state["losses"] else None,
        "train_loss_last": state["losses"][-1] if state["losses"] else None,
        "validation_loss": state["best"]["validation_loss"] if state["best"] else None,
        "epochs": state["epochs"],
    }
    missing: dict[str, str] = {
        "calibration": f"the {head} student has no isotonic calibration: its scores are the model's own outputs",
    }
    validation: dict[str, Any] | None = None
    if head == "regression":
        per_dimension, category_accuracy = validation_figures(student, validation_examples, dimensions, batch_size)
        metrics["validation_mae"] = per_dimension
        metrics["validation_category_accuracy"] = category_accuracy
        method = "held-out validation split (the model never trained on it)"
        if patience is not None:
            method += "; it also picked the epoch kept by early stopping, so the figures lean optimistic"
        validation = {
            "method": method,
            "n": len(validation_rows),
            "dimension_mae": round(sum(per_dimension.values()) / len(per_dimension), 4),
            "per_dimension": per_dimension,
            "lexical_dimension_mae": _lexical_validation_mae(
                train_rows, validation_rows, dimensions, max_article_chars(filter_package)
            ),
            "category_accuracy": category_accuracy,
        }
    else:
        missing["validation"] = (
            "the generative student is validated by its loss only (scores need generation): "
            "the eval job's test split gives its MAE"
        )
    card = write_model_card(
        out_dir, job=job, head=head, backend=backend, dimensions=dimensions, data_hashes=data_hashes,
        rows={"train": len(train_rows), "validation": len(validation_rows)}, metrics=metrics, steps=state["step"],
    )
    curve = training_curve(state["losses"], state["epochs"])
    if curve is None:
        missing["training_curve"] = "no optimizer step was taken"
    return {
        "command": "train",
        "job_id": job["job_id"],
        "kind": head,
        "base_model": card["base_model"],
        "backend": backend,
        "device": str(device),
        "model_dir": str(out_dir),
        "artifact_bytes": artifact_bytes(out_dir),
        "training_curve": curve,
        "validation": validation,
        "calibration": None,
        "missing": missing,
        "details": {
            "steps": state["step"],
            "total_steps": total_steps,
            "resumed_from_step": first_step if resumed_from is not None else None,
            "stopped_early": state["stopped_early"],
            "rows": {"train": len(train_rows), "validation": len(validation_rows)},
            **metrics,
        },
    }
