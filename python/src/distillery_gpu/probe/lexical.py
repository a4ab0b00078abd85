"""The lexical baseline of every eval report: word unigrams + bigrams, TF-IDF, one ridge regression per
dimension, fitted on train and scored on test (seconds on a CPU). Only predictions come out; the metrics
are computed by the one metrics module in shared/.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import article_text


def lexical_predictions(train_rows: list[dict[str, Any]], test_rows: list[dict[str, Any]], dimensions: list[str]) -> list[dict[str, float]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if len(train_rows) >= 50 else 1, max_features=200_000, sublinear_tf=True)
    x_train = vectorizer.fit_transform([article_text(r) for r in train_rows])
    x_test = vectorizer.transform([article_text(r) for r in test_rows])
    targets = np.array([[r["scores"][d] for d in dimensions] for r in train_rows], dtype=np.float64)
    predicted = np.clip(Ridge(alpha=1.0).fit(x_train, targets).predict(x_test), 0, 10).reshape(len(test_rows), len(dimensions))
    return [{d: round(float(v), 4) for d, v in zip(dimensions, row, strict=True)} for row in predicted]
