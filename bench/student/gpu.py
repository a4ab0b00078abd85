"""The student GPU bench of issue 14: real scoring and real training speed on one H100/H200, no network, no
weights (random-weight models of the published shapes), within 8 minutes.

    npm run bench -- gpu                      # the full plan on the GPU (prints one JSON line at the end)
    npm run bench -- gpu --smoke              # CPU smoke run: tiny model, a few steps (what pytest runs)
    npm run bench -- gpu --out /tmp/gpu.json  # also writes the figures there

Plan (``--smoke`` shrinks every figure):
1. Qwen2.5-7B regression student: 50 LoRA training steps at 1,024 tokens through ``train`` (tokens/s, MFU,
   HFU, step time, padding share, peak memory), then the real ``Scorer`` on that student at 512 and
   1,024 tokens (articles/h, MFU).
2. Qwen2.5-1.5B: the same scoring (after a one-step training run that gives it an adapter).
3. The ``encoder`` student (python/src/distillery_gpu/encoder_student.py) when the module exists: its
   training and scoring speed on an XLM-R-base-shaped random encoder.

Goals: 7B scoring >= 250K articles/h at 512 tokens (about 48% MFU), 1.5B >= 1M articles/h, 7B LoRA
training >= 40% MFU. Progress goes to stdout as the package's JSON events; the summary is the last line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "src"))
os.environ.setdefault("DISTILLERY_SCHEMAS_DIR", str(ROOT / "shared" / "schemas"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

#: (architecture, train steps, train seq, score seqs, scored articles) on a GPU, and in the smoke run.
GPU_PLAN = [("Qwen/Qwen2.5-7B", 50, 1024, [512, 1024], 2048), ("Qwen/Qwen2.5-1.5B", 0, 1024, [512, 1024], 8192)]
SMOKE_PLAN = [("tiny", 3, 64, [32, 64], 24)]
#: XLM-R base (what the encoder student fine-tunes by default: e5-base has its shape).
ENCODER_SHAPE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 250002}
ENCODER_SMOKE_SHAPE = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 1024}


def _encoder_flops_per_token(shape: dict[str, int], seq: int, training: bool) -> int:
    """Bidirectional encoder, fully fine-tuned: 2N forward (6N training) plus attention 4 x layers x
    hidden x seq forward (x3 training)."""
    hidden, layers, inner = shape["hidden_size"], shape["num_hidden_layers"], shape["intermediate_size"]
    matmul = layers * (4 * hidden * hidden + 2 * hidden * inner)
    attention = 4 * layers * hidden * seq
    return (6 * matmul + 3 * attention) if training else (2 * matmul + attention)


def bench_encoder(shape: dict[str, int], seq: int, steps: int, articles: int, device: Any, work: Path) -> list[dict[str, Any]]:
    """Training and scoring speed of the encoder student on a random encoder of ``shape``."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from distillery_gpu import bench
    from distillery_gpu.encoder_student import EncoderScorer, train_encoder
    from distillery_gpu.gpus import device_peak_flops
    from distillery_gpu.jobfile import parse_job

    tokenizer = bench.char_tokenizer()
    config = XLMRobertaConfig(**shape, max_position_embeddings=seq + 2, pad_token_id=tokenizer.pad_token_id, type_vocab_size=1)
    base = work / "encoder-base"
    XLMRobertaModel(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    step_articles = 32
    train_rows = bench.synthetic_rows(max(steps, 1) * step_articles, "train", 1)
    data = {"train": bench._write_jsonl(work / "enc-train.jsonl", train_rows), "validation": bench._write_jsonl(work / "enc-val.jsonl", train_rows[:step_articles])}
    job = parse_job({
        "command": "train", "job_id": "bench-encoder", "filter": bench.bench_filter(), "data": data, "device": device.type,
        "student": {"kind": "regression", "base_model": str(base), "hyperparameters": {"batch_size": step_articles, "gradient_accumulation": 1, "epochs": 1, "max_length": seq}},
    })
    job["student"]["kind"] = "encoder"
    start = time.perf_counter()
    result = train_encoder(job, work / "encoder")
    seconds = result["details"].get("train_seconds") or (time.perf_counter() - start)
    peak = device_peak_flops(device)
    # Tokens an article reads: its characters and the blank line (one token each), cut at ``seq``.
    tokens = sum(min(len(r["title"]) + 2 + len(r["body"]), seq) for r in train_rows)
    train_flops = tokens * _encoder_flops_per_token(shape, seq, True)
    rows = [{
        "architecture": "encoder (XLM-R base shape)" if shape is ENCODER_SHAPE else "encoder (tiny)", "mode": "train", "seq_len": seq,
        "articles_per_s": round(len(train_rows) / seconds, 2), "articles_per_h": round(len(train_rows) / seconds * 3600),
        "tokens_per_s": round(tokens / seconds, 1), "mfu": round(train_flops / seconds / peak, 4) if peak else None,
        "gpu_mem_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2) if device.type == "cuda" else None,
        "note": "includes the first step's warm-up and the validation",
    }]
    scorer = EncoderScorer(work / "encoder", device.type)
    score_rows = bench.synthetic_rows(articles, "score", 3)
    batch_tokens = 65_536 if device.type == "cuda" else 2_048
    scorer.predict(score_rows[:8], batch_tokens)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    _, tokens = scorer.predict(score_rows, batch_tokens)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    rows.append({
        "architecture": rows[0]["architecture"], "mode": "score", "seq_len": seq,
        "articles_per_s": round(articles / seconds, 2), "articles_per_h": round(articles / seconds * 3600),
        "tokens_per_s": round(tokens / seconds, 1),
        "mfu": round(tokens * _encoder_flops_per_token(shape, seq, False) / seconds / peak, 4) if peak else None,
        "gpu_mem_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2) if device.type == "cuda" else None,
    })
    return rows


def run(smoke: bool) -> dict[str, Any]:
    import torch

    from distillery_gpu import bench, events
    from distillery_gpu.archs import arch
    from distillery_gpu.gpus import device_peak_flops

    device = torch.device("cpu" if smoke or not torch.cuda.is_available() else "cuda")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        results.append(row)
        bench._report(len(results), None, row)

    with tempfile.TemporaryDirectory(prefix="distillery-gpu-bench-") as folder:
        work = Path(folder)
        for name, steps, train_seq, score_seqs, articles in SMOKE_PLAN if smoke else GPU_PLAN:
            spec = arch(name)
            base = bench.write_random_base(spec, work / f"{spec.name.replace('/', '_')}-base", device)
            trained = bench.train_run(base, spec, train_seq, max(steps, 1), device, work / f"{spec.name.replace('/', '_')}-train")
            if steps:
                on_row(trained["row"])
            scorer = None
            for seq in score_seqs:
                scored = bench.score_run(trained["model_dir"], spec, seq, articles, device, 65_536 if device.type == "cuda" else 2_048, scorer)
                scorer = scored["scorer"]
                on_row(scored["row"])
            del scorer
            bench._free(device)
        if importlib.util.find_spec("distillery_gpu.encoder_student") is None:
            events.emit({"event": "log", "message": "no encoder student in this tree (encoder_student.py): its rows are left out"})
        else:
            shape = ENCODER_SMOKE_SHAPE if smoke else ENCODER_SHAPE
            for row in bench_encoder(shape, 64 if smoke else 512, 2 if smoke else 50, 24 if smoke else 8192, device, work):
                on_row(row)
    return {
        "bench": "student-gpu",
        "smoke": smoke,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "peak_flops": device_peak_flops(device),
        "torch": torch.__version__,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
        "targets": bench.TARGETS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="CPU smoke run: tiny model, a few steps")
    parser.add_argument("--out", type=Path, help="also write the summary JSON to this file")
    args = parser.parse_args(argv)
    summary = run(args.smoke)
    line = json.dumps(summary)
    if args.out:
        args.out.write_text(line + "\n", encoding="utf-8")
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
