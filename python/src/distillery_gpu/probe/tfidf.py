"""Word unigram + bigram TF-IDF in numpy/scipy, storable as plain arrays (no pickles).

Tokens are runs of two or more word characters of the lower-cased text (scikit-learn's default
``(?u)\\b\\w\\w+\\b``); features are the tokens and each pair of neighbouring tokens. Weights follow
scikit-learn's ``TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")``: ``(1 + ln tf) · idf``
with ``idf = ln((1 + n) / (1 + df)) + 1``, rows scaled to unit length.

Cross-fitting fits the vocabulary and idf once per fold on that fold's training articles only. To make
that cheap, a corpus is counted once (:class:`TermCounts`: every n-gram of every article, a sparse count
matrix); a fold's vectoriser is then a column selection and an idf vector (:func:`fit_columns`), and its
matrix a slice of the counts (:func:`weigh`). The kept :class:`Tfidf` (terms and idf) turns new texts
into the same features.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

TOKEN = re.compile(r"(?u)\b\w\w+\b")
#: Largest vocabulary kept (most frequent by document frequency).
MAX_FEATURES = 200_000


def ngrams(text: str) -> list[str]:
    """The unigrams and bigrams of ``text`` (bigrams are two tokens joined by a space)."""
    tokens = TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def default_min_df(n_documents: int) -> int:
    """Terms must appear in 2 training articles (1 for tiny sets, where 2 would leave almost nothing)."""
    return 2 if n_documents >= 50 else 1


def count_matrix(
    texts: Iterable[str], column_of: Callable[[str], int | None], width: Callable[[], int]
) -> sp.csr_matrix:
    """Per text, how often each n-gram occurs, in the column ``column_of`` gives it (None: not counted)."""
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for text in texts:
        counts: dict[int, int] = {}
        for gram in ngrams(text):
            column = column_of(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        indices.extend(counts)
        data.extend(counts.values())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, width()),
    )


class TermCounts:
    """Raw n-gram counts of a corpus: ``matrix`` (articles × every n-gram seen, CSR) and ``terms``."""

    def __init__(self, matrix: sp.csr_matrix, terms: list[str]) -> None:
        self.matrix = matrix
        self.terms = terms

    @classmethod
    def count(cls, texts: Iterable[str]) -> TermCounts:
        index: dict[str, int] = {}
        # Every n-gram seen gets the next column; the width is known once all texts are counted.
        matrix = count_matrix(texts, lambda gram: index.setdefault(gram, len(index)), lambda: len(index))
        terms = [""] * len(index)
        for term, column in index.items():
            terms[column] = term
        return cls(matrix, terms)

    def __len__(self) -> int:
        return self.matrix.shape[0]


def idf_from_df(df: np.ndarray, n_documents: int) -> np.ndarray:
    return (np.log((1.0 + n_documents) / (1.0 + df)) + 1.0).astype(np.float32)


def fit_columns(
    counts: sp.csr_matrix, rows: np.ndarray, *, min_df: int | None = None, max_features: int = MAX_FEATURES
) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary (column indices of ``counts``) and idf fitted on ``rows`` only."""
    part = counts[rows]
    df = np.bincount(part.indices, minlength=counts.shape[1])
    threshold = default_min_df(len(rows)) if min_df is None else min_df
    columns = np.flatnonzero(df >= max(1, threshold))
    if len(columns) > max_features:
        order = np.lexsort((columns, -df[columns]))
        columns = np.sort(columns[order[:max_features]])
    return columns, idf_from_df(df[columns], len(rows))


def weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf × idf, rows L2-normalised (``counts`` already restricted to the vocabulary)."""
    x = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    x.data = 1.0 + np.log(x.data)
    x = x.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ x, dtype=np.float32)


class Tfidf:
    """A fitted vectoriser: ``terms`` (in column order) and their ``idf``."""

    def __init__(self, terms: Sequence[str], idf: np.ndarray) -> None:
        self.terms = list(terms)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.index = {t: i for i, t in enumerate(self.terms)}

    @classmethod
    def fit(cls, counts: TermCounts, rows: np.ndarray | None = None, **kwargs: int) -> tuple[Tfidf, np.ndarray]:
        """The vectoriser fitted on ``rows`` of ``counts`` (all by default) and its vocabulary columns."""
        rows = np.arange(len(counts)) if rows is None else rows
        columns, idf = fit_columns(counts.matrix, rows, **kwargs)
        return cls([counts.terms[c] for c in columns], idf), columns

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        return weigh(count_matrix(texts, self.index.get, lambda: len(self.terms)), self.idf)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        # Terms never hold a newline (tokens are word characters joined by one space).
        joined = "\n".join(self.terms).encode("utf-8")
        return {f"{prefix}terms": np.frombuffer(joined, dtype=np.uint8), f"{prefix}idf": self.idf}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | np.lib.npyio.NpzFile, prefix: str) -> Tfidf:
        joined = np.asarray(arrays[f"{prefix}terms"], dtype=np.uint8).tobytes().decode("utf-8")
        terms = joined.split("\n") if joined else []
        return cls(terms, arrays[f"{prefix}idf"])
