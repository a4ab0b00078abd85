"""A port of the TypeScript ``postfilter`` (shared/src/filter/postfilter.ts, the source of truth).

Weighted mean of the dimension scores, then gatekeeper caps and categorical caps (the overall is the
minimum of the raw score and every applicable cap), rounded to 2 decimals and clamped to 0-10; the tier
is the first, highest first, whose ``min_overall`` it reaches. The probe needs it in Python for its
conformal interval of the overall score. ``python/tests/test_probe_postfilter.py`` checks it against
vectors produced by the TypeScript implementation (shared/fixtures/postfilter-vectors.json).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _round2(value: float) -> float:
    # JavaScript's Math.round rounds halves up (towards +infinity); Python's round() rounds half to even.
    return math.floor(value * 100 + 0.5) / 100


def tier_for(filter_package: Mapping[str, Any], overall: float) -> str:
    for tier in filter_package["tiers"]:
        if overall >= tier["min_overall"]:
            return tier["key"]
    return filter_package["tiers"][-1]["key"]


def postfilter(
    filter_package: Mapping[str, Any], scores: Mapping[str, float], categories: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``{overall, raw_overall, tier, caps}`` exactly as the TypeScript postfilter computes them."""
    raw = 0.0
    for dimension in filter_package["dimensions"]:
        raw += dimension["weight"] * scores[dimension["key"]]
    overall = raw
    caps: list[str] = []
    for gatekeeper in filter_package.get("gatekeepers", []):
        if scores[gatekeeper["dimension"]] < gatekeeper["min"]:
            caps.append(f"gatekeeper:{gatekeeper['dimension']}")
            overall = min(overall, gatekeeper["cap_overall_at"])
    chosen = categories or {}
    for category in filter_package.get("categories", []):
        value = next((v for v in category["values"] if v["key"] == chosen.get(category["key"])), None)
        if value is not None and value.get("cap_overall_at") is not None:
            caps.append(f"{category['key']}:{value['key']}")
            overall = min(overall, value["cap_overall_at"])
    rounded = min(10.0, max(0.0, _round2(overall)))
    return {"overall": rounded, "raw_overall": _round2(raw), "tier": tier_for(filter_package, rounded), "caps": caps}
