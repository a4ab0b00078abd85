"""The lexical baseline of every eval report: word unigram + bigram TF-IDF (``tfidf.py``), a
multi-output ridge (alpha per dimension by leave-one-out on train) and a softmax head per categorical
field, fitted once on the job's train split and scored on the test split (seconds on a CPU). Its
predictions carry scores and categories, so the report runs its postfilter on its own categories like
any student's. The metrics are computed by the one metrics module in shared/.

The ``lexical`` student kind is the same model fitted by cross-fitting, with calibration and intervals
(``student.train_lexical``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..data import article_text
from . import heads
from .crossfit import LEXICAL_ALPHA, LEXICAL_CATEGORY_C, argmax_categories
from .tfidf import TermCounts, Tfidf, weigh


def category_fields(filter_part: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    return [(c["key"], [v["key"] for v in c["values"]]) for c in filter_part.get("categories") or []]


def category_labels(rows: Sequence[Mapping[str, Any]], fields: list[tuple[str, list[str]]]) -> dict[str, np.ndarray]:
    """Per field, the index of each row's oracle value (-1 when the row has none or an unknown one)."""
    out = {}
    for key, values in fields:
        index = {v: i for i, v in enumerate(values)}
        out[key] = np.array([index.get((r.get("categories") or {}).get(key), -1) for r in rows], dtype=np.int64)
    return out


def lexical_predictions(
    train_rows: list[dict[str, Any]],
    test_rows: list[dict[str, Any]],
    dimensions: list[str],
    filter_part: Mapping[str, Any] | None = None,
    *,
    max_chars: int | None = None,
) -> list[dict[str, Any]]:
    """``{"scores", "categories"}`` per test row from TF-IDF + ridge (+ category heads) fitted on train."""
    fields = category_fields(filter_part or {})
    counts = TermCounts.count(article_text(r, max_chars) for r in train_rows)
    vectorizer, columns = Tfidf.fit(counts)
    x_train = weigh(counts.matrix[:, columns], vectorizer.idf)
    x_test = vectorizer.transform(article_text(r, max_chars) for r in test_rows)
    targets = np.array([[r["scores"][d] for d in dimensions] for r in train_rows], dtype=np.float64)
    predicted = np.clip(heads.linear(heads.fit_ridge(x_train, targets, LEXICAL_ALPHA), x_test), 0, 10)
    labels = category_labels(train_rows, fields)
    probs = {
        key: heads.category_probabilities(
            heads.fit_category(x_train, labels[key], len(values), c=LEXICAL_CATEGORY_C), x_test
        )
        for key, values in fields
    }
    categories = argmax_categories(fields, probs, len(test_rows))
    return [
        {"scores": {d: round(float(v), 4) for d, v in zip(dimensions, row, strict=True)}, "categories": cats}
        for row, cats in zip(predicted, categories, strict=True)
    ]
