"""Fixtures: a tiny Qwen2-architecture model and a byte-level BPE tokenizer with a chat template, both
built here (no download), a small filter package and dataset whose scores and category follow the
article's words. Nothing here needs torch until a torch fixture is used, so the torch-free tests also run
in the cpu profile (the torch tests skip themselves there with ``pytest.importorskip("torch")``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "src"))
os.environ.setdefault("DISTILLERY_SCHEMAS_DIR", str(ROOT / "shared" / "schemas"))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

try:
    import torch
except ImportError:  # the cpu profile: the torch tests skip themselves (pytest.importorskip)
    torch = None
else:
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

#: For a test that needs torch in a module that also holds torch-free ones.
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch: the full profile (DISTILLERY_PY_PROFILE=full)")

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SUBJECTS = {
    "solar": (8, 7),
    "wind": (7, 5),
    "battery": (5, 8),
    "hydrogen": (2, 3),
    "fusion": (0, 1),
    "heatpump": (6, 6),
}
PLACES = ["Lisbon", "Utrecht", "Madrid", "Porto", "Ghent", "Seville"]


#: The categorical field of ``make_filter(categories=True)``: which stage a subject is at.
STAGE = {
    "key": "stage",
    "label": "Stage",
    "description": "How far the technology has come.",
    "values": [
        {"key": "deployed", "description": "In use."},
        {"key": "early", "description": "Not yet in use.", "cap_overall_at": 4},
    ],
}


def stage_of(subject: str) -> str:
    return "deployed" if SUBJECTS[subject][0] >= 5 else "early"


def make_filter(categories: bool = False) -> dict[str, Any]:
    return {
        "name": "tiny-tech",
        "version": 1,
        "description": "A two-dimension filter for tests.",
        "languages": ["en"],
        "dimensions": [
            {"key": "maturity", "label": "Maturity", "weight": 0.6, "description": "How deployed it is."},
            {"key": "evidence", "label": "Evidence", "weight": 0.4, "description": "Measured data."},
        ],
        "tiers": [
            {"key": "high", "label": "High", "min_overall": 6, "description": "Deployed."},
            {"key": "low", "label": "Low", "min_overall": 0, "description": "Not yet."},
        ],
        "prompt": "Score deployed climate technology.",
        **({"categories": [STAGE]} if categories else {}),
    }


def make_rows(count: int, split: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        subject = rng.choice(list(SUBJECTS))
        maturity, evidence = SUBJECTS[subject]
        place = rng.choice(PLACES)
        filler = " ".join(
            rng.choice(["the", "plant", "city", "report", "new", "year"]) for _ in range(rng.randint(3, 40))
        )
        rows.append(
            {
                "article_id": f"{split}-{index}",
                "split": split,
                "title": f"{subject} in {place}",
                "body": f"A {subject} project in {place}. {filler}",
                "language": "en",
                "source": "fixture",
                "scores": {"maturity": maturity, "evidence": evidence},
                "reasons": {"maturity": f"{subject} status", "evidence": f"{subject} data"},
                "categories": {"stage": stage_of(subject)},
                "overall": 0.6 * maturity + 0.4 * evidence,
                "tier": "high" if 0.6 * maturity + 0.4 * evidence >= 6 else "low",
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def build_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from distillery_gpu import generative
    from distillery_gpu.model_card import category_fields

    corpus = []
    filter_package = make_filter(categories=True)
    categories = category_fields(filter_package)
    for row in make_rows(60, "train", 1):
        corpus += [row["title"], row["body"], generative.completion_json(row, ["maturity", "evidence"], categories)]
    corpus.append(generative.system_prompt(filter_package))
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
    )


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Qwen2 causal LM with its tokenizer: what a user's local base-model folder looks like."""
    from transformers import AutoModelForCausalLM, Qwen2Config

    folder = tmp_path_factory.mktemp("tiny-qwen2")
    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def dataset(tmp_path: Path) -> dict[str, str]:
    return {
        "train": str(write_jsonl(tmp_path / "train.jsonl", make_rows(48, "train", 1))),
        "validation": str(write_jsonl(tmp_path / "validation.jsonl", make_rows(12, "validation", 2))),
        "test": str(write_jsonl(tmp_path / "test.jsonl", make_rows(12, "test", 3))),
    }


def train_job(
    model_dir: Path, data: dict[str, str], kind: str = "regression", *, categories: bool = False, **hyper: Any
) -> dict[str, Any]:
    """A train job file for the tiny model; ``hyper`` overrides the hyperparameters."""
    hyperparameters = {
        "batch_size": 8,
        "gradient_accumulation": 1,
        "learning_rate": 5e-3,
        "epochs": 2,
        "max_length": 96,
        "warmup_ratio": 0.0,
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]},
    }
    hyperparameters.update(hyper)
    return {
        "command": "train",
        "job_id": f"test-{kind}",
        "filter": make_filter(categories),
        "student": {"kind": kind, "base_model": str(model_dir), "hyperparameters": hyperparameters},
        "data": {"train": data["train"], "validation": data["validation"]},
        "device": "cpu",
    }


#: Distributions that come with the torch wheel.
TORCH_DISTRIBUTIONS = ("torch", "torchgen", "functorch")


def run_without_torch(args: list[str], tmp_path: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Runs ``python -m distillery_gpu ARGS`` as the cpu profile would: this interpreter with its
    site-packages less torch (links to every other installed package), so ``import torch`` fails and
    ``find_spec("torch")`` finds nothing, as where torch was never installed."""
    site = Path(sysconfig.get_paths()["purelib"])
    shadow = tmp_path / "site-packages-without-torch"
    if not shadow.exists():
        shadow.mkdir()
        for entry in site.iterdir():
            if entry.name.split("-")[0].split(".")[0].lower() not in TORCH_DISTRIBUTIONS:
                (shadow / entry.name).symlink_to(entry)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'python' / 'src'}:{shadow}", "PYTHONNOUSERSITE": "1"}
    return subprocess.run(
        [sys.executable, "-S", "-m", "distillery_gpu", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def run_cli(command: str, job: dict[str, Any], out_dir: Path, capsys: Any = None) -> tuple[int, list[dict[str, Any]]]:
    """Runs ``python -m distillery_gpu`` in this process; returns the exit status and the stdout events."""
    from distillery_gpu.cli import main

    out_dir.mkdir(parents=True, exist_ok=True)
    job_path = out_dir.parent / f"{out_dir.name}-job.json"
    job_path.write_text(json.dumps(job))
    code = main([command, "--job", str(job_path), "--out", str(out_dir)])
    lines = []
    if capsys is not None:
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, lines


@pytest.fixture(scope="session")
def trained_regression(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A regression student trained once for the tests that read a trained model."""
    from distillery_gpu.jobfile import parse_job
    from distillery_gpu.train import train

    folder = tmp_path_factory.mktemp("regression")
    data = {
        "train": str(write_jsonl(folder / "train.jsonl", make_rows(48, "train", 1))),
        "validation": str(write_jsonl(folder / "validation.jsonl", make_rows(12, "validation", 2))),
        "test": str(write_jsonl(folder / "test.jsonl", make_rows(12, "test", 3))),
    }
    job = parse_job(train_job(tiny_model_dir, data, epochs=4, learning_rate=1e-2) | {"checkpoint_every_steps": 4})
    result = train(job, folder / "model")
    return {"dir": folder / "model", "data": data, "result": result, "job": job}
