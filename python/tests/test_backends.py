"""Backend choice: Unsloth only when it imports and the job runs on a CUDA GPU. With a recording
stand-in for Unsloth on ``sys.path``, the Unsloth path is exercised for real: the calls it makes are
checked, and what it trains is saved in the same PEFT layout as the transformers path."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from conftest import train_job

from distillery_gpu import backends
from distillery_gpu.jobfile import parse_job
from distillery_gpu.scorer import Scorer

STUBS = str(Path(__file__).parent / "stubs")


@pytest.fixture()
def unsloth_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "unsloth-calls.jsonl"
    monkeypatch.setenv("UNSLOTH_STUB_LOG", str(log))
    monkeypatch.syspath_prepend(STUBS)
    monkeypatch.delitem(sys.modules, "unsloth", raising=False)
    yield log
    sys.modules.pop("unsloth", None)


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_without_unsloth_the_backend_is_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "unsloth", None)  # makes `import unsloth` fail
    assert backends.choose_backend(torch.device("cuda")) == "transformers"
    assert backends.choose_backend(torch.device("cpu")) == "transformers"


def test_unsloth_is_chosen_only_on_a_cuda_device(unsloth_stub: Path) -> None:
    assert backends.choose_backend(torch.device("cpu")) == "transformers"
    assert _calls(unsloth_stub) == []  # not even imported for a CPU job
    assert backends.choose_backend(torch.device("cuda")) == "unsloth"
    assert [c["call"] for c in _calls(unsloth_stub)] == ["import"]


def test_unsloth_path_trains_a_student_in_the_same_format(
    unsloth_stub: Path, tiny_model_dir: Path, dataset: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distillery_gpu import train as train_module

    # The stand-in runs on the CPU; the choice itself is tested above.
    monkeypatch.setattr(train_module, "choose_backend", lambda device: "unsloth")
    job = parse_job(train_job(tiny_model_dir, dataset, epochs=1))
    result = train_module.train(job, tmp_path / "model")
    assert result["backend"] == "unsloth"
    calls = {c["call"]: c["arguments"] for c in _calls(unsloth_stub)}
    # Loaded as a sequence-classification model: no LM head that the regression student never uses.
    assert calls["from_pretrained"] == {
        "model_name": str(tiny_model_dir),
        "max_seq_length": 96,
        "dtype": "torch.float32",
        "load_in_4bit": False,
        "num_labels": 2,
    }
    peft_call = calls["get_peft_model"]
    assert (peft_call["r"], peft_call["lora_alpha"], peft_call["lora_dropout"]) == (8, 16, 0.0)
    assert peft_call["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert peft_call["random_state"] == 42
    config = json.loads((tmp_path / "model" / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS" and config["modules_to_save"] == ["score"]
    assert peft_call["use_gradient_checkpointing"] is False  # a CPU run has no memory to save
    card = json.loads((tmp_path / "model" / "distillery.json").read_text())
    assert card["backend"] == card["training"]["backend"] == "unsloth"
    assert card["training"]["lora_dropout"] == 0.0 and card["training"]["quantization"] is None
    # Reloaded through PEFT, the head and adapter score the validation split as they did in training.
    rows = [json.loads(line) for line in Path(dataset["validation"]).read_text().splitlines()]
    predictions, _ = Scorer(tmp_path / "model", "cpu").predict([{**r, "id": r["article_id"]} for r in rows], 512)
    for dim, mae in card["metrics"]["validation_mae"].items():
        got = sum(abs(p["scores"][dim] - r["scores"][dim]) for p, r in zip(predictions, rows, strict=True)) / len(rows)
        assert got == pytest.approx(mae, abs=1e-3)


def test_unsloth_drops_dropout_unless_the_job_chose_it() -> None:
    # Unset means nobody chose it: 0 keeps Unsloth's fused LoRA kernels; peft gets its own default.
    assert backends.unsloth_lora_dropout(None) == 0.0
    assert backends.unsloth_lora_dropout(0.05) == 0.05
    assert backends.unsloth_lora_dropout(0.1) == 0.1
    assert (
        backends._lora_settings({"lora": {"r": 8, "alpha": 16, "target_modules": ["q_proj"]}})["lora_dropout"] == 0.05
    )
    assert backends.unsloth_lora_dropout(0.0) == 0.0


def test_4bit_is_refused_without_a_gpu_and_skipped_when_bf16_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    from distillery_gpu.errors import DistilleryError

    assert backends.use_4bit(False, torch.device("cpu")) is False
    with pytest.raises(DistilleryError) as refused:
        backends.use_4bit(True, torch.device("cpu"))
    assert refused.value.code == "backend.unavailable"
    monkeypatch.setattr(backends, "gpu_memory_bytes", lambda device: 80 * 10**9)
    assert backends.use_4bit(True, torch.device("cuda")) is False  # an H100 trains the bf16 base
    monkeypatch.setattr(backends, "gpu_memory_bytes", lambda device: 24 * 10**9)
    assert backends.use_4bit(True, torch.device("cuda")) is True  # an L4 needs the memory
