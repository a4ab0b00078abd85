"""The command line: ``python -m distillery_gpu <train|eval|infer|bench|doctor> --job JOB.json --out DIR``.

Checks the job file before importing torch (a bad job fails in well under a second with exit status 2),
runs the command, checks its result against the exported result schema, writes ``result.json`` in
``--out`` and exits 0. A result that breaks the schema is a failure (``result.invalid`` naming the field)
and no ``result.json`` is written. The probe and lexical students (the ``probe`` package) never import
torch, and nothing here imports it before a LoRA or encoder student needs it. A job with ``device: cuda``
fails with ``device.cuda_unavailable`` when CUDA does not initialise, before any model loads. Every
failure ends with one ``{"event":"error"}`` line on stdout and a non-zero exit status; this is the only place that maps
errors to lines and statuses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from . import events
from .dispatch import (
    CPU_STUDENT_KINDS,
    ENCODER_PACKAGES,
    ENCODER_STUDENT_KIND,
    TORCH_PACKAGES,
    model_kind,
    probe_model,
    require_device,
    require_torch_students,
)
from .errors import EXIT_BAD_JOB, DistilleryError
from .jobfile import check_result, read_job

COMMANDS = ("train", "eval", "infer", "bench", "doctor")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m distillery_gpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--job", help="the job file (JSON); not needed for doctor")
    parser.add_argument("--out", help="output folder; created when missing")
    parser.add_argument("--model", help="train: base model (hub name or local folder), overriding student.base_model")
    return parser


def write_result(out_dir: Path, result: dict[str, Any]) -> Path:
    """Writes ``result.json`` atomically (a reader never sees half a file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "result.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _cpu_student(command: str, job: dict[str, Any]) -> Any:
    """The probe package's function for this job (probe and lexical students), or None for the others.

    Imported only when needed: the CPU students run in an environment without torch, and the LoRA
    students in one whose probe dependencies may be missing.
    """
    if command == "train" and job["student"]["kind"] in CPU_STUDENT_KINDS:
        kind = job["student"]["kind"]
        try:
            from . import probe
        except ImportError as error:
            raise DistilleryError(
                "student.unavailable", f"the {kind} student cannot be loaded here: {error}"
            ) from error
        function = getattr(probe, "train_lexical" if kind == "lexical" else "train_probe", None)
        if function is None:
            raise DistilleryError("student.unavailable", f"this version of distillery_gpu cannot train {kind} students")
        return function
    if command in ("eval", "infer") and probe_model(job["model_dir"]):
        from .probe import evaluate_probe, infer_probe

        return evaluate_probe if command == "eval" else infer_probe
    return None


def _run(args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "doctor":
        from .doctor import capabilities

        return capabilities(args.out)
    if not args.job or not args.out:
        raise DistilleryError(
            "args.invalid", f"{args.command} needs --job JOB.json and --out DIR", exit_code=EXIT_BAD_JOB
        )
    job = read_job(args.job, expected_command=args.command)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.command == "train" and args.model:
        job["student"]["base_model"] = args.model
    # Before anything loads: a job that asks for CUDA never falls back to the CPU.
    require_device(job)
    cpu_student = _cpu_student(args.command, job)
    if cpu_student is not None:
        return cpu_student(job, out_dir)
    if args.command == "train" and job["student"]["kind"] == ENCODER_STUDENT_KIND:
        require_torch_students("training an encoder student", ENCODER_PACKAGES)
        from .encoder_student import train_encoder

        return train_encoder(job, out_dir)
    if args.command == "train":
        require_torch_students(f"training a {job['student']['kind']} student")
    elif args.command in ("eval", "infer"):
        packages = ENCODER_PACKAGES if model_kind(job["model_dir"]) == ENCODER_STUDENT_KIND else TORCH_PACKAGES
        require_torch_students(f"{args.command} with the model in {job['model_dir']}", packages)
    else:
        require_torch_students("bench")
    if args.command == "train":
        from .train import train

        return train(job, out_dir)
    if args.command == "eval":
        from .evaluate import evaluate

        return evaluate(job, out_dir)
    if args.command == "infer":
        from .infer import infer

        return infer(job, out_dir)
    from .bench import bench

    return bench(job, out_dir)


def main(argv: list[str] | None = None) -> int:
    """Runs one command; returns the process exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
        if code:
            events.error("args.invalid", "bad command line; see --help")
            return EXIT_BAD_JOB
        return 0
    try:
        result = check_result(_run(args), args.command)
        if args.command == "doctor":
            events.emit(result)
        if args.out:
            write_result(Path(args.out), result)
        return 0
    except DistilleryError as error:
        events.log(f"{error.code}: {error.message}")
        events.error(error.code, error.message)
        return error.exit_code
    except Exception as error:  # noqa: BLE001 (the final error line is the agent's only view of a crash)
        traceback.print_exc(file=sys.stderr)
        events.error("internal", f"{type(error).__name__}: {error}"[:2000])
        return 1
