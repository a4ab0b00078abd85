"""``bench``: throughput of the students on this machine, for models built from a named architecture
with random weights (no download).

For each architecture x sequence length: ``score`` times regression scoring (forward passes under
``torch.inference_mode``, bf16 + SDPA on a GPU, batches of a fixed token budget) and ``train`` times LoRA
training steps (q/k/v/o, r16, forward + backward + AdamW, gradient checkpointing on a GPU). Each prints
articles/s, tokens/s and MFU (model FLOPs per token from :mod:`archs` over the device's bf16 peak; null
on a CPU). ``result.json`` holds every row; bench/student/README.md explains the figures.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import torch

from . import events
from .archs import Arch, arch, peak_flops
from .backends import resolve_device

NUM_LABELS = 5


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _build(spec: Arch, device: torch.device) -> Any:
    from transformers import AutoModelForSequenceClassification

    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    config = spec.qwen2_config(NUM_LABELS)
    with torch.device(device):
        model = AutoModelForSequenceClassification.from_config(config, dtype=dtype, attn_implementation="sdpa")
    return model


def _score(spec: Arch, seq: int, steps: int, device: torch.device, batch_tokens: int) -> dict[str, Any]:
    from .regression import forward_scores

    model = _build(spec, device).eval()
    rows = max(batch_tokens // seq, 1)
    ids = torch.randint(1, spec.vocab, (rows, seq), device=device)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        for _ in range(2):
            forward_scores(model.model, model.score.float(), ids, mask)
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            forward_scores(model.model, model.score, ids, mask)
        _sync(device)
    elapsed = time.perf_counter() - start
    articles = rows * steps
    return {"batch": rows, "seconds": elapsed, "articles": articles, "tokens": articles * seq, "flops_per_token": spec.score_flops_per_token(seq)}


def _train(spec: Arch, seq: int, steps: int, device: torch.device, micro_batch: int) -> dict[str, Any]:
    from peft import LoraConfig, get_peft_model

    from .regression import forward_scores

    model = _build(spec, device)
    if device.type == "cuda":
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    for param in model.parameters():
        if param.requires_grad:
            param.data = param.data.float()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(1, spec.vocab, (micro_batch, seq), device=device)
    mask = torch.ones_like(ids)
    targets = torch.rand(micro_batch, NUM_LABELS, device=device)
    inner = model.get_base_model()

    def step() -> None:
        loss = torch.nn.functional.mse_loss(forward_scores(inner.model, inner.score, ids, mask), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(2):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    elapsed = time.perf_counter() - start
    articles = micro_batch * steps
    return {"batch": micro_batch, "seconds": elapsed, "articles": articles, "tokens": articles * seq, "flops_per_token": spec.lora_train_flops_per_token(seq)}


def bench(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    device = resolve_device(job["device"])
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    env_peak = os.environ.get("DISTILLERY_PEAK_TFLOPS")
    peak = float(env_peak) * 1e12 if env_peak else (peak_flops(device_name) if device.type == "cuda" else None)
    batch_tokens = 65_536 if device.type == "cuda" else 2_048
    results = []
    plan = [(a, s, m) for a in job["architectures"] for s in job["seq_lengths"] for m in job["modes"]]
    for number, (name, seq, mode) in enumerate(plan, start=1):
        spec = arch(name)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        run = _score(spec, seq, job["steps"], device, batch_tokens) if mode == "score" else _train(spec, seq, job["steps"], device, 4)
        per_s = run["articles"] / run["seconds"]
        tokens_per_s = run["tokens"] / run["seconds"]
        row = {
            "architecture": spec.name,
            "mode": mode,
            "seq_len": seq,
            "batch": run["batch"],
            "articles_per_s": round(per_s, 2),
            "articles_per_h": round(per_s * 3600),
            "tokens_per_s": round(tokens_per_s, 1),
            "params_matmul": spec.matmul_params(),
            "flops_per_token": run["flops_per_token"],
            "mfu": round(tokens_per_s * run["flops_per_token"] / peak, 4) if peak else None,
            "gpu_mem_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2) if device.type == "cuda" else None,
        }
        results.append(row)
        events.progress(step=number, total=len(plan), examples_per_s=per_s, tokens_per_s=tokens_per_s, gpu_mem_gb=row["gpu_mem_gb"])
        events.emit({"event": "log", "message": f"{spec.name} {mode} @{seq}: {row['articles_per_h']} articles/h, {row['tokens_per_s']} tokens/s, MFU {row['mfu']}"})
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return {
        "command": "bench",
        "job_id": job["job_id"],
        "device": device_name,
        "peak_flops": peak,
        "torch": torch.__version__,
        "results": results,
        "targets": {"Qwen/Qwen2.5-7B score@512 articles_per_h": 250_000, "Qwen/Qwen2.5-1.5B score@512 articles_per_h": 1_000_000, "train mfu": 0.40},
    }
