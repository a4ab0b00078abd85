"""The generative student: the model writes the filter's JSON (a score and a short reason per dimension,
and a value for each categorical field), the shape the oracle answers in.

Training examples are prompt/completion pairs rendered with the model's chat template; the loss covers
only the completion. Outputs are parsed and checked against the same shape the oracle answers in; a
reply that cannot be read is counted as ``invalid`` and reported, never dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .data import article_text
from .errors import DistilleryError

#: Longest reason kept in a training completion: the student learns short reasons, which keeps
#: generation fast.
MAX_REASON_CHARS = 160


def system_prompt(filter_package: dict[str, Any]) -> str:
    """The fixed instructions: the rubric's dimensions, its categorical fields and the JSON shape to answer in."""
    lines = [
        f"You score news articles for the filter '{filter_package['name']}' (version {filter_package['version']}).",
        "Score each dimension from 0 to 10 and give a short reason:",
    ]
    lines += [f"- {d['key']}: {d['label']}. {d['description']}" for d in filter_package["dimensions"]]
    example: dict[str, Any] = {d["key"]: {"score": 0, "reason": "..."} for d in filter_package["dimensions"]}
    categories = filter_package.get("categories") or []
    if categories:
        lines.append("Pick one value for each categorical field:")
        for category in categories:
            values = ", ".join(v["key"] for v in category["values"])
            lines.append(f"- {category['key']}: {category['label']}. {category['description']} One of: {values}")
            example[category["key"]] = category["values"][0]["key"]
    lines.append("Answer with JSON only, exactly this shape: " + json.dumps(example, separators=(",", ":")))
    return "\n".join(lines)


def render_prompt(tokenizer: Any, system: str, article: str) -> str:
    """The chat-template prompt for one article, ending where the assistant's answer starts."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": article}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _number(value: float) -> float | int:
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def completion_json(row: dict[str, Any], dimensions: list[str], categories: list[dict[str, Any]] | None = None) -> str:
    """The answer the student learns for a dataset row, compact JSON in dimension order, then the row's
    value of each categorical field (``categories``: ``[{key, values}]``) that its label has."""
    reasons = row.get("reasons") or {}
    answer: dict[str, Any] = {
        d: {"score": _number(row["scores"][d]), "reason": (reasons.get(d) or "")[:MAX_REASON_CHARS]} for d in dimensions
    }
    labels = row.get("categories") or {}
    for category in categories or []:
        if labels.get(category["key"]) in category["values"]:
            answer[category["key"]] = labels[category["key"]]
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False)


def prompt_ids(tokenizer: Any, system: str, row: dict[str, Any], budget: int) -> list[int]:
    """Token ids of the rendered prompt, the article cut so the whole prompt fits in ``budget`` tokens.

    Only the article is ever cut: the instructions and the template's opening of the answer stay whole.
    """
    overhead = len(tokenizer(render_prompt(tokenizer, system, ""), add_special_tokens=False)["input_ids"])
    if overhead >= budget:
        raise DistilleryError(
            "student.max_length",
            f"max_length leaves {budget} tokens for the prompt, but the instructions alone take {overhead}",
        )
    article_ids = tokenizer(article_text(row), add_special_tokens=False)["input_ids"]
    room = budget - overhead
    while True:
        article = tokenizer.decode(article_ids[:room], skip_special_tokens=True)
        ids = tokenizer(render_prompt(tokenizer, system, article), add_special_tokens=False)["input_ids"]
        # Decoding and encoding again can merge tokens differently at the cut: shrink until it fits.
        if len(ids) <= budget or room <= 0:
            return list(ids)
        room -= len(ids) - budget


def encode_rows(
    tokenizer: Any,
    system: str,
    rows: list[dict[str, Any]],
    dimensions: list[str],
    max_length: int,
    categories: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Training examples: ``input_ids`` = prompt + completion + end of turn, ``labels`` -100 on the prompt."""
    examples = []
    for row in rows:
        answer = completion_json(row, dimensions, categories)
        completion = tokenizer(answer + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        prompt = prompt_ids(tokenizer, system, row, max(max_length - len(completion), 1))
        ids = (prompt + list(completion))[:max_length]
        labels = ([-100] * len(prompt) + list(completion))[:max_length]
        examples.append({"input_ids": ids, "labels": labels})
    return examples


def batch_loss(student: Any, examples: list[dict[str, Any]]) -> tuple[Any, int]:
    """Cross-entropy on the completion tokens of one micro-batch, and its number of real tokens (counted on
    the host: no device sync)."""
    import torch

    from .regression import pad_batch

    input_ids, mask = pad_batch([e["input_ids"] for e in examples], student.tokenizer.pad_token_id, student.device)
    labels = torch.full_like(input_ids, -100)
    for row, example in enumerate(examples):
        labels[row, : len(example["labels"])] = torch.tensor(example["labels"], dtype=torch.long)
    output = student.peft_model(input_ids=input_ids, attention_mask=mask, labels=labels, use_cache=False)
    return output.loss, sum(len(e["input_ids"]) for e in examples)


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_completion(
    text: str, dimensions: list[str], categories: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Reads a generated answer into a prediction's ``scores``, ``reasons``, ``categories`` (when the filter
    has categorical fields) and ``parse_status``.

    ``ok``: the text is exactly the JSON asked for. ``repaired``: usable after trimming text around the
    object, a code fence, clamping a score into 0-10, or leaving out a categorical field whose value is
    missing or not one of the field's values. ``invalid``: no object with a numeric score for every
    dimension (then ``scores`` is empty).

    >>> parse_completion('{"a":{"score":7,"reason":"ok"}}', ["a"])["parse_status"]
    'ok'
    """
    stripped = text.strip()
    repaired = False
    candidate = _FENCE.sub("", stripped)
    if candidate != stripped:
        repaired = True
    start = candidate.find("{")
    if start < 0:
        return {"scores": {}, "reasons": {}, "parse_status": "invalid"}
    try:
        answer, end = json.JSONDecoder().raw_decode(candidate, start)
    except json.JSONDecodeError:
        return {"scores": {}, "reasons": {}, "parse_status": "invalid"}
    if start > 0 or candidate[end:].strip():
        repaired = True
    if not isinstance(answer, dict):
        return {"scores": {}, "reasons": {}, "parse_status": "invalid"}
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for dimension in dimensions:
        entry = answer.get(dimension)
        score = entry.get("score") if isinstance(entry, dict) else None
        if isinstance(score, bool) or not isinstance(score, int | float):
            return {"scores": {}, "reasons": {}, "parse_status": "invalid"}
        if not 0 <= score <= 10:
            score, repaired = min(max(score, 0), 10), True
        scores[dimension] = float(score)
        reason = entry.get("reason")
        if isinstance(reason, str):
            reasons[dimension] = reason
        else:
            repaired = True
    parsed: dict[str, Any] = {"scores": scores, "reasons": reasons}
    if categories:
        chosen: dict[str, str] = {}
        for category in categories:
            value = answer.get(category["key"])
            if isinstance(value, str) and value in category["values"]:
                chosen[category["key"]] = value
            else:
                repaired = True
        parsed["categories"] = chosen
    return {**parsed, "parse_status": "repaired" if repaired else "ok"}
