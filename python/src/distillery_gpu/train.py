"""``train``: fine-tune a student (LoRA + regression head, or generative) on a dataset's train split.

Flat on purpose, top to bottom: read and encode the data, load the model on the chosen backend, then one
loop of optimizer steps (AdamW, fused on a GPU, linear warmup and decay). A step is ``batch_size x
gradient_accumulation`` articles of similar length (:func:`batching.length_grouped_steps`), cut into
micro-batches by the token budget the GPU's memory allows (:mod:`budget`), run under bf16 autocast when
the base is bf16. The loop never waits for the GPU between steps: losses stay on the device until a
progress line, a checkpoint or an epoch's end reads them. Every progress line (at most every
``LOG_INTERVAL_S``, and at the first and last step) comes with a log line, nanoGPT-style::

    step 40/300: loss 0.4121, 812 ms/step, 21,480 tokens/s, MFU 43.1%

MFU counts the model FLOPs of real tokens (:mod:`archs`) over the GPU's dense bf16 peak (:mod:`gpus`,
or ``DISTILLERY_PEAK_TFLOPS``); padding and checkpointing's recompute are not counted (the result's
``details.throughput.hfu`` counts the recompute). Every ``checkpoint_every_steps`` steps and at each
epoch's end a checkpoint is written; validation loss is measured after each epoch and can stop training
early. A rerun with the same ``--out`` resumes from the newest checkpoint. The result is the adapter in
``--out`` (PEFT layout) and ``distillery.json`` describing it; ``result.json`` is ``python-result.json``'s train branch:
the loss per step with the validation loss at each epoch's end as the training curve, and the held-out validation
split's MAE per dimension and category accuracy (regression) beside the lexical baseline's on the same rows.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from . import checkpoint, events, generative, regression
from .archs import Arch
from .backends import TrainableStudent, choose_backend, load_for_training, resolve_device
from .batching import length_grouped_steps, token_budget_batches
from .data import file_sha256, max_article_chars, read_dataset
from .errors import DistilleryError
from .gpus import device_peak_flops
from .model_card import category_fields, write_model_card

#: Most points a training curve carries (evenly spaced steps, plus every step with a validation loss).
MAX_CURVE_POINTS = 1000
#: The training recipe's version, part of a checkpoint's fingerprint: a checkpoint of an older recipe
#: (unscaled targets, one optimizer group) is refused (``checkpoint.mismatch``) instead of resumed wrongly.
RECIPE = 2
#: Seconds between progress lines: each one waits for the GPU once to read the losses.
LOG_INTERVAL_S = 2.0


def _loss_fn(head: str):
    return regression.batch_loss if head == "regression" else generative.batch_loss


def _encode(
    student: TrainableStudent, job: dict[str, Any], rows: list[dict[str, Any]], dimensions: list[str]
) -> list[dict[str, Any]]:
    max_length = job["student"]["hyperparameters"]["max_length"]
    if student.head == "regression":
        return regression.encode_rows(
            student.tokenizer, rows, dimensions, max_length, student.categories, student.scaling
        )
    system = generative.system_prompt(job["filter"])
    return generative.encode_rows(student.tokenizer, system, rows, dimensions, max_length, student.categories)


def micro_batches(student: TrainableStudent, examples: list[dict[str, Any]], indices: list[int]) -> list[list[int]]:
    """``indices`` cut into micro-batches of at most the plan's tokens (padded), longest first."""
    lengths = [len(examples[i]["input_ids"]) for i in indices]
    batches = token_budget_batches(lengths, student.plan.micro_batch_tokens, student.micro_batch_rows)
    return [[indices[j] for j in batch] for batch in batches]


def train_flops_per_example(spec: Arch, length: int, head: str, checkpointing: bool) -> tuple[int, int]:
    """Model FLOPs (for MFU) and hardware FLOPs (with checkpointing's recompute, for HFU) of one training
    example of ``length`` tokens. The generative student also runs its LM head (``4 x vocab x hidden`` a
    token forward and backward); the regression head is negligible."""
    per_token = spec.lora_train_flops_per_token(length) + (4 * spec.vocab * spec.hidden if head == "generative" else 0)
    recompute = spec.recompute_flops_per_token(length) if checkpointing else 0
    return per_token * length, (per_token + recompute) * length


@torch.no_grad()
def validation_loss(student: TrainableStudent, examples: list[dict[str, Any]]) -> float:
    student.peft_model.eval()
    loss_fn = _loss_fn(student.head)
    total = torch.zeros((), device=student.device)
    for batch in micro_batches(student, examples, list(range(len(examples)))):
        with student.autocast():
            loss, _ = loss_fn(student, [examples[i] for i in batch])
        total += loss.detach().float() * len(batch)
    student.peft_model.train()
    return float(total) / len(examples)


@torch.no_grad()
def validation_predictions(student: TrainableStudent, examples: list[dict[str, Any]]) -> torch.Tensor:
    """Regression only: the head's outputs for ``examples`` in their order, ``[n, outputs]`` fp32 on the
    CPU, the score columns back on the 0-10 scale (clamped); what the saved model scores, too."""
    student.peft_model.eval()
    n_dimensions = len(student.scaling.dimensions)
    rows: list[torch.Tensor | None] = [None] * len(examples)
    for batch in micro_batches(student, examples, list(range(len(examples)))):
        ids, mask = regression.pad_batch(
            [examples[i]["input_ids"] for i in batch], student.tokenizer.pad_token_id, student.device
        )
        with student.autocast():
            outputs = regression.forward_scores(student.backbone(), student.score_head(), ids, mask)
        scores = student.scaling.scores(outputs).clamp(0, 10)
        outputs = torch.cat([scores, outputs[:, n_dimensions:]], dim=1).cpu()
        for position, index in enumerate(batch):
            rows[index] = outputs[position]
    student.peft_model.train()
    return torch.stack([r for r in rows if r is not None])


def validation_figures(
    student: TrainableStudent, examples: list[dict[str, Any]], dimensions: list[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Regression only: mean absolute error per dimension on the 0-10 scale, and per categorical field the
    share of examples (with an oracle category) whose most likely value is the oracle's."""
    outputs = validation_predictions(student, examples)
    targets = torch.tensor([e["scores"] for e in examples])
    errors = (outputs[:, : len(dimensions)] - targets).abs().mean(dim=0)
    mae = {d: round(float(e), 4) for d, e in zip(dimensions, errors, strict=True)}
    accuracy = {}
    for index, logits in enumerate(regression.category_logits(outputs, len(dimensions), student.categories)):
        labels = torch.tensor([e["category_targets"][index] for e in examples])
        known = labels != regression.NO_CATEGORY
        if int(known.sum()):
            right = int((logits.argmax(dim=1)[known] == labels[known]).sum())
            accuracy[student.categories[index]["key"]] = round(right / int(known.sum()), 4)
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
        if (
            relative.parts[0] == checkpoint.checkpoints_dir(out_dir).name
            or path.name == "result.json"
            or path.suffix == ".tmp"
        ):
            continue
        if path.is_file():
            total += path.stat().st_size
    return total


def _lexical_validation_mae(
    train_rows: list[dict[str, Any]],
    validation_rows: list[dict[str, Any]],
    dimensions: list[str],
    max_chars: int | None,
) -> float | None:
    """The lexical baseline's dimension MAE on the validation split (fitted on train), or None without it."""
    from .evaluate import lexical_baseline

    predictions = lexical_baseline(train_rows, validation_rows, dimensions, None, max_chars)
    if predictions is None:
        return None
    per_dimension = [
        sum(abs(p["scores"][d] - float(r["scores"][d])) for p, r in zip(predictions, validation_rows, strict=True))
        / len(validation_rows)
        for d in dimensions
    ]
    return round(sum(per_dimension) / len(per_dimension), 4)


def _gpu_mem_gb(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None


class _Meter:
    """Steps, real and padded tokens, and FLOPs between two progress lines. The run's figures are the sum
    of every window but the first (which holds CUDA's warm-up), or the first when it is the only one."""

    KEYS = ("steps", "examples", "tokens", "padded", "flops", "hardware_flops")

    def __init__(self) -> None:
        self.window = dict.fromkeys(self.KEYS, 0)
        self.closed: list[dict[str, float]] = []
        self.since = time.perf_counter()

    def add(self, examples: int, tokens: int, padded: int, flops: int, hardware_flops: int) -> None:
        for key, value in zip(self.KEYS, (1, examples, tokens, padded, flops, hardware_flops), strict=True):
            self.window[key] += value

    def close_window(self) -> dict[str, float]:
        """The window's figures (call once the GPU caught up); starts the next window."""
        now = time.perf_counter()
        figures = {**self.window, "seconds": max(now - self.since, 1e-9)}
        self.closed.append(figures)
        self.window = dict.fromkeys(self.KEYS, 0)
        self.since = now
        return figures

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent inside (validation, checkpoints) is not training time. Flush the losses first, so
        the GPU has finished the steps before the pause starts."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.since += time.perf_counter() - start

    def run(self) -> dict[str, float] | None:
        windows = self.closed[1:] or self.closed
        if not windows:
            return None
        return {key: sum(w[key] for w in windows) for key in (*self.KEYS, "seconds")}


def _rates(figures: dict[str, float], peak: float | None) -> dict[str, float | None]:
    seconds = figures["seconds"]
    steps = max(int(figures["steps"]), 1)
    return {
        "step_time_s": round(seconds / steps, 4),
        "examples_per_s": round(figures["examples"] / seconds, 2),
        "tokens_per_s": round(figures["tokens"] / seconds, 1),
        "mfu": round(figures["flops"] / seconds / peak, 4) if peak else None,
        "hfu": round(figures["hardware_flops"] / seconds / peak, 4) if peak else None,
        "padding_share": round(1 - figures["tokens"] / figures["padded"], 4) if figures["padded"] else 0.0,
    }


def _end_epoch(
    student: TrainableStudent,
    examples: list[dict[str, Any]],
    state: dict[str, Any],
    patience: int | None,
    out_dir: Path,
) -> None:
    """Validation loss at an epoch's end; keeps the best adapter and decides early stopping."""
    val = validation_loss(student, examples)
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


def _flush_losses(pending: list[torch.Tensor], state: dict[str, Any]) -> None:
    """Moves the losses still on the device into ``state`` (one wait for the GPU)."""
    if pending:
        state["losses"].extend(round(v, 6) for v in torch.stack(pending).float().cpu().tolist())
        pending.clear()


def train(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    filter_package, settings = job["filter"], job["student"]
    hyper = settings["hyperparameters"]
    head = settings["kind"]
    if head not in ("regression", "generative"):
        raise DistilleryError(
            "student.unsupported", f"job field 'student.kind': '{head}' is not trained by this command"
        )
    dimensions = [d["key"] for d in filter_package["dimensions"]]
    categories = category_fields(filter_package)
    train_rows = read_dataset(job["data"]["train"], dimensions)
    validation_rows = read_dataset(job["data"]["validation"], dimensions)
    data_hashes = {"train": file_sha256(job["data"]["train"]), "validation": file_sha256(job["data"]["validation"])}

    device = resolve_device(job["device"])
    backend = choose_backend(device)
    events.emit(
        {"event": "log", "message": f"training a {head} student of {settings['base_model']} with {backend} on {device}"}
    )
    num_labels = regression.num_outputs(dimensions, categories) if head == "regression" else len(dimensions)
    student = load_for_training(job, head, num_labels, device, backend, categories)
    if head == "regression":
        student.scaling = regression.TargetScaling.fit(train_rows, dimensions)
    train_examples = _encode(student, job, train_rows, dimensions)
    validation_examples = _encode(student, job, validation_rows, dimensions)
    plan = student.plan
    events.emit(
        {
            "event": "log",
            "message": (
                f"micro-batches of up to {plan.micro_batch_tokens} tokens, activation checkpointing "
                f"{'on' if plan.checkpointing else 'off'}, {student.training['dtype']}"
                + (f", {student.training['quantization']}" if student.training["quantization"] else "")
            ),
        }
    )

    step_size = hyper["batch_size"] * hyper["gradient_accumulation"]
    steps_per_epoch = math.ceil(len(train_examples) / step_size)
    total_steps = max(math.ceil(steps_per_epoch * hyper["epochs"]), 1)
    optimizer = torch.optim.AdamW(
        student.parameter_groups(hyper["learning_rate"], hyper["weight_decay"]),
        lr=hyper["learning_rate"],
        fused=device.type == "cuda",
    )
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, round(hyper["warmup_ratio"] * total_steps), total_steps)
    fingerprint = {
        "data": data_hashes,
        "base_model": settings["base_model"],
        "head": head,
        "hyperparameters": hyper,
        "recipe": RECIPE,
    }
    if categories:  # they shape the head (regression) and the completions (generative)
        fingerprint["categories"] = categories
    state: dict[str, Any] = {
        "step": 0,
        "fingerprint": fingerprint,
        "losses": [],
        "epochs": [],
        "best": None,
        "stale_epochs": 0,
        "stopped_early": False,
    }
    resumed_from = checkpoint.latest(out_dir)
    if resumed_from is not None:
        state = checkpoint.restore(resumed_from, student, optimizer, scheduler, fingerprint)
        events.emit(
            {"event": "log", "message": f"resuming from {resumed_from.name} (step {state['step']} of {total_steps})"}
        )

    loss_fn = _loss_fn(head)
    patience = job["early_stopping_patience"]
    peak = device_peak_flops(device)
    lengths = [len(e["input_ids"]) for e in train_examples]
    flops = [train_flops_per_example(student.arch, n, head, plan.checkpointing) for n in lengths]
    throughput = events.Throughput()
    meter = _Meter()
    pending: list[torch.Tensor] = []
    first_step = state["step"]
    student.peft_model.train()
    last_print = time.perf_counter()
    while state["step"] < total_steps and not state["stopped_early"]:
        epoch = state["step"] // steps_per_epoch
        steps = length_grouped_steps(lengths, step_size, hyper["seed"] + epoch)
        for position in range(state["step"] - epoch * steps_per_epoch, steps_per_epoch):
            if state["step"] >= total_steps:
                break
            group = steps[position]
            step_loss = torch.zeros((), device=device)
            padded = 0
            for micro in micro_batches(student, train_examples, group):
                with student.autocast():
                    loss, _ = loss_fn(student, [train_examples[i] for i in micro])
                (loss * len(micro) / len(group)).backward()
                step_loss += loss.detach().float() * len(micro) / len(group)
                padded += max(lengths[i] for i in micro) * len(micro)
            torch.nn.utils.clip_grad_norm_(student.trainable_parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            pending.append(step_loss)
            tokens = sum(lengths[i] for i in group)
            throughput.add(len(group), tokens)
            meter.add(len(group), tokens, padded, sum(flops[i][0] for i in group), sum(flops[i][1] for i in group))
            now = time.perf_counter()
            if now - last_print >= LOG_INTERVAL_S or state["step"] in (first_step + 1, total_steps):
                _flush_losses(pending, state)  # waits for the GPU: the window's time is real
                rates = _rates(meter.close_window(), peak)
                last_print = time.perf_counter()
                per_s, tokens_per_s, eta = throughput.rates(state["step"] - first_step, total_steps - state["step"])
                events.progress(
                    step=state["step"],
                    total=total_steps,
                    loss=state["losses"][-1],
                    examples_per_s=per_s,
                    tokens_per_s=tokens_per_s,
                    eta_s=eta,
                    gpu_mem_gb=_gpu_mem_gb(device),
                    step_time_s=rates["step_time_s"],
                    mfu=rates["mfu"],
                )
                mfu = f"{rates['mfu']:.1%}" if rates["mfu"] is not None else "n/a (no known peak)"
                events.emit(
                    {
                        "event": "log",
                        "message": (
                            f"step {state['step']}/{total_steps}: loss {state['losses'][-1]:.4f}, "
                            f"{rates['step_time_s'] * 1000:.0f} ms/step, "
                            f"{rates['tokens_per_s']:,.0f} tokens/s, MFU {mfu}"
                        ),
                    }
                )
            if state["step"] % job["checkpoint_every_steps"] == 0:
                _flush_losses(pending, state)
                with meter.paused():
                    checkpoint.save(out_dir, student, optimizer, scheduler, state)
        _flush_losses(pending, state)
        epoch_done = state["step"] % steps_per_epoch == 0 or state["step"] >= total_steps
        with meter.paused():
            if epoch_done:
                _end_epoch(student, validation_examples, state, patience, out_dir)
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
        per_dimension, category_accuracy = validation_figures(student, validation_examples, dimensions)
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
        out_dir,
        job=job,
        head=head,
        backend=backend,
        dimensions=dimensions,
        data_hashes=data_hashes,
        rows={"train": len(train_rows), "validation": len(validation_rows)},
        metrics=metrics,
        steps=state["step"],
        training=student.training,
        scaling=student.scaling,
        end_marker=regression.end_marker_id(student.tokenizer) if head == "regression" else None,
    )
    curve = training_curve(state["losses"], state["epochs"])
    if curve is None:
        missing["training_curve"] = "no optimizer step was taken"
    run = meter.run()
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
            "training": student.training,
            "throughput": {
                **(_rates(run, peak) if run else {}),
                "steps_measured": int(run["steps"]) if run else 0,
                "peak_flops": peak,
                "gpu_mem_gb": _gpu_mem_gb(device),
            },
            **metrics,
        },
    }
