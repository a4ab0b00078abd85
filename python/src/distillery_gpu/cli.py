"""The command line: ``python -m distillery_gpu <train|eval|infer|bench|doctor> --job JOB.json --out DIR``.

Checks the job file before importing torch (a bad job fails in well under a second with exit status 2),
runs the command, writes ``result.json`` in ``--out`` and exits 0. Every failure ends with one
``{"event":"error"}`` line on stdout and a non-zero exit status; this is the only place that maps
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
from .errors import EXIT_BAD_JOB, DistilleryError
from .jobfile import read_job

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


def _probe_command(command: str, job: dict[str, Any]) -> Any:
    """The probe student's function for this job, or None for the other students (see probe/)."""
    if command == "train" and job["student"]["kind"] == "probe":
        from .probe import train_probe

        return train_probe
    if command in ("eval", "infer"):
        from .probe import evaluate_probe, infer_probe, is_probe

        if is_probe(job["model_dir"]):
            return evaluate_probe if command == "eval" else infer_probe
    return None


def _run(args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "doctor":
        from .doctor import capabilities

        report = capabilities(args.out)
        events.emit(report)
        return report
    if not args.job or not args.out:
        raise DistilleryError("args.invalid", f"{args.command} needs --job JOB.json and --out DIR", exit_code=EXIT_BAD_JOB)
    job = read_job(args.job, expected_command=args.command)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = _probe_command(args.command, job)
    if probe is not None:
        return probe(job, out_dir)
    if args.command == "train":
        if args.model:
            job["student"]["base_model"] = args.model
        if job["student"]["kind"] == "probe":
            from .probe import train_probe

            return train_probe(job, out_dir)
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
        result = _run(args)
        if args.out:
            write_result(Path(args.out), result)
        return 0
    except DistilleryError as error:
        events.log(f"{error.code}: {error.message}")
        events.error(error.code, error.message)
        return error.exit_code
    except Exception as error:  # the final error line is the agent's only view of a crash
        traceback.print_exc(file=sys.stderr)
        events.error("internal", f"{type(error).__name__}: {error}"[:2000])
        return 1
