"""Loading a base model with LoRA for training, on the fastest backend this machine has.

``unsloth`` (its ``FastLanguageModel`` path, 4-bit optional) when it imports and the job runs on a CUDA
GPU; otherwise ``transformers`` + ``peft`` (bf16 on a GPU, fp32 on a CPU, 4-bit through bitsandbytes when
asked). Both give a :class:`TrainableStudent` whose adapter is saved in the same PEFT layout, so eval and
infer never need to know which one trained it.

How each path trains fast, and why:

- The frozen base is bf16 and the step runs under bf16 autocast; LoRA weights and the regression head
  are fp32 master weights (small updates survive), but LoRA's matmuls run in bf16 like the base's.
- Activation checkpointing only when :func:`budget.plan_training` says a useful micro-batch does not fit
  without it (it costs a second forward pass).
- Regression heads start at zero (step 0 predicts the train means, see :mod:`regression`) and learn at
  their own rate, :func:`head_learning_rate`.
- LoRA dropout the job leaves unset is the backend's choice: 0 on Unsloth (dropout disables its fused
  LoRA kernels), :data:`PEFT_LORA_DROPOUT` on transformers + peft, and the regression model is loaded
  with ``num_labels`` (a sequence-classification model: no LM head of ``vocab x hidden`` loaded and never
  used).
- ``load_in_4bit`` is a memory saving: on a GPU of ``FOUR_BIT_MIN_MEMORY_BYTES`` or more the model
  trains in bf16 instead. When 4-bit does run, nothing else is upcast to fp32, and the model card
  records the quantisation so the scorer loads the very base the adapter was trained on.
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
from .archs import Arch
from .budget import TrainingPlan, plan_training
from .errors import DistilleryError

#: The key PEFT gives a sequence-classification head kept in ``modules_to_save``.
SCORE_KEY = "base_model.model.score.weight"
#: From this much GPU memory a 7B base fits in bf16 with room for activations: 4-bit would only slow it.
FOUR_BIT_MIN_MEMORY_BYTES = 40 * 10**9
#: ``head learning rate x hidden size``. Adam moves every weight by about the learning rate per step, so
#: the head's output moves by about ``lr x sum(|pooled|)``, which grows with the hidden size: fixing the
#: product keeps the head's first steps at a fraction of a standard deviation of a score whatever the
#: model's width (3.9e-3 for the 64-wide test model, 1.6e-4 for Qwen2.5-1.5B, 7e-5 for 7B). Not yet
#: tuned on a GPU run.
HEAD_LR_TIMES_HIDDEN = 0.25


def head_learning_rate(hidden_size: int) -> float:
    """The regression head's learning rate for a decoder ``hidden_size`` wide."""
    return HEAD_LR_TIMES_HIDDEN / hidden_size


def base_dtype(device: torch.device) -> torch.dtype:
    """The frozen base's dtype, in training and scoring alike: bf16 on a GPU, fp32 on a CPU."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


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
    # unsloth raises many kinds of errors when its GPU stack is missing
    except Exception as error:  # noqa: BLE001
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
    #: Micro-batch size and checkpointing (:mod:`budget`); ``micro_batch_rows`` caps rows on a CPU.
    plan: TrainingPlan | None = None
    micro_batch_rows: int | None = None
    #: How this run trained, for the model card: backend path, quantisation, dropout, checkpointing...
    training: dict[str, Any] = field(default_factory=dict)
    #: The decoder's shape, for FLOPs and MFU.
    arch: Arch | None = None
    #: Regression: the train split's score scaling (set by ``train`` once the data is read).
    scaling: Any = None

    def autocast(self) -> Any:
        """bf16 autocast when the base is bf16 (LoRA's fp32 weights then run in bf16 too); else a no-op."""
        enabled = self.training.get("dtype") == "bfloat16"
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=enabled)

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

    def head_parameters(self) -> list[torch.nn.Parameter]:
        """Regression: the head's trainable weights (empty for the generative student)."""
        if self.head != "regression":
            return []
        return [p for p in self.score_head().parameters() if p.requires_grad]

    def parameter_groups(self, learning_rate: float, weight_decay: float) -> list[dict[str, Any]]:
        """AdamW groups: LoRA at the job's ``learning_rate``, the head at :func:`head_learning_rate`
        without weight decay (decay would pull the predictions toward the means)."""
        head_ids = {id(p) for p in self.head_parameters()}
        lora = [p for p in self.trainable_parameters() if id(p) not in head_ids]
        groups = [{"params": lora, "lr": learning_rate, "weight_decay": weight_decay}]
        if head_ids:
            groups.append(
                {"params": self.head_parameters(), "lr": self.training["head_learning_rate"], "weight_decay": 0.0}
            )
        return groups

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
    dropout = lora.get("dropout")
    return {
        "r": lora["r"],
        "lora_alpha": lora["alpha"],
        "lora_dropout": PEFT_LORA_DROPOUT if dropout is None else dropout,
        "target_modules": list(lora["target_modules"]),
    }


#: LoRA dropout on transformers + peft when the job names none (the LoRA paper's small-model setting).
PEFT_LORA_DROPOUT = 0.05


def _float_trainables(model: Any) -> None:
    # Trainable weights in fp32 even when the frozen base is bf16: small updates survive rounding.
    for param in model.parameters():
        if param.requires_grad and param.dtype != torch.float32:
            param.data = param.data.float()


def gpu_memory_bytes(device: torch.device) -> int | None:
    return torch.cuda.get_device_properties(device).total_memory if device.type == "cuda" else None


def use_4bit(requested: bool, device: torch.device) -> bool:
    """Whether to load the base in 4-bit: asked for, and on a GPU too small for bf16."""
    if not requested:
        return False
    if device.type != "cuda":
        raise DistilleryError("backend.unavailable", "job field 'load_in_4bit' needs a CUDA GPU")
    memory = gpu_memory_bytes(device) or 0
    if memory >= FOUR_BIT_MIN_MEMORY_BYTES:
        events.log(
            f"load_in_4bit ignored: this GPU has {memory / 1e9:.0f} GB, enough to train the base in bf16 (faster)"
        )
        return False
    return True


def _plan(config: Any, hyper: dict[str, Any], device: torch.device, load_in_4bit: bool, head: str) -> TrainingPlan:
    spec = Arch.from_config(config)
    if device.type != "cuda":
        # A CPU has no memory budget worth planning: the job's batch_size rows per micro-batch.
        tokens = hyper["batch_size"] * hyper["max_length"]
        return TrainingPlan(tokens, False, 0, spec.activation_bytes_per_token(False))
    lora = hyper["lora"]
    return plan_training(
        spec,
        gpu_memory_bytes(device) or 0,
        hyper["max_length"],
        lora_r=lora["r"],
        target_modules=list(lora["target_modules"]),
        weight_bytes_per_param=0.5 if load_in_4bit else 2,
        lm_head=head == "generative",
    )


def _bnb_config() -> Any:
    try:
        from transformers import BitsAndBytesConfig

        importlib.import_module("bitsandbytes")
    except ImportError as error:
        raise DistilleryError(
            "backend.unavailable", "load_in_4bit needs bitsandbytes (pip install '.[gpu]')"
        ) from error
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)


def model_load_kwargs(device: torch.device, load_in_4bit: bool) -> dict[str, Any]:
    """``from_pretrained`` arguments for the base, shared by training and the scorer so both load the
    same base: dtype, SDPA on a GPU, and nf4 quantisation when the student was trained on it."""
    kwargs: dict[str, Any] = {"dtype": base_dtype(device)}
    if device.type == "cuda":
        kwargs["attn_implementation"] = "sdpa"
    if load_in_4bit:
        kwargs["quantization_config"] = _bnb_config()
        kwargs["device_map"] = {"": device.index or 0}
    return kwargs


def _load_transformers(
    base_model: str, head: str, num_labels: int, hyper: dict[str, Any], device: torch.device, load_in_4bit: bool
) -> tuple[Any, Any, TrainingPlan]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    kwargs = model_load_kwargs(device, load_in_4bit)
    if head == "regression":
        model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=num_labels, **kwargs)
        task_type = "SEQ_CLS"
    else:
        model = AutoModelForCausalLM.from_pretrained(base_model, **kwargs)
        task_type = "CAUSAL_LM"
    model.config.use_cache = False
    plan = _plan(model.config, hyper, device, load_in_4bit, head)
    # No prepare_model_for_kbit_training: it upcasts every non-quantised weight to fp32 (slower, bigger).
    if plan.checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    settings = _lora_settings(hyper)
    config = LoraConfig(task_type=task_type, bias="none", **settings)
    if head == "regression":
        config.modules_to_save = ["score"]
    peft_model = get_peft_model(model, config)
    if not load_in_4bit:
        peft_model.to(device)
    return peft_model, _load_tokenizer(base_model), plan


def unsloth_lora_dropout(requested: float | None) -> float:
    """Unsloth's fast LoRA path needs dropout 0: a job that names none gets 0; a value it names is kept
    (and the slower path runs)."""
    if requested is None:
        return 0.0
    if requested > 0:
        events.log(f"LoRA dropout {requested} turns off Unsloth's fast LoRA kernels (0 keeps them)")
    return requested


def _load_unsloth(
    base_model: str, head: str, num_labels: int, hyper: dict[str, Any], device: torch.device, load_in_4bit: bool
) -> tuple[Any, Any, TrainingPlan, float]:
    from unsloth import FastLanguageModel

    extra = {"num_labels": num_labels} if head == "regression" else {}
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=base_model,
        max_seq_length=hyper["max_length"],
        dtype=base_dtype(device),
        load_in_4bit=load_in_4bit,
        **extra,
    )
    plan = _plan(model.config, hyper, device, load_in_4bit, head)
    settings = _lora_settings(hyper)
    dropout = unsloth_lora_dropout(hyper["lora"].get("dropout"))
    peft_model = FastLanguageModel.get_peft_model(
        model,
        r=settings["r"],
        lora_alpha=settings["lora_alpha"],
        lora_dropout=dropout,
        target_modules=settings["target_modules"],
        bias="none",
        use_gradient_checkpointing="unsloth" if plan.checkpointing else False,
        random_state=hyper["seed"],
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return peft_model, tokenizer, plan, dropout


def load_for_training(
    job: dict[str, Any],
    head: str,
    num_labels: int,
    device: torch.device,
    backend: str,
    categories: list[dict[str, Any]] | None = None,
) -> TrainableStudent:
    """The job's base model with LoRA (and, for regression, a head of ``num_labels`` outputs: the scores, then
    the logits of ``categories``), on ``backend``."""
    student = job["student"]
    hyper = student["hyperparameters"]
    torch.manual_seed(hyper["seed"])
    load_in_4bit = use_4bit(job["load_in_4bit"], device)
    extra_head = None
    dropout = _lora_settings(hyper)["lora_dropout"]
    if backend == "unsloth":
        peft_model, tokenizer, plan, dropout = _load_unsloth(
            student["base_model"], head, num_labels, hyper, device, load_in_4bit
        )
        if head == "regression":
            # Kept outside PEFT, fp32; saved under PEFT's key for `score` (see TrainableStudent).
            hidden = peft_model.get_base_model().config.hidden_size
            extra_head = torch.nn.Linear(hidden, num_labels, bias=False).to(device=device, dtype=torch.float32)
    else:
        peft_model, tokenizer, plan = _load_transformers(
            student["base_model"], head, num_labels, hyper, device, load_in_4bit
        )
    _float_trainables(peft_model)
    config = peft_model.get_base_model().config
    trainable = TrainableStudent(
        backend=backend,
        head=head,
        peft_model=peft_model,
        tokenizer=tokenizer,
        extra_head=extra_head,
        device=device,
        categories=categories or [],
        plan=plan,
        micro_batch_rows=hyper["batch_size"] if device.type != "cuda" else None,
        arch=Arch.from_config(config, student["base_model"]),
    )
    if head == "regression":
        with torch.no_grad():
            for param in trainable.score_head().parameters():
                param.zero_()
    trainable.training = {
        "backend": backend,
        "dtype": "bfloat16" if base_dtype(device) == torch.bfloat16 or load_in_4bit else "float32",
        "quantization": "nf4" if load_in_4bit else None,
        "lora_dropout": dropout,
        "gradient_checkpointing": plan.checkpointing,
        "micro_batch_tokens": plan.micro_batch_tokens,
        **(
            {"head_learning_rate": head_learning_rate(config.hidden_size), "head_dtype": "float32"}
            if head == "regression"
            else {}
        ),
    }
    return trainable
