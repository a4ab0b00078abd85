"""The regression student's GPU recipe, checked without a GPU: FLOPs of the real Qwen2.5 shapes counted on
the meta device against the formulas MFU uses, the micro-batch plan against named GPUs' memory, the fp32
head through a bf16 train -> save -> load -> score round trip, scores that do not depend on batching, no
KV cache, step 0 at the target means, and training batches that are almost all real tokens."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from conftest import make_rows, train_job, write_jsonl
from safetensors.torch import load_file

from distillery_gpu import backends, regression
from distillery_gpu import train as train_module
from distillery_gpu.archs import arch
from distillery_gpu.batching import length_grouped_steps, padding_ratio, token_budget_batches
from distillery_gpu.budget import plan_training
from distillery_gpu.gpus import gpu_spec, peak_flops
from distillery_gpu.jobfile import parse_job
from distillery_gpu.scorer import Scorer


def _meta_flops(spec: Any, seq: int, lora: bool) -> float:
    """FLOPs torch counts per token for one forward (and, with ``lora``, the backward of a LoRA step) of
    ``spec``'s decoder layers, on the meta device: the real matmul shapes, nothing computed."""
    from peft import LoraConfig, get_peft_model
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModelForSequenceClassification

    with torch.device("meta"):
        model = AutoModelForSequenceClassification.from_config(
            spec.qwen2_config(2), dtype=torch.bfloat16, attn_implementation="sdpa"
        )
    if lora:
        model = get_peft_model(
            model,
            LoraConfig(
                task_type="SEQ_CLS", r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]
            ),
        )
    decoder = model.get_base_model().model if lora else model.model
    ids = torch.zeros((1, seq), dtype=torch.long, device="meta")
    positions = torch.arange(seq, device="meta")[None]
    with FlopCounterMode(display=False) as counter:
        hidden = decoder.embed_tokens(ids)
        rotary = decoder.rotary_emb(hidden, positions)
        for layer in decoder.layers:  # no mask: SDPA's causal path, as with an all-real batch
            hidden = layer(hidden, attention_mask=None, position_ids=positions, position_embeddings=rotary)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        if lora:
            decoder.norm(hidden)[:, -1].float().sum().backward()
    return counter.get_total_flops() / seq


@pytest.mark.parametrize("name", ["Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct"])
def test_flops_counted_on_the_real_shapes_match_the_mfu_formulas(name: str) -> None:
    # Two layers of the published shape: every term of the formula is per layer, so two layers check them
    # all at a fraction of the time.
    spec = dataclasses.replace(arch(name), layers=2)
    seq = 512
    assert _meta_flops(spec, seq, lora=False) == pytest.approx(spec.score_flops_per_token(seq), rel=1e-6)
    # LoRA training: the formula leaves out LoRA's own small matmuls and counts the first layer's input
    # gradients, which nothing needs: within 2%.
    assert _meta_flops(spec, seq, lora=True) == pytest.approx(spec.lora_train_flops_per_token(seq), rel=0.02)


def test_peaks_are_read_from_the_exact_device_name() -> None:
    assert peak_flops("NVIDIA H100 80GB HBM3") == 989.4e12
    assert peak_flops("NVIDIA H100 PCIe") == 756e12
    assert peak_flops("NVIDIA H100 NVL") == 835.5e12
    assert peak_flops("NVIDIA H200") == 989.4e12 and peak_flops("NVIDIA H200 NVL") == 835.5e12
    assert (peak_flops("NVIDIA L4"), peak_flops("NVIDIA L40"), peak_flops("NVIDIA L40S")) == (
        121e12,
        181.05e12,
        362.05e12,
    )
    assert peak_flops("NVIDIA A10G") == 70e12 and peak_flops("NVIDIA A10") == 125e12
    assert peak_flops("Some Future GPU") is None


def test_activation_memory_decides_checkpointing_per_gpu() -> None:
    seven = arch("Qwen/Qwen2.5-7B")
    # A 7B token keeps about 6 MB of activations without checkpointing, 0.6 MB with it.
    assert 5e6 < seven.activation_bytes_per_token(False) < 8e6
    assert seven.activation_bytes_per_token(True) < seven.activation_bytes_per_token(False) / 8
    h100 = plan_training(seven, gpu_spec("NVIDIA H100 80GB HBM3").memory_bytes, 2048)
    assert not h100.checkpointing and h100.micro_batch_tokens >= 4096
    assert h100.micro_batch_tokens * h100.activation_bytes_per_token <= h100.activation_budget_bytes
    h200 = plan_training(seven, gpu_spec("NVIDIA H200").memory_bytes, 2048)
    assert not h200.checkpointing and h200.micro_batch_tokens > h100.micro_batch_tokens
    # An L4 holds the bf16 weights but not 4,096 tokens of activations beside them.
    l4 = plan_training(seven, gpu_spec("NVIDIA L4").memory_bytes, 2048)
    assert l4.checkpointing and l4.micro_batch_tokens >= 2048
    assert l4.micro_batch_tokens * l4.activation_bytes_per_token <= l4.activation_budget_bytes


def test_length_grouped_training_batches_pad_under_5_percent() -> None:
    rng = random.Random(0)
    # News articles: log-normal around 700 tokens, 300 to 2,000.
    lengths = [int(min(max(rng.lognormvariate(6.55, 0.5), 300), 2000)) for _ in range(4000)]
    steps = length_grouped_steps(lengths, step_size=16, seed=1)
    assert sorted(i for s in steps for i in s) == list(range(len(lengths)))
    assert len(steps) == 250 and all(len(s) == 16 for s in steps)
    micro = [[s[j] for j in b] for s in steps for b in token_budget_batches([lengths[i] for i in s], 8192)]
    assert padding_ratio(lengths, micro) < 0.05
    # What random micro-batches of 4 waste, for comparison.
    order = list(range(len(lengths)))
    rng.shuffle(order)
    assert padding_ratio(lengths, [order[i : i + 4] for i in range(0, len(order), 4)]) > 0.25


def test_step_zero_predicts_the_target_means(tiny_model_dir: Path, dataset: dict[str, str]) -> None:
    job = parse_job(train_job(tiny_model_dir, dataset))
    student = backends.load_for_training(job, "regression", 2, torch.device("cpu"), "transformers")
    rows = make_rows(20, "train", 5)
    student.scaling = regression.TargetScaling.fit(rows, ["maturity", "evidence"])
    examples = regression.encode_rows(student.tokenizer, rows, ["maturity", "evidence"], 96, [], student.scaling)
    predictions = train_module.validation_predictions(student, examples)
    means = torch.tensor(student.scaling.mean).expand(len(rows), 2)
    assert torch.allclose(predictions, means, atol=1e-5)
    assert student.score_head().weight.abs().sum() == 0
    # The head learns at its own rate, without weight decay.
    groups = student.parameter_groups(1e-4, 0.01)
    assert groups[1]["lr"] == backends.head_learning_rate(64) and groups[1]["weight_decay"] == 0.0


def test_bf16_student_keeps_its_fp32_head_from_training_to_scoring(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The GPU's recipe on a CPU: bf16 base, bf16 autocast, fp32 LoRA and head.
    monkeypatch.setattr(backends, "base_dtype", lambda device: torch.bfloat16)
    captured: list[torch.Tensor] = []
    real_predictions = train_module.validation_predictions
    monkeypatch.setattr(
        train_module, "validation_predictions", lambda s, e: captured.append(real_predictions(s, e)) or captured[-1]
    )
    data = {
        "train": str(write_jsonl(tmp_path / "train.jsonl", make_rows(32, "train", 1))),
        "validation": str(write_jsonl(tmp_path / "validation.jsonl", make_rows(12, "validation", 2))),
    }
    job = parse_job(train_job(tiny_model_dir, data, epochs=2, learning_rate=1e-2))
    result = train_module.train(job, tmp_path / "model")
    card = json.loads((tmp_path / "model" / "distillery.json").read_text())
    assert card["training"]["dtype"] == "bfloat16" and card["training"]["head_dtype"] == "float32"
    assert result["details"]["training"]["gradient_checkpointing"] is False

    scorer = Scorer(tmp_path / "model", "cpu")
    assert next(scorer.model.parameters()).dtype == torch.bfloat16
    saved = load_file(str(tmp_path / "model" / "adapter_model.safetensors"))[backends.SCORE_KEY]
    assert saved.dtype == scorer.score_head.weight.dtype == torch.float32
    assert torch.equal(scorer.score_head.weight.cpu(), saved)  # not rounded through bf16
    rows = [json.loads(line) for line in Path(data["validation"]).read_text().splitlines()]
    predictions, _ = scorer.predict([{**r, "id": r["article_id"]} for r in rows], 512)
    in_training = captured[-1][:, :2]
    got = torch.tensor([[p["scores"]["maturity"], p["scores"]["evidence"]] for p in predictions])
    # Merging LoRA into bf16 weights rounds them once: a few hundredths of a point on the 0-10 scale.
    assert (got - in_training).abs().max() < 0.1
    assert card["metrics"]["validation_mae"]["maturity"] == pytest.approx(
        float((in_training[:, 0] - torch.tensor([r["scores"]["maturity"] for r in rows])).abs().mean()), abs=1e-3
    )


def test_scores_do_not_depend_on_batching_or_padding(trained_regression: dict[str, Any]) -> None:
    scorer = Scorer(trained_regression["dir"], "cpu")
    rows = [json.loads(line) for line in Path(trained_regression["data"]["validation"]).read_text().splitlines()]
    rows = [{**r, "id": r["article_id"]} for r in rows]
    together, _ = scorer.predict(rows, batch_tokens=4096)
    one_by_one, _ = scorer.predict(rows, batch_tokens=1)  # a batch per article: no padding at all
    shuffled = list(reversed(rows))
    reordered, _ = scorer.predict(shuffled, batch_tokens=200)
    by_id = {p["article_id"]: p["scores"] for p in reordered}
    for a, b in zip(together, one_by_one, strict=True):
        assert a["article_id"] == b["article_id"]
        for dim, value in a["scores"].items():
            assert value == pytest.approx(b["scores"][dim], abs=1e-3)
            assert value == pytest.approx(by_id[a["article_id"]][dim], abs=1e-3)


def test_scoring_keeps_no_kv_cache(trained_regression: dict[str, Any]) -> None:
    scorer = Scorer(trained_regression["dir"], "cpu")
    seen: list[tuple[dict[str, Any], Any]] = []
    handle = scorer._backbone().register_forward_hook(
        lambda module, args, kwargs, output: seen.append((kwargs, output)), with_kwargs=True
    )
    try:
        scorer.predict([{"id": "a", "title": "solar in Porto", "body": "A solar project in Porto."}], 512)
    finally:
        handle.remove()
    assert seen and all(kwargs.get("use_cache") is False and output.past_key_values is None for kwargs, output in seen)
