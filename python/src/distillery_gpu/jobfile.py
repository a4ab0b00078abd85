"""Checks what crosses the package's boundary against the JSON Schemas exported from the zod schemas in
shared/: the job file coming in, and the result going out.

The schemas (``python-job-file.json``, ``python-result.json``, ``python-doctor-result.json``) are found in
``$DISTILLERY_SCHEMAS_DIR`` or in ``shared/schemas`` of the repository this package lives in. A job that
does not match raises ``DistilleryError("job.invalid")`` naming the field (exit status 2); defaults come
from the schema's ``default`` keywords, so the zod schema stays the one definition of every default. A
result that does not match raises ``DistilleryError("result.invalid")`` naming the field, before anything
is written: a caller never reads a ``result.json`` that breaks the contract.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import jsonschema

from .errors import EXIT_BAD_JOB, DistilleryError

JOB_SCHEMA_FILE = "python-job-file.json"
RESULT_SCHEMA_FILE = "python-result.json"
DOCTOR_SCHEMA_FILE = "python-doctor-result.json"


def schemas_dir() -> Path:
    """Where the exported JSON Schemas are: ``$DISTILLERY_SCHEMAS_DIR`` or ``<repo>/shared/schemas``."""
    env = os.environ.get("DISTILLERY_SCHEMAS_DIR")
    if env:
        return Path(env)
    # python/src/distillery_gpu/jobfile.py -> <repo>/shared/schemas
    return Path(__file__).resolve().parents[3] / "shared" / "schemas"


def load_schema(name: str) -> dict[str, Any]:
    path = schemas_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DistilleryError(
            "schema.missing",
            f"JSON Schema {path} not found; set DISTILLERY_SCHEMAS_DIR to the shared/schemas folder",
        ) from error


def _branch_for(schema: dict[str, Any], command: str) -> dict[str, Any] | None:
    for branch in schema.get("oneOf", []):
        if branch.get("properties", {}).get("command", {}).get("const") == command:
            return branch
    return None


def _field_name(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(root)"


def _fill_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Adds each absent property that has a ``default`` in ``schema``, recursively."""
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = _fill_defaults(sub, value[key])
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_fill_defaults(schema["items"], item) for item in value]
    return value


def parse_job(document: Any, expected_command: str | None = None) -> dict[str, Any]:
    """Validates a parsed job document and returns it with defaults filled in.

    >>> parse_job({"command": "bench", "job_id": "b1"})["seq_lengths"]
    [512, 1024]
    """
    schema = load_schema(JOB_SCHEMA_FILE)
    if not isinstance(document, dict):
        raise DistilleryError("job.invalid", "job file: expected a JSON object", exit_code=EXIT_BAD_JOB)
    command = document.get("command")
    commands = [b["properties"]["command"]["const"] for b in schema.get("oneOf", [])]
    branch = _branch_for(schema, command) if isinstance(command, str) else None
    if branch is None:
        raise DistilleryError(
            "job.invalid",
            f"job file field 'command': {command!r} is not one of {', '.join(commands)}",
            exit_code=EXIT_BAD_JOB,
        )
    if expected_command is not None and command != expected_command:
        raise DistilleryError(
            "job.invalid",
            f"job file field 'command': the job is for '{command}', but '{expected_command}' was run",
            exit_code=EXIT_BAD_JOB,
        )
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class({**branch, "$schema": schema.get("$schema")})
    errors = sorted(
        validator.iter_errors(document), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)))
    )
    if errors:
        first = errors[0]
        raise DistilleryError(
            "job.invalid",
            f"job file field '{_field_name(first.absolute_path)}': {first.message}",
            exit_code=EXIT_BAD_JOB,
        )
    return _fill_defaults(branch, copy.deepcopy(document))


def read_job(path: str | os.PathLike[str], expected_command: str | None = None) -> dict[str, Any]:
    """Reads ``path`` as JSON and returns the checked job with defaults."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DistilleryError(
            "job.unreadable", f"cannot read job file {path}: {error.strerror}", exit_code=EXIT_BAD_JOB
        ) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DistilleryError(
            "job.invalid", f"job file {path} is not JSON: {error.msg} at line {error.lineno}", exit_code=EXIT_BAD_JOB
        ) from error
    return parse_job(document, expected_command)


def check_result(result: dict[str, Any], command: str) -> dict[str, Any]:
    """Validates ``result`` against the schema of ``command``'s ``result.json``; returns it unchanged.

    ``doctor`` has a schema of its own; the other commands are the branch of ``python-result.json`` whose
    ``command`` is theirs.

    >>> check_result({"command": "bench", "job_id": "b1"}, "bench")
    Traceback (most recent call last):
    distillery_gpu.errors.DistilleryError: result.json of bench: field '(root)': 'device' is a required property
    """
    if command == "doctor":
        schema = load_schema(DOCTOR_SCHEMA_FILE)
        branch = schema
    else:
        schema = load_schema(RESULT_SCHEMA_FILE)
        branch = _branch_for(schema, command)
        if branch is None:
            raise DistilleryError("result.invalid", f"result.json of {command}: no schema for this command")
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class({**branch, "$schema": schema.get("$schema")})
    errors = sorted(
        validator.iter_errors(result), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)))
    )
    if errors:
        first = errors[0]
        raise DistilleryError(
            "result.invalid", f"result.json of {command}: field '{_field_name(first.absolute_path)}': {first.message}"
        )
    return result
