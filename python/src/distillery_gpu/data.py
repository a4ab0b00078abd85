"""Reading the JSONL files a job names: dataset rows (train/validation/test) and scoring input rows.

Rows are checked against the JSON Schemas exported from shared/ (``dataset-row.json``,
``infer-input-row.json``); a bad row fails the job naming the file, line and field. Scoring input is
streamed in windows so memory stays flat over any corpus size. ``article_text`` is what a student reads
(optionally cut as the oracle prompt cuts the body: ``truncate_at_sentences``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from .errors import DistilleryError
from .jobfile import load_schema

#: The oracle's default ``max_article_chars`` (shared/src/schemas/filter.ts), for filters without ``oracle``.
DEFAULT_MAX_ARTICLE_CHARS = 6_000
_HEAD_SHARE = 0.7
_OMISSION = "\n\n[…]\n\n"
_SENTENCE_END = re.compile(r"[.!?…。][\"'”’)\]]?\s")


def truncate_at_sentences(body: str, max_chars: int) -> str:
    """``body`` cut to at most ``max_chars`` characters: a head (70%) and a tail, at sentence boundaries.

    A port of ``truncateAtSentences`` in shared/src/filter/prompt.ts, which cuts what the oracle reads, so
    a student reads the same part of a long article. (Lengths count code points here, UTF-16 units there:
    they differ only for characters outside the Basic Multilingual Plane, such as emoji.)
    """
    if len(body) <= max_chars:
        return body
    budget = max(0, max_chars - len(_OMISSION))
    head_budget = math.floor(budget * _HEAD_SHARE)
    tail_budget = budget - head_budget
    head_end = head_budget
    last_end = -1
    for match in _SENTENCE_END.finditer(body):
        if match.end() > head_budget:
            break
        last_end = match.end()
    if last_end > head_budget / 2:
        head_end = last_end
    tail_window_start = len(body) - tail_budget
    following = _SENTENCE_END.search(body, tail_window_start)
    tail_start = tail_window_start
    if following is not None and following.end() < len(body) - tail_budget / 2:
        tail_start = following.end()
    return f"{body[:head_end].rstrip()}{_OMISSION}{body[tail_start:].lstrip()}"


def max_article_chars(filter_package: Mapping[str, Any] | None) -> int:
    """The filter's ``oracle.max_article_chars`` (the default when the filter names none)."""
    oracle = (filter_package or {}).get("oracle") or {}
    return int(oracle.get("max_article_chars") or DEFAULT_MAX_ARTICLE_CHARS)


def article_text(row: Mapping[str, Any], max_chars: int | None = None) -> str:
    """The text a student reads: title, a blank line, body.

    With ``max_chars`` (the filter's ``oracle.max_article_chars``) the body is cut exactly as the oracle
    prompt cuts it, so the student sees what the oracle saw.
    """
    title = (row.get("title") or "").strip()
    body = (row.get("body") or "").strip()
    if max_chars is not None:
        body = truncate_at_sentences(body, max_chars)
    return f"{title}\n\n{body}" if title else body


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    schema = load_schema(schema_file)
    return jsonschema.validators.validator_for(schema)(schema)


def iter_jsonl(path: str | Path, schema_file: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields ``(line_number, row)`` for each non-empty line, each checked against ``schema_file``."""
    validator = _validator(schema_file)
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the `with` below; open errors named here)
    except OSError as error:
        raise DistilleryError("data.unreadable", f"cannot read {path}: {error.strerror}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DistilleryError("data.invalid", f"{path}:{number}: not JSON ({error.msg})") from error
            problem = next(iter(validator.iter_errors(row)), None)
            if problem is not None:
                field = ".".join(str(p) for p in problem.absolute_path) or "(row)"
                raise DistilleryError("data.invalid", f"{path}:{number}: field '{field}': {problem.message}")
            yield number, row


def read_dataset(path: str | Path, dimensions: list[str]) -> list[dict[str, Any]]:
    """All rows of a dataset split; every row must carry a score for every dimension."""
    rows = []
    for number, row in iter_jsonl(path, "dataset-row.json"):
        missing = [d for d in dimensions if d not in row["scores"]]
        if missing:
            raise DistilleryError("data.invalid", f"{path}:{number}: field 'scores' lacks {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise DistilleryError("data.empty", f"{path} holds no rows")
    return rows


def windows(path: str | Path, size: int) -> Iterator[list[dict[str, Any]]]:
    """The scoring input in consecutive windows of ``size`` rows (the last may be shorter)."""
    window: list[dict[str, Any]] = []
    for _, row in iter_jsonl(path, "infer-input-row.json"):
        window.append(row)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window
