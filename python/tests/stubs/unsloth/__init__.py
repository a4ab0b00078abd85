"""A stand-in for the ``unsloth`` package in tests (the real one needs a CUDA GPU).

It records every call (name and arguments) as a JSON line in ``$UNSLOTH_STUB_LOG`` and then does what
Unsloth's ``FastLanguageModel`` does with the same arguments, through transformers and peft, so the code
under test runs its real Unsloth path and the test asserts on what that path asked for.
"""

from __future__ import annotations

import json
import os
from typing import Any

__version__ = "0.0.0-stub"


def _record(name: str, **arguments: Any) -> None:
    log = os.environ.get("UNSLOTH_STUB_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"call": name, "arguments": arguments}, default=str) + "\n")


_record("import")


class FastLanguageModel:
    @staticmethod
    def from_pretrained(
        model_name: str,
        max_seq_length: int,
        dtype: Any = None,
        load_in_4bit: bool = False,
        num_labels: int | None = None,
        **kwargs: Any,
    ):
        extra = {"num_labels": num_labels} if num_labels is not None else {}
        _record(
            "from_pretrained",
            model_name=model_name,
            max_seq_length=max_seq_length,
            dtype=str(dtype),
            load_in_4bit=load_in_4bit,
            **extra,
        )
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

        # As Unsloth does: num_labels loads a sequence-classification model (no LM head).
        if num_labels is not None:
            model = AutoModelForSequenceClassification.from_pretrained(model_name, dtype=dtype, num_labels=num_labels)
        else:
            model = AutoModelForCausalLM.from_pretrained(model_name, dtype=dtype)
        return model, AutoTokenizer.from_pretrained(model_name)

    @staticmethod
    def get_peft_model(
        model: Any, r: int, target_modules: list[str], lora_alpha: int, lora_dropout: float, bias: str, **kwargs: Any
    ):
        _record(
            "get_peft_model",
            r=r,
            target_modules=target_modules,
            lora_alpha=lora_alpha,
            lora_dropout=lora_dropout,
            bias=bias,
            **kwargs,
        )
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            task_type="SEQ_CLS" if hasattr(model, "score") else "CAUSAL_LM",
            r=r,
            lora_alpha=lora_alpha,
            lora_dropout=lora_dropout,
            bias=bias,
            target_modules=target_modules,
        )
        return get_peft_model(model, config)
