"""``bench``: the students' real speed on this machine, through the code that trains and scores them, for
models built from a named architecture with random weights (no download, no network).

For each architecture a random-weight base is written to a temporary folder with a synthetic word-level
tokenizer, then:

- ``train``: the real :func:`train.train` on a synthetic corpus of realistic lengths (articles of 300 to
  2,000 tokens of random letters, one token each, cut at ``seq_len``), ``steps`` optimizer steps of the
  job's default shape (16 articles a step): length-grouped token-budget micro-batches, checkpointing only
  if memory needs it, bf16 autocast, fused AdamW. Its row is the loop's own measurement (``details.throughput``:
  tokens/s, MFU, HFU, step time, padding share), warm-up excluded.
- ``score``: the real :class:`scorer.Scorer` loading that student (adapter merged, fp32 head, no KV
  cache) and scoring the synthetic corpus cut at ``seq_len``, timed after one warm-up window.

MFU = model FLOPs of real tokens / time / the GPU's dense bf16 peak (:mod:`gpus`, by exact device name,
or ``DISTILLERY_PEAK_TFLOPS``); HFU adds checkpointing's recompute. Null on a CPU. ``result.json`` holds
a row per architecture x sequence length x mode; bench/student/README.md explains the figures, and
bench/student/gpu.py runs the issue's GPU plan (7B and 1.5B, the encoder student when it exists).
"""

from __future__ import annotations

import gc
import json
import math
import random
import string
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from . import events
from .archs import Arch, arch
from .backends import resolve_device
from .gpus import device_peak_flops

NUM_DIMENSIONS = 2
#: Articles per optimizer step, as the job schema's defaults (batch_size 4 x gradient_accumulation 4).
STEP_ARTICLES = 16
#: Synthetic article lengths in tokens: log-normal around 700, cut to 300-2,000 (news articles).
ARTICLE_TOKENS = (300, 2000)
TARGETS = {
    "Qwen/Qwen2.5-7B score@512 articles_per_h": 250_000,
    "Qwen/Qwen2.5-1.5B score@512 articles_per_h": 1_000_000,
    "Qwen/Qwen2.5-7B train mfu": 0.40,
}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _free(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def char_tokenizer() -> Any:
    """A byte-level BPE tokenizer without merges: one token per character, three specials. Byte-level, so
    ``AutoTokenizer`` reads it back right even where the model's ``config.json`` makes it a Qwen2 tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_end|>", "<unk>"]
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {t: i for i, t in enumerate(specials + sorted(alphabet))}
    tokenizer = Tokenizer(models.BPE(vocab, [], unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token="<unk>"
    )


def synthetic_rows(count: int, split: str, seed: int) -> list[dict[str, Any]]:
    """Dataset rows (shared/schemas/dataset-row.json) of random letters, one token each with
    :func:`char_tokenizer`: a 10-token title, a blank line (2 tokens) and a body, ``ARTICLE_TOKENS`` long."""
    rng = random.Random(seed)
    low, high = ARTICLE_TOKENS
    letters = string.ascii_letters
    rows = []
    for index in range(count):
        length = int(min(max(rng.lognormvariate(math.log(700), 0.5), low), high))
        text = "".join(rng.choice(letters) for _ in range(length - 2))
        scores = {f"d{k}": rng.randint(0, 10) for k in range(NUM_DIMENSIONS)}
        rows.append(
            {
                "article_id": f"{split}-{index}",
                "id": f"{split}-{index}",
                "split": split,
                "title": text[:10],
                "body": text[10:],
                "language": "en",
                "source": "bench",
                "scores": scores,
                "reasons": {d: "synthetic" for d in scores},
                "categories": {},
                "overall": sum(scores.values()) / NUM_DIMENSIONS,
                "tier": "low",
            }
        )
    return rows


def bench_filter() -> dict[str, Any]:
    dimensions = [
        {"key": f"d{k}", "label": f"D{k}", "weight": 1 / NUM_DIMENSIONS, "description": "Synthetic."}
        for k in range(NUM_DIMENSIONS)
    ]
    return {
        "name": "bench",
        "version": 1,
        "description": "Synthetic filter for the bench.",
        "languages": ["en"],
        "dimensions": dimensions,
        "tiers": [{"key": "low", "label": "Low", "min_overall": 0, "description": "All."}],
        "prompt": "Synthetic.",
    }


def write_random_base(spec: Arch, folder: Path, device: torch.device) -> Path:
    """A causal LM of ``spec``'s shape with random weights and the word tokenizer, saved in ``folder``
    like a downloaded base model (built on ``device``: fast even for 7B on a GPU)."""
    from transformers import AutoModelForCausalLM

    tokenizer = char_tokenizer()
    config = spec.qwen2_config(NUM_DIMENSIONS)
    config.pad_token_id, config.eos_token_id = tokenizer.pad_token_id, tokenizer.eos_token_id
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    _free(device)
    return folder


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "id"}) + "\n" for r in rows), encoding="utf-8"
    )
    return str(path)


def train_run(
    base_dir: Path,
    spec: Arch,
    seq: int,
    steps: int,
    device: torch.device,
    work: Path,
    step_articles: int = STEP_ARTICLES,
) -> dict[str, Any]:
    """``steps`` optimizer steps of the regression student through :func:`train.train`; its row and folder."""
    from .jobfile import parse_job
    from .train import train

    work.mkdir(parents=True, exist_ok=True)
    batch = max(step_articles // 4, 1)
    data = {
        "train": _write_jsonl(work / "train.jsonl", synthetic_rows(steps * step_articles, "train", 1)),
        "validation": _write_jsonl(work / "validation.jsonl", synthetic_rows(step_articles, "validation", 2)),
    }
    job = parse_job(
        {
            "command": "train",
            "job_id": f"bench-{spec.name}-{seq}".replace("/", "_"),
            "filter": bench_filter(),
            "student": {
                "kind": "regression",
                "base_model": str(base_dir),
                "hyperparameters": {
                    "batch_size": batch,
                    "gradient_accumulation": max(step_articles // batch, 1),
                    "epochs": 1,
                    "max_length": seq,
                },
            },
            "data": data,
            "device": device.type,
            "checkpoint_every_steps": steps + 1,
        }
    )
    _free(device)
    result = train(job, work / "model")
    throughput = result["details"]["throughput"]
    flops_per_token = spec.lora_train_flops_per_token(seq)
    tokens_per_s = throughput.get("tokens_per_s") or 0.0
    articles_per_s = throughput.get("examples_per_s") or 0.0
    row = {
        "architecture": spec.name,
        "mode": "train",
        "seq_len": seq,
        "batch": step_articles,
        "articles_per_s": round(articles_per_s, 2),
        "articles_per_h": round(articles_per_s * 3600),
        "tokens_per_s": tokens_per_s,
        "params_matmul": spec.matmul_params(),
        "flops_per_token": flops_per_token,
        "mfu": throughput.get("mfu"),
        "hfu": throughput.get("hfu"),
        "step_time_s": throughput.get("step_time_s"),
        "padding_share": throughput.get("padding_share"),
        "steps_measured": throughput.get("steps_measured"),
        "gradient_checkpointing": result["details"]["training"]["gradient_checkpointing"],
        "micro_batch_tokens": result["details"]["training"]["micro_batch_tokens"],
        "gpu_mem_gb": round(throughput["gpu_mem_gb"], 2) if throughput.get("gpu_mem_gb") else None,
    }
    return {"row": row, "model_dir": work / "model"}


def score_run(
    model_dir: Path, spec: Arch, seq: int, articles: int, device: torch.device, batch_tokens: int, scorer: Any = None
) -> dict[str, Any]:
    """Scoring ``articles`` synthetic articles cut at ``seq`` tokens through :class:`scorer.Scorer`."""
    from .scorer import Scorer

    if scorer is None:
        _free(device)
        scorer = Scorer(model_dir, device.type)
    scorer.max_length = seq  # the same student, articles cut shorter: what scoring at ``seq`` costs
    rows = synthetic_rows(articles, "score", 3)
    warm = rows[: max(batch_tokens // seq, 1)]
    scorer.predict(warm, batch_tokens)
    _sync(device)
    start = time.perf_counter()
    predictions, tokens = scorer.predict(rows, batch_tokens)
    _sync(device)
    seconds = time.perf_counter() - start
    assert len(predictions) == len(rows)
    lengths = scorer.lengths(rows)
    flops = sum(n * spec.score_flops_per_token(n) for n in lengths)
    peak = device_peak_flops(device)
    per_s = len(rows) / seconds
    row = {
        "architecture": spec.name,
        "mode": "score",
        "seq_len": seq,
        "batch": batch_tokens,
        "articles_per_s": round(per_s, 2),
        "articles_per_h": round(per_s * 3600),
        "tokens_per_s": round(tokens / seconds, 1),
        "params_matmul": spec.matmul_params(),
        "flops_per_token": spec.score_flops_per_token(seq),
        "mfu": round(flops / seconds / peak, 4) if peak else None,
        "hfu": round(flops / seconds / peak, 4) if peak else None,
        "gpu_mem_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2) if device.type == "cuda" else None,
    }
    return {"row": row, "scorer": scorer}


def _report(number: int, total: int, row: dict[str, Any]) -> None:
    events.progress(
        step=number,
        total=total,
        examples_per_s=row["articles_per_s"],
        tokens_per_s=row["tokens_per_s"],
        gpu_mem_gb=row["gpu_mem_gb"],
    )
    mfu = f"{row['mfu']:.1%}" if row["mfu"] is not None else "n/a"
    events.emit(
        {
            "event": "log",
            "message": (
                f"{row['architecture']} {row['mode']} @{row['seq_len']}: {row['articles_per_h']:,} articles/h, "
                f"{row['tokens_per_s']:,.0f} tokens/s, MFU {mfu}"
            ),
        }
    )


def bench_architecture(
    spec: Arch,
    seq_lengths: list[int],
    modes: list[str],
    steps: int,
    articles: int,
    device: torch.device,
    work: Path,
    on_row: Any = None,
) -> list[dict[str, Any]]:
    """Rows of one architecture: a train run per sequence length (``train`` in ``modes``; else one step,
    to have a student to score), then scoring at each length with the last trained student."""
    base = write_random_base(spec, work / "base", device)
    rows: list[dict[str, Any]] = []
    model_dir = None
    train_lengths = seq_lengths if "train" in modes else [max(seq_lengths)]
    for seq in train_lengths:
        run = train_run(base, spec, seq, steps if "train" in modes else 1, device, work / f"train-{seq}")
        model_dir = run["model_dir"]
        if "train" in modes:
            rows.append(run["row"])
            if on_row:
                on_row(run["row"])
    if "score" in modes:
        scorer = None
        batch_tokens = 65_536 if device.type == "cuda" else 2_048
        for seq in seq_lengths:
            run = score_run(model_dir, spec, seq, articles, device, batch_tokens, scorer)
            scorer = run["scorer"]
            rows.append(run["row"])
            if on_row:
                on_row(run["row"])
        del scorer
    _free(device)
    return rows


def bench(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    device = resolve_device(job["device"])
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    specs = [arch(name) for name in job["architectures"]]  # unknown names fail before any work
    total = len(specs) * len(job["seq_lengths"]) * len(job["modes"])
    results: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        results.append(row)
        _report(len(results), total, row)

    # Scoring reads as many articles as `steps` batches of 8 hold: 8 x steps (at least 16).
    articles = max(16, 8 * job["steps"])
    for spec in specs:
        with tempfile.TemporaryDirectory(prefix="distillery-bench-", dir=out_dir) as work:
            bench_architecture(
                spec, job["seq_lengths"], job["modes"], job["steps"], articles, device, Path(work), on_row
            )
    return {
        "command": "bench",
        "job_id": job["job_id"],
        "device": device_name,
        "peak_flops": device_peak_flops(device),
        "torch": torch.__version__,
        "results": results,
        "targets": TARGETS,
    }
