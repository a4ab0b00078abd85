"""The ``probe`` student (CPU-first): a frozen sentence encoder, a small head per dimension (ridge or MLP,
chosen on validation), isotonic calibration and a conformal interval of the overall score.

``train_probe``, ``evaluate_probe`` and ``infer_probe`` take the same job files as the other students;
``is_probe(model_dir)`` tells the eval/infer dispatch which student a model folder holds.
"""

from .artifact import is_probe
from .student import evaluate_probe, infer_probe, train_probe

__all__ = ["evaluate_probe", "infer_probe", "is_probe", "train_probe"]
