"""Prediction files: ``predictions.jsonl`` (eval) and numbered chunks ``chunks/chunk-000000.jsonl`` (infer).

A file is written to a temporary name and renamed, so a chunk that exists is complete: a rerun after a
kill skips exactly the chunks already written and redoes the one that was cut short.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CHUNKS_DIR = "chunks"


def chunk_path(out_dir: Path, index: int) -> Path:
    return out_dir / CHUNKS_DIR / f"chunk-{index:06d}.jsonl"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Writes ``rows`` as JSON lines, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def count_lines(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())
