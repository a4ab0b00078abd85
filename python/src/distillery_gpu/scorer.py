"""A trained student loaded for scoring: the adapter merged into its base model, in inference mode.

Regression: ``AutoModelForSequenceClassification(num_labels=card["num_labels"])`` + the PEFT adapter,
merged, bf16 on a GPU with SDPA attention, no KV cache; one forward pass per batch. The head (scores, then
category logits) is read from the adapter file into its own fp32 layer: PEFT would copy it into the bf16
base's ``score`` and round it. Articles are encoded as in training (the card's end marker appended) and
the head's standardised outputs are turned back into 0-10 scores with the card's ``targets``. A student
trained on a 4-bit base is scored on the same 4-bit base (the card's ``training.quantization``), unmerged:
scoring it on a bf16 base would not be the model that was validated. Generative:
vLLM with the LoRA adapter when it imports on a CUDA GPU, else batched ``generate`` (greedy, bounded new
tokens) on the merged model. Both take rows in and give predictions (shared/schemas/prediction.json) out,
in the rows' order, each with the student's own ``categories`` when the filter has categorical fields.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from . import events, generative, regression
from .backends import SCORE_KEY, model_load_kwargs, resolve_device
from .batching import token_budget_batches
from .data import article_text
from .errors import DistilleryError
from .model_card import base_quantization, read_model_card


def load_score_head(model_dir: Path, device: torch.device) -> torch.nn.Linear:
    """The regression head exactly as trained: fp32, straight from the adapter file."""
    weight = load_file(str(model_dir / "adapter_model.safetensors"))[SCORE_KEY].float()
    head = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=False, dtype=torch.float32)
    with torch.no_grad():
        head.weight.copy_(weight)
    return head.to(device).eval()


def _vllm_usable(device: torch.device) -> bool:
    if device.type != "cuda":
        return False
    try:
        importlib.import_module("vllm")
    # vLLM fails to import in many ways on a machine it does not support.
    except Exception as error:  # noqa: BLE001
        events.log(f"vLLM does not import ({type(error).__name__}); using transformers generate")
        return False
    return True


class Scorer:
    """Scores lists of article rows with a trained student.

    >>> scorer = Scorer("out/model", device="auto")  # doctest: +SKIP
    >>> scorer.predict([{"id": "a1", "title": "...", "body": "..."}], batch_tokens=16384)  # doctest: +SKIP
    """

    def __init__(self, model_dir: str | Path, device: str = "auto", max_new_tokens: int = 512) -> None:
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

        self.model_dir = Path(model_dir)
        self.card = read_model_card(model_dir)
        self.head = self.card["head"]
        self.kind = self.card["kind"]
        self.dimensions = self.card["dimensions"]
        self.categories = self.card["categories"]
        self.device = resolve_device(device)
        self.max_length = self.card["hyperparameters"]["max_length"]
        self.max_new_tokens = max_new_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.engine = "transformers"
        self.vllm = None
        if self.head == "generative" and _vllm_usable(self.device):
            self._load_vllm()
            return
        self.quantization = base_quantization(self.card)
        if self.quantization is not None and self.device.type != "cuda":
            raise DistilleryError(
                "model.needs_gpu",
                f"{self.model_dir} was trained on a {self.quantization} (4-bit) base, which loads on a CUDA GPU "
                "only: score it on a GPU node",
            )
        base_class = AutoModelForSequenceClassification if self.head == "regression" else AutoModelForCausalLM
        extra = {"num_labels": self.card["num_labels"]} if self.head == "regression" else {}
        base = base_class.from_pretrained(
            self.card["base_model"], **extra, **model_load_kwargs(self.device, self.quantization is not None)
        )
        if self.head == "regression":
            base.config.use_cache = False  # one pass per article: a KV cache would only cost memory
        self.model = PeftModel.from_pretrained(base, str(self.model_dir))
        targets = set(self.card["hyperparameters"]["lora"]["target_modules"])
        tied = bool(getattr(base.config, "tie_word_embeddings", False))
        # Merging LoRA into a tied output layer would change the input embeddings too, and into a 4-bit
        # base would round the merged weights to 4 bits.
        if not (tied and targets & {"lm_head", "embed_tokens"}) and self.quantization is None:
            self.model = self.model.merge_and_unload()
        if self.quantization is None:
            self.model.to(self.device)
        self.model.eval()
        if self.head == "regression":
            self.score_head = load_score_head(self.model_dir, self.device)
            self.scaling = regression.TargetScaling.from_card(self.card)
            self.end_marker = (self.card.get("pooling") or {}).get("token_id")

    def _backbone(self) -> Any:
        return self.model.get_base_model().model if hasattr(self.model, "get_base_model") else self.model.model

    def _load_vllm(self) -> None:
        from vllm import LLM, SamplingParams
        from vllm.lora.request import LoRARequest

        lora = self.card["hyperparameters"]["lora"]
        self.engine = "vllm"
        self.vllm = LLM(
            model=self.card["base_model"],
            enable_lora=True,
            max_lora_rank=max(lora["r"], 8),
            max_model_len=self.max_length + self.max_new_tokens,
            dtype="bfloat16",
        )
        self.sampling = SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens)
        self.lora_request = LoRARequest("student", 1, str(self.model_dir))

    def lengths(self, rows: list[dict[str, Any]]) -> list[int]:
        """Token counts of each row's input (used to sort and batch)."""
        return [len(ids) for ids in self._encode(rows)]

    def _encode(self, rows: list[dict[str, Any]]) -> list[list[int]]:
        if self.head == "regression":
            return regression.encode_texts(
                self.tokenizer, [article_text(r) for r in rows], self.max_length, self.end_marker
            )
        system = self.card["system_prompt"]
        return [generative.prompt_ids(self.tokenizer, system, r, self.max_length) for r in rows]

    @torch.inference_mode()
    def predict(
        self, rows: list[dict[str, Any]], batch_tokens: int, id_field: str = "id"
    ) -> tuple[list[dict[str, Any]], int]:
        """Predictions for ``rows`` in their order, and the number of input tokens read."""
        encoded = self._encode(rows)
        lengths = [len(ids) for ids in encoded]
        results: list[dict[str, Any] | None] = [None] * len(rows)
        if self.engine == "vllm":
            outputs = self._generate_vllm(encoded)
            for index, text in enumerate(outputs):
                results[index] = generative.parse_completion(text, self.dimensions, self.categories)
        else:
            # Generation also holds the new tokens in memory: budget for them.
            extra = self.max_new_tokens if self.head == "generative" else 0
            for batch in token_budget_batches([n + extra for n in lengths], batch_tokens):
                sequences = [encoded[i] for i in batch]
                if self.head == "regression":
                    ids, mask = regression.pad_batch(sequences, self.tokenizer.pad_token_id, self.device)
                    outputs = regression.forward_scores(self._backbone(), self.score_head, ids, mask)
                    scores = regression.to_scores(outputs, self.dimensions, self.scaling)
                    categories = regression.to_categories(outputs, self.dimensions, self.categories)
                    for index, row_scores, row_categories in zip(batch, scores, categories, strict=True):
                        results[index] = {
                            "scores": row_scores,
                            **({"categories": row_categories} if row_categories else {}),
                        }
                else:
                    for index, text in zip(batch, self._generate(sequences), strict=True):
                        results[index] = generative.parse_completion(text, self.dimensions, self.categories)
        predictions = []
        for row, result in zip(rows, results, strict=True):
            assert result is not None
            predictions.append({"article_id": row[id_field], **result})
        return predictions, sum(lengths)

    def _generate(self, sequences: list[list[int]]) -> list[str]:
        """Greedy batched generation, left-padded, at most ``max_new_tokens`` new tokens."""
        longest = max(len(s) for s in sequences)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(sequences), longest), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, seq in enumerate(sequences):
            ids[row, longest - len(seq) :] = torch.tensor(seq)
            mask[row, longest - len(seq) :] = 1
        output = self.model.generate(
            input_ids=ids.to(self.device),
            attention_mask=mask.to(self.device),
            max_new_tokens=self.max_new_tokens,
            do_sample=False,
            use_cache=True,
            pad_token_id=pad,
            eos_token_id=self.tokenizer.eos_token_id,
        )
        return self.tokenizer.batch_decode(output[:, longest:], skip_special_tokens=True)

    def _generate_vllm(self, sequences: list[list[int]]) -> list[str]:
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=s) for s in sequences]
        outputs = self.vllm.generate(prompts, self.sampling, lora_request=self.lora_request, use_tqdm=False)
        return [o.outputs[0].text for o in outputs]
