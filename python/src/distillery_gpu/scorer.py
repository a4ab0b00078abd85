"""A trained student loaded for scoring: the adapter merged into its base model, in inference mode.

Regression: ``AutoModelForSequenceClassification(num_labels=card["num_labels"])`` + the PEFT adapter (which
restores the head: scores, then category logits), merged, bf16 on a GPU with SDPA attention; one forward
pass per batch. Generative:
vLLM with the LoRA adapter when it imports on a CUDA GPU, else batched ``generate`` (greedy, bounded new
tokens) on the merged model. Both take rows in and give predictions (shared/schemas/prediction.json) out,
in the rows' order, each with the student's own ``categories`` when the filter has categorical fields.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import torch

from . import events, generative, regression
from .backends import resolve_device
from .batching import token_budget_batches
from .data import article_text
from .model_card import read_model_card


def _model_kwargs(device: torch.device) -> dict[str, Any]:
    if device.type == "cuda":
        return {"dtype": torch.bfloat16, "attn_implementation": "sdpa"}
    return {"dtype": torch.float32}


def _vllm_usable(device: torch.device) -> bool:
    if device.type != "cuda":
        return False
    try:
        importlib.import_module("vllm")
    except Exception as error:  # vLLM fails to import in many ways on a machine it does not support
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
        base_class = AutoModelForSequenceClassification if self.head == "regression" else AutoModelForCausalLM
        extra = {"num_labels": self.card["num_labels"]} if self.head == "regression" else {}
        base = base_class.from_pretrained(self.card["base_model"], **extra, **_model_kwargs(self.device))
        self.model = PeftModel.from_pretrained(base, str(self.model_dir))
        targets = set(self.card["hyperparameters"]["lora"]["target_modules"])
        tied = bool(getattr(base.config, "tie_word_embeddings", False))
        # Merging LoRA into a tied output layer would change the input embeddings too.
        if not (tied and targets & {"lm_head", "embed_tokens"}):
            self.model = self.model.merge_and_unload()
        self.model.to(self.device).eval()
        if self.head == "regression":
            self._score_head().float()

    def _backbone(self) -> Any:
        return self.model.get_base_model().model if hasattr(self.model, "get_base_model") else self.model.model

    def _score_head(self) -> Any:
        return self.model.get_base_model().score if hasattr(self.model, "get_base_model") else self.model.score

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
            return regression.encode_texts(self.tokenizer, [article_text(r) for r in rows], self.max_length)
        system = self.card["system_prompt"]
        return [generative.prompt_ids(self.tokenizer, system, r, self.max_length) for r in rows]

    @torch.inference_mode()
    def predict(self, rows: list[dict[str, Any]], batch_tokens: int, id_field: str = "id") -> tuple[list[dict[str, Any]], int]:
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
                    outputs = regression.forward_scores(self._backbone(), self._score_head(), ids, mask)
                    scores = regression.to_scores(outputs, self.dimensions)
                    categories = regression.to_categories(outputs, self.dimensions, self.categories)
                    for index, row_scores, row_categories in zip(batch, scores, categories, strict=True):
                        results[index] = {"scores": row_scores, **({"categories": row_categories} if row_categories else {})}
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
            pad_token_id=pad,
            eos_token_id=self.tokenizer.eos_token_id,
        )
        return self.tokenizer.batch_decode(output[:, longest:], skip_special_tokens=True)

    def _generate_vllm(self, sequences: list[list[int]]) -> list[str]:
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=s) for s in sequences]
        outputs = self.vllm.generate(prompts, self.sampling, lora_request=self.lora_request, use_tqdm=False)
        return [o.outputs[0].text for o in outputs]
