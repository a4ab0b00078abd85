"""The CPU students: ``probe`` (a frozen multilingual encoder over whole articles, stacked with the
lexical model) and ``lexical`` (word + bigram TF-IDF with ridge), both with category heads, out-of-fold
calibration and adaptive conformal intervals; neither imports torch with the packaged ONNX encoder.

``train_probe`` and ``train_lexical`` take the train job; ``evaluate_probe`` and ``infer_probe`` take
the eval/infer jobs of either kind's model folder; ``is_probe(model_dir)`` (alias ``is_cpu_student``)
tells the eval/infer dispatch that a folder holds one of them.
"""

from .artifact import is_cpu_student, is_probe
from .student import evaluate_probe, infer_probe, train_lexical, train_probe

__all__ = ["evaluate_probe", "infer_probe", "is_cpu_student", "is_probe", "train_lexical", "train_probe"]
