"""Whole-article reading: the body is cut like the oracle's prompt cuts it (checked against the TypeScript
``truncateAtSentences``), tokens are cut into overlapping windows that cover the article, every window
carries the prefix and fits the encoder, and an article's vector pools its windows' vectors."""

from __future__ import annotations

import hashlib
import importlib.util
from itertools import pairwise

import numpy as np
import pytest

from distillery_gpu.data import article_text, max_article_chars, truncate_at_sentences
from distillery_gpu.probe.encoder import POOLINGS, Encoder, effective_encoder, pool, text_prefix, token_windows


def _cases() -> list[tuple[str, int]]:
    return [
        ("".join(f"Sentence number {i} says something “quoted”. " for i in range(40)) + "Last words!", 600),
        ("No sentence ends here just a long run of words " * 30, 500),
        ("".join(f"Zin {i} over zonnepanelen in Utrecht (2025).\n" for i in range(30)), 400),
        ("short.", 300),
    ]


#: sha256 (first 16 hex) and length of what shared/src/filter/prompt.ts truncateAtSentences returns.
TYPESCRIPT = [("45010a22cc1d1c06", 536), ("e81c5090b4d4f441", 499), ("5559910fe8f37f12", 352), ("7f89342f8bb1d581", 6)]


def test_the_body_is_cut_exactly_as_the_oracle_prompt_cuts_it() -> None:
    for (body, limit), (digest, length) in zip(_cases(), TYPESCRIPT, strict=True):
        cut = truncate_at_sentences(body, limit)
        assert len(cut) == length and len(cut) <= limit
        assert hashlib.sha256(cut.encode()).hexdigest()[:16] == digest
    body = _cases()[0][0]
    cut = truncate_at_sentences(body, 600)
    assert cut.startswith("Sentence number 0") and cut.endswith("Last words!") and "[…]" in cut


def test_article_text_uses_the_filters_limit() -> None:
    row = {"title": "Title", "body": "A sentence here. " * 1000}
    assert max_article_chars({"oracle": {"max_article_chars": 800}}) == 800
    assert max_article_chars({}) == 6000
    assert len(article_text(row, 800)) <= len("Title\n\n") + 800
    assert article_text(row) == "Title\n\n" + row["body"].strip()


def test_windows_overlap_cover_the_article_and_end_at_its_end() -> None:
    ids = list(range(1000))
    windows = token_windows(ids, 300, overlap=64)
    assert all(len(w) == 300 for w in windows)
    assert windows[0][0] == 0 and windows[-1][-1] == 999
    covered = sorted({t for w in windows for t in w})
    assert covered == ids
    for a, b in pairwise(windows):
        assert len(set(a) & set(b)) >= 64
    assert token_windows(list(range(10)), 300) == [list(range(10))]
    assert len(token_windows(list(range(100_000)), 300, max_windows=16)) == 16


def test_pooling_is_mean_max_and_first() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=np.float32)
    pooled = pool(vectors)
    assert len(POOLINGS) == 3 and pooled.shape == (6,)
    np.testing.assert_allclose(pooled, [0.5, 0.5, 1.0, 1.0, 1.0, 0.0])


class _FakeBackend:
    """Tokens are characters; a window's vector records its length and first token."""

    max_tokens = 16
    dim = 2
    device = "cpu"

    def __init__(self) -> None:
        self.seen: list[list[int]] = []

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [[ord(c) for c in t] for t in texts]

    def embed(self, windows: list[list[int]]) -> np.ndarray:
        self.seen += windows
        return np.array([[len(w), w[0]] for w in windows], dtype=np.float32)


def test_every_window_has_the_prefix_fits_the_encoder_and_the_article_vector_pools_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder = Encoder("packaged:multilingual-e5-small", overlap=2)
    backend = _FakeBackend()
    monkeypatch.setattr(encoder, "_backend", backend)
    assert encoder.prefix == "query: " == text_prefix("intfloat/multilingual-e5-small")
    prefix = [ord(c) for c in "query:"]
    texts = ["abcdefghijklmnopqrstuvwxyz", "hi"]
    vectors = encoder.embed_articles(texts)
    assert vectors.shape == (2, 3 * backend.dim)
    long_windows = encoder.windows_of(texts)[0]
    assert len(long_windows) > 1
    for window in backend.seen:
        assert window[: len(prefix)] == prefix and len(window) + 2 <= backend.max_tokens
    # The long article: mean and max over its windows; "first" is its first window.
    lengths = [len(w) for w in long_windows]
    np.testing.assert_allclose(vectors[0, [0, 2, 4]], [np.mean(lengths), max(lengths), lengths[0]])
    assert vectors[1, 0] == len(prefix) + 2


def test_the_offline_default_is_the_packaged_multilingual_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISTILLERY_PROBE_ENCODER", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("distillery_gpu.probe.encoder._in_hub_cache", lambda name: False)
    assert effective_encoder("intfloat/multilingual-e5-small") == "packaged:multilingual-e5-small"
    monkeypatch.setattr("distillery_gpu.probe.encoder._in_hub_cache", lambda name: True)
    if importlib.util.find_spec("sentence_transformers") is not None:  # the full profile: the hub model is usable
        assert effective_encoder("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"
    assert effective_encoder("packaged:all-MiniLM-L6-v2") == "packaged:all-MiniLM-L6-v2"
    monkeypatch.setenv("DISTILLERY_PROBE_ENCODER", "packaged:all-MiniLM-L6-v2")
    assert effective_encoder("intfloat/multilingual-e5-small") == "packaged:all-MiniLM-L6-v2"
