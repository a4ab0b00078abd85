"""A job that asks for ``device: cuda`` (what a node asks for the students that need a GPU) is refused with
``device.cuda_unavailable`` when CUDA does not initialise, before any model loads, instead of training on
the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_rows, run_cli, train_job, write_jsonl

from distillery_gpu.dispatch import require_device
from distillery_gpu.errors import DistilleryError

torch = pytest.importorskip("torch")


@pytest.fixture()
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """CUDA as on a machine without a driver, wherever the test runs."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    def init() -> None:
        raise RuntimeError("Found no NVIDIA driver on your system")

    monkeypatch.setattr(torch.cuda, "init", init)


@pytest.mark.parametrize("kind", ["regression", "generative", "encoder"])
def test_a_cuda_train_job_is_refused_without_cuda(
    kind: str, no_cuda: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {
        split: str(write_jsonl(tmp_path / f"{split}.jsonl", make_rows(4, split, 1)))
        for split in ("train", "validation")
    }
    # The model folder does not exist: the refusal comes before anything tries to load it.
    job = train_job(tmp_path / "no-such-model", data, kind) | {"device": "cuda"}
    code, lines = run_cli("train", job, tmp_path / "out", capsys)
    assert code == 1
    assert lines[-1]["event"] == "error" and lines[-1]["code"] == "device.cuda_unavailable"
    assert "Found no NVIDIA driver" in lines[-1]["message"] and "doctor" in lines[-1]["message"]
    assert not (tmp_path / "out" / "result.json").exists()


def test_eval_and_infer_jobs_that_ask_for_cuda_are_refused_too(no_cuda: None) -> None:
    for job in ({"command": "eval", "device": "cuda"}, {"command": "infer", "device": "cuda"}):
        with pytest.raises(DistilleryError) as refused:
            require_device(job)
        assert refused.value.code == "device.cuda_unavailable"


def test_auto_and_cpu_jobs_run_where_there_is_no_cuda(no_cuda: None) -> None:
    require_device({"device": "auto"})
    require_device({"device": "cpu"})
