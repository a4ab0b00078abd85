"""The Python postfilter port gives exactly what the TypeScript postfilter (the source of truth) gives,
on vectors it wrote for every built-in filter (fixtures/make-postfilter-vectors.ts)."""

from __future__ import annotations

import json
from pathlib import Path

from distillery_gpu.probe.postfilter import postfilter

VECTORS = Path(__file__).parent / "fixtures" / "postfilter-vectors.json"


def test_port_matches_the_typescript_postfilter() -> None:
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    checked = 0
    capped = 0
    for entry in document["filters"]:
        for case in entry["cases"]:
            got = postfilter(entry["filter"], case["scores"], case["categories"])
            assert got == case["expected"], (entry["name"], case)
            checked += 1
            capped += bool(case["expected"]["caps"])
    assert checked >= 200
    assert capped >= 20, "the vectors should exercise the caps"
