"""``train``: fine-tune a student (LoRA + regression head, or generative) on a dataset's train split.

Flat on purpose, top to bottom: read and encode the data, load the model on the chosen backend, then one
loop of optimizer steps (micro-batches x gradient accumulation, AdamW, linear warmup and decay). Every step
prints a progress line; every ``checkpoint_every_steps`` steps and at each epoch's end a checkpoint is
written; validation loss is measured after each epoch and can stop training early. A rerun with the same
``--out`` resumes from the newest checkpoint. The result is the adapter in ``--out`` (PEFT layout) and
``distillery.json`` describing it.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch

from . import checkpoint, events, generative, regression
from .backends import TrainableStudent, choose_backend, load_for_training, resolve_device
from .data import file_sha256, read_dataset
from .errors import DistilleryError
from .model_card import write_model_card


def _loss_fn(head: str):
    return regression.batch_loss if head == "regression" else generative.batch_loss


def _encode(student: TrainableStudent, job: dict[str, Any], rows: list[dict[str, Any]], dimensions: list[str]) -> list[dict[str, Any]]:
    max_length = job["student"]["hyperparameters"]["max_length"]
    if student.head == "regression":
        return regression.encode_rows(student.tokenizer, rows, dimensions, max_length)
    return generative.encode_rows(student.tokenizer, generative.system_prompt(job["filter"]), rows, dimensions, max_length)


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
def validation_mae(student: TrainableStudent, examples: list[dict[str, Any]], dimensions: list[str], batch_size: int) -> dict[str, float]:
    """Regression only: mean absolute error per dimension on the 0-10 scale."""
    student.peft_model.eval()
    errors = torch.zeros(len(dimensions))
    for start in range(0, len(examples), batch_size):
        batch = examples[start : start + batch_size]
        ids, mask = regression.pad_batch([e["input_ids"] for e in batch], student.tokenizer.pad_token_id, student.device)
        predicted = regression.forward_scores(student.backbone(), student.score_head(), ids, mask).float().cpu()
        targets = torch.tensor([e["targets"] for e in batch])
        errors += (predicted.clamp(0, 1) - targets).abs().sum(dim=0) * regression.SCORE_SCALE
    student.peft_model.train()
    return {d: round(float(e) / len(examples), 4) for d, e in zip(dimensions, errors, strict=True)}


def _gpu_mem_gb(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None


def train(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    filter_package, settings = job["filter"], job["student"]
    hyper = settings["hyperparameters"]
    head = settings["kind"]
    if head not in ("regression", "generative"):
        raise DistilleryError("student.unsupported", f"job field 'student.kind': '{head}' is not trained by this command")
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    data_hashes = {"train": file_sha256(job["data"]["train"]), "validation": file_sha256(job["data"]["validation"])}

    device = resolve_device(job["device"])
    backend = choose_backend(device)
    events.emit({"event": "log", "message": f"training a {head} student of {settings['base_model']} with {backend} on {device}"})
    student = load_for_training(job, head, len(dimensions), device, backend)
    train_examples = _encode(student, job, train_rows, dimensions)
    validation_examples = _encode(student, job, validation_rows, dimensions)

    batch_size, accumulation = hyper["batch_size"], hyper["gradient_accumulation"]
    steps_per_epoch = math.ceil(len(train_examples) / (batch_size * accumulation))
    total_steps = max(math.ceil(steps_per_epoch * hyper["epochs"]), 1)
    optimizer = torch.optim.AdamW(student.trainable_parameters(), lr=hyper["learning_rate"], weight_decay=hyper["weight_decay"])
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, round(hyper["warmup_ratio"] * total_steps), total_steps)
    fingerprint = {"data": data_hashes, "base_model": settings["base_model"], "head": head, "hyperparameters": hyper}
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
    if head == "regression":
        metrics["validation_mae"] = validation_mae(student, validation_examples, dimensions, batch_size)
    card = write_model_card(
        out_dir, job=job, head=head, backend=backend, dimensions=dimensions, data_hashes=data_hashes,
        rows={"train": len(train_rows), "validation": len(validation_rows)}, metrics=metrics, steps=state["step"],
    )
    return {
        "command": "train",
        "job_id": job["job_id"],
        "backend": backend,
        "device": str(device),
        "head": head,
        "model_dir": str(out_dir),
        "steps": state["step"],
        "total_steps": total_steps,
        "resumed_from_step": first_step if resumed_from is not None else None,
        "stopped_early": state["stopped_early"],
        "losses": state["losses"],
        "metrics": metrics,
        "distillery": card,
    }
