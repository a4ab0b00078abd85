"""CPU throughput of the probe student (encoding + heads) in fp32 and dynamic int8, and what int8 costs in
MAE. Run through ``npm run bench -- probe [--encoder NAME] [--articles N] [--labels FILE]``.

Articles: ``--labels`` (LLM Distillery scored JSONL, e.g. a file of the real dev set read from
../shared/data) or the committed distill fixture, stretched to news length. Prints progress on stderr
and one JSON line of figures on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "src"))
os.environ["DISTILLERY_EMBEDDING_CACHE"] = "off"  # measure encoding, not the cache

from distillery_gpu.probe import heads  # noqa: E402
from distillery_gpu.probe.encoder import Encoder  # noqa: E402

FIXTURE = ROOT / "cli" / "src" / "commands" / "fixtures" / "distill" / "scored.jsonl"


def read_records(path: Path) -> list[tuple[str, list[float]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        analysis = next((v for k, v in record.items() if k.endswith("analysis") and isinstance(v, dict)), None)
        if analysis is None:
            continue
        container = analysis.get("dimensions") if isinstance(analysis.get("dimensions"), dict) else analysis
        scores = [v["score"] if isinstance(v, dict) else v for k, v in sorted(container.items()) if isinstance(v, (int, float, dict)) and (not isinstance(v, dict) or isinstance(v.get("score"), (int, float)))]
        text = f"{record.get('title', '')}\n\n{record.get('content') or record.get('text') or record.get('body') or ''}"
        if scores and text.strip():
            out.append((text, [float(s) for s in scores]))
    width = max(len(s) for _, s in out)
    return [(t, s) for t, s in out if len(s) == width]


def log(message: str) -> None:
    print(f"bench probe: {message}", file=sys.stderr, flush=True)


def measure(encoder: Encoder, texts: list[str]) -> tuple[np.ndarray, float]:
    encoder.encode(texts[:8])  # warm-up: first-batch allocations and lazy init
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    return vectors, time.perf_counter() - started


def ridge_mae(x: np.ndarray, y: np.ndarray) -> float:
    n = len(x)
    cut = int(n * 0.8)
    mean, scale = x[:cut].mean(0), x[:cut].std(0) + 1e-6
    z = (x - mean) / scale
    errors = []
    for j in range(y.shape[1]):
        fitted = heads.fit_ridge(z[:cut], y[:cut, j], z[:cut], y[:cut, j])
        errors.append(np.mean(np.abs(heads.forward(fitted["layers"], z[cut:]) - y[cut:, j])))
    return float(np.mean(errors))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder", default="packaged:all-MiniLM-L6-v2")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--labels", default=str(FIXTURE))
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    records = read_records(Path(args.labels))
    if Path(args.labels) == FIXTURE:
        # The fixture's articles are one or two sentences; real news is 2-6K characters (the encoder reads 256 tokens).
        records = [(" ".join([t] * 12), s) for t, s in records]
    records = records[: args.articles]
    texts = [t for t, _ in records]
    y = np.array([s for _, s in records])
    import torch

    figures: dict[str, object] = {
        "encoder": args.encoder, "max_tokens": args.max_tokens, "articles": len(texts), "threads": torch.get_num_threads(),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1), "labels": Path(args.labels).name,
    }
    for mode in ("fp32", "int8"):
        encoder = Encoder(args.encoder, device="cpu", int8=mode == "int8", max_seq_length=args.max_tokens)
        started = time.perf_counter()
        encoder.load()
        load_s = time.perf_counter() - started
        vectors, seconds = measure(encoder, texts)
        fitted = heads.fit_ridge(vectors, y[:, 0], vectors, y[:, 0])
        started = time.perf_counter()
        for _ in range(10):
            heads.forward(fitted["layers"], vectors)
        head_s = (time.perf_counter() - started) / 10 * y.shape[1]
        rate = len(texts) / (seconds + head_s)
        log(f"{mode}: {rate:.1f} articles/s (encode {seconds:.2f}s, heads {head_s * 1000:.1f} ms, load {load_s:.1f}s)")
        figures[f"{mode}_articles_per_s"] = round(rate, 2)
        figures[f"{mode}_load_s"] = round(load_s, 2)
        figures[f"{mode}_ridge_test_mae"] = round(ridge_mae(vectors, y), 4)
    figures["int8_mae_cost"] = round(figures["int8_ridge_test_mae"] - figures["fp32_ridge_test_mae"], 4)  # type: ignore[operator]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
