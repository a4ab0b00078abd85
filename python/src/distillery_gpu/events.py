"""The JSON lines the package prints on stdout (shared/schemas/python-event.json) and human logs on stderr.

stdout carries only these events, one JSON object per line, flushed at once, so the agent can stream
them; everything meant for a person goes to stderr through :func:`log`.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any


def emit(event: dict[str, Any]) -> None:
    """Prints one event line on stdout and flushes it."""
    sys.stdout.write(json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    """A line for a person, on stderr."""
    sys.stderr.write(f"distillery: {message}\n")
    sys.stderr.flush()


def _finite(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def progress(
    *,
    step: int,
    total: int | None,
    loss: float | None = None,
    examples_per_s: float | None = None,
    tokens_per_s: float | None = None,
    eta_s: float | None = None,
    gpu_mem_gb: float | None = None,
    step_time_s: float | None = None,
    mfu: float | None = None,
) -> None:
    emit(
        {
            "event": "progress",
            "step": int(step),
            "total": None if total is None else int(total),
            "loss": _finite(loss, 6),
            "examples_per_s": _finite(examples_per_s, 2),
            "tokens_per_s": _finite(tokens_per_s, 1),
            "eta_s": _finite(eta_s, 1),
            "gpu_mem_gb": _finite(gpu_mem_gb, 3),
            "step_time_s": _finite(step_time_s, 4),
            "mfu": _finite(mfu, 4),
        }
    )


def chunk(index: int, path: str, count: int) -> None:
    emit({"event": "chunk", "index": int(index), "path": path, "count": int(count)})


def error(code: str, message: str) -> None:
    emit({"event": "error", "code": code, "message": message})


class Throughput:
    """Examples and tokens per second since it was started, and the ETA for the remaining work."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.examples = 0
        self.tokens = 0

    def add(self, examples: int, tokens: int) -> None:
        self.examples += examples
        self.tokens += tokens

    def rates(self, done: int, remaining: int | None) -> tuple[float, float, float | None]:
        """Rates since the start; ``done`` units took that long, so ``remaining`` units take the ETA."""
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        eta = None
        if remaining is not None and done > 0:
            eta = max(remaining, 0) * elapsed / done
        return self.examples / elapsed, self.tokens / elapsed, eta
