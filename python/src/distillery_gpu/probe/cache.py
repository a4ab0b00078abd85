"""The embedding cache: one SQLite file of float32 vectors keyed by sha256(encoder key + text).

Retraining a head, fitting a new filter on the same corpus or scoring an article twice costs no new
encoding. SQLite because several jobs may share the cache at once (it locks for us) and one file is
easy to delete. Location: ``$DISTILLERY_EMBEDDING_CACHE`` (a file path; ``off`` disables it), else
``~/.cache/distillery/embeddings.sqlite``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

CACHE_ENV = "DISTILLERY_EMBEDDING_CACHE"


def default_path() -> Path | None:
    value = os.environ.get(CACHE_ENV)
    if value == "off":
        return None
    if value:
        return Path(value)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "distillery" / "embeddings.sqlite"


def text_key(encoder_key: str, text: str) -> bytes:
    return hashlib.sha256(f"{encoder_key}\0{text}".encode()).digest()


class EmbeddingCache:
    """Get/put embeddings by (encoder, text); ``path=None`` keeps nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(path, timeout=60)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("CREATE TABLE IF NOT EXISTS embedding (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        if self.connection is None or not keys:
            return {}
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            rows = self.connection.execute(
                f"SELECT key, vector FROM embedding WHERE key IN ({','.join('?' * len(part))})", part
            ).fetchall()
            for key, blob in rows:
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: list[tuple[bytes, np.ndarray]]) -> None:
        if self.connection is None or not items:
            return
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)",
                [(key, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for key, v in items],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def embed_with_cache(
    texts: list[str],
    *,
    encoder_key: str,
    encode: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache,
) -> tuple[np.ndarray, int]:
    """Embeddings of ``texts``: cached ones read back, the rest encoded and stored. Returns (vectors, hits)."""
    keys = [text_key(encoder_key, t) for t in texts]
    found = cache.get_many(list(dict.fromkeys(keys)))
    missing = [i for i, k in enumerate(keys) if k not in found]
    vectors = encode([texts[i] for i in missing]) if missing else None
    dimension = vectors.shape[1] if vectors is not None else next(iter(found.values())).shape[0] if found else 0
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in found:
            out[i] = found[key]
    if vectors is not None:
        out[missing] = vectors
        cache.put_many([(keys[i], vectors[j]) for j, i in enumerate(missing)])
    return out, len(texts) - len(missing)
