"""Loading a base model with LoRA for training, on the fastest backend this machine has.

``unsloth`` (its ``FastLanguageModel`` path, 4-bit optional) when it imports and the job runs on a CUDA
GPU; otherwise ``transformers`` + ``peft`` (bf16 on a GPU, fp32 on a CPU, 4-bit through bitsandbytes when
asked). Both give a :class:`TrainableStudent` whose adapter is saved in the same PEFT layout, so eval and
infer never need to know which one trained it.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from . import events
from .errors import DistilleryError

#: The key PEFT gives a sequence-classification head kept in ``modules_to_save``.
SCORE_KEY = "base_model.model.score.weight"


def resolve_device(device: str) -> torch.device:
    """``auto`` is CUDA when a GPU is visible, else CPU; ``cuda`` without a GPU is an error."""
    if device == "cuda" and not torch.cuda.is_available():
        raise DistilleryError("device.unavailable", "job field 'device' is 'cuda' but no CUDA GPU is visible")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def unsloth_importable() -> bool:
    try:
        importlib.import_module("unsloth")
    except Exception as error:  # unsloth raises many kinds of errors when its GPU stack is missing
        events.log(f"unsloth does not import ({type(error).__name__}: {error}); using transformers + peft")
        return False
    return True


def choose_backend(device: torch.device) -> str:
    """``unsloth`` only when it imports and the job runs on a CUDA GPU; else ``transformers``."""
    if device.type == "cuda" and unsloth_importable():
        return "unsloth"
    return "transformers"


@dataclass
class TrainableStudent:
    """A base model with LoRA (and, for regression, a linear head) ready to train."""

    backend: str
    head: str
    peft_model: Any
    tokenizer: Any
    #: Regression on unsloth only: the linear head, kept outside PEFT (on transformers, PEFT keeps the
    #: model's own ``score`` layer as a module to save).
    extra_head: torch.nn.Linear | None = None
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    #: Regression: the filter's categorical fields whose logits follow the scores in the head
    #: (``[{key, values}]``, see :func:`model_card.category_fields`).
    categories: list[dict[str, Any]] = field(default_factory=list)

    def backbone(self) -> Any:
        """The decoder (e.g. ``Qwen2Model``) whose last hidden state the regression head reads."""
        return self.peft_model.get_base_model().model

    def score_head(self) -> Any:
        """The regression head: one output per dimension, fp32."""
        return self.extra_head if self.extra_head is not None else self.peft_model.get_base_model().score

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        params = [p for p in self.peft_model.parameters() if p.requires_grad]
        if self.extra_head is not None:
            params.append(self.extra_head.weight)
        return params

    def adapter_state(self) -> dict[str, torch.Tensor]:
        from peft import get_peft_model_state_dict

        state = {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(self.peft_model).items()}
        if self.extra_head is not None:
            state[SCORE_KEY] = self.extra_head.weight.detach().float().cpu().contiguous()
        return state

    def load_adapter_state(self, path: Path) -> None:
        from peft import set_peft_model_state_dict

        state = load_file(str(path))
        if self.extra_head is not None:
            with torch.no_grad():
                self.extra_head.weight.copy_(state.pop(SCORE_KEY).to(self.extra_head.weight))
        set_peft_model_state_dict(self.peft_model, state)

    def save_adapter(self, directory: Path) -> None:
        """Writes ``adapter_config.json`` + ``adapter_model.safetensors`` (PEFT layout) and the tokenizer."""
        directory.mkdir(parents=True, exist_ok=True)
        config = self.peft_model.peft_config["default"]
        config_dict = config.to_dict()
        config_dict["inference_mode"] = True
        if self.head == "regression":
            # The head travels as PEFT's saved copy of `score`, so loading the adapter onto
            # AutoModelForSequenceClassification(num_labels=len(dimensions)) restores it.
            config_dict["task_type"] = "SEQ_CLS"
            config_dict["modules_to_save"] = ["score"]
        else:
            config_dict["task_type"] = "CAUSAL_LM"
        for key, value in list(config_dict.items()):
            if isinstance(value, set):
                config_dict[key] = sorted(value)
        (directory / "adapter_config.json").write_text(json.dumps(config_dict, indent=2, default=str) + "\n")
        save_file(self.adapter_state(), str(directory / "adapter_model.safetensors"), metadata={"format": "pt"})
        self.tokenizer.save_pretrained(str(directory))


def _load_tokenizer(base_model: str) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


def _lora_settings(hyper: dict[str, Any]) -> dict[str, Any]:
    lora = hyper["lora"]
    return {"r": lora["r"], "lora_alpha": lora["alpha"], "lora_dropout": lora["dropout"], "target_modules": list(lora["target_modules"])}


def _float_trainables(model: Any) -> None:
    # Trainable weights in fp32 even when the frozen base is bf16: small updates survive rounding.
    for param in model.parameters():
        if param.requires_grad and param.dtype != torch.float32:
            param.data = param.data.float()


def _load_transformers(
    base_model: str, head: str, num_labels: int, hyper: dict[str, Any], device: torch.device, load_in_4bit: bool
) -> tuple[Any, Any]:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if device.type == "cuda" else torch.float32}
    if device.type == "cuda":
        kwargs["attn_implementation"] = "sdpa"
    if load_in_4bit:
        if device.type != "cuda":
            raise DistilleryError("backend.unavailable", "job field 'load_in_4bit' needs a CUDA GPU")
        try:
            from transformers import BitsAndBytesConfig

            importlib.import_module("bitsandbytes")
        except ImportError as error:
            raise DistilleryError("backend.unavailable", "load_in_4bit needs bitsandbytes (pip install '.[gpu]')") from error
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
        kwargs["device_map"] = {"": device.index or 0}
    if head == "regression":
        model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=num_labels, **kwargs)
        task_type = "SEQ_CLS"
    else:
        model = AutoModelForCausalLM.from_pretrained(base_model, **kwargs)
        task_type = "CAUSAL_LM"
    if load_in_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
    elif device.type == "cuda":
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    settings = _lora_settings(hyper)
    config = LoraConfig(task_type=task_type, bias="none", **settings)
    if head == "regression":
        config.modules_to_save = ["score"]
    peft_model = get_peft_model(model, config)
    if not load_in_4bit:
        peft_model.to(device)
    return peft_model, _load_tokenizer(base_model)


def _load_unsloth(base_model: str, hyper: dict[str, Any], device: torch.device, load_in_4bit: bool) -> tuple[Any, Any]:
    from unsloth import FastLanguageModel

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=base_model,
        max_seq_length=hyper["max_length"],
        dtype=torch.bfloat16 if device.type == "cuda" else torch.float32,
        load_in_4bit=load_in_4bit,
    )
    settings = _lora_settings(hyper)
    peft_model = FastLanguageModel.get_peft_model(
        model,
        r=settings["r"],
        lora_alpha=settings["lora_alpha"],
        lora_dropout=settings["lora_dropout"],
        target_modules=settings["target_modules"],
        bias="none",
        use_gradient_checkpointing="unsloth",
        random_state=hyper["seed"],
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return peft_model, tokenizer


def load_for_training(
    job: dict[str, Any], head: str, num_labels: int, device: torch.device, backend: str, categories: list[dict[str, Any]] | None = None
) -> TrainableStudent:
    """The job's base model with LoRA (and, for regression, a head of ``num_labels`` outputs: the scores, then
    the logits of ``categories``), on ``backend``."""
    student = job["student"]
    hyper = student["hyperparameters"]
    torch.manual_seed(hyper["seed"])
    if backend == "unsloth":
        peft_model, tokenizer = _load_unsloth(student["base_model"], hyper, device, job["load_in_4bit"])
        extra_head = None
        if head == "regression":
            hidden = peft_model.get_base_model().config.hidden_size
            extra_head = torch.nn.Linear(hidden, num_labels, bias=False).to(device=device, dtype=torch.float32)
            torch.nn.init.normal_(extra_head.weight, std=0.02)
    else:
        peft_model, tokenizer = _load_transformers(
            student["base_model"], head, num_labels, hyper, device, job["load_in_4bit"]
        )
        extra_head = None
    _float_trainables(peft_model)
    return TrainableStudent(
        backend=backend, head=head, peft_model=peft_model, tokenizer=tokenizer, extra_head=extra_head, device=device,
        categories=categories or [],
    )
