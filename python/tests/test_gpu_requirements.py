"""The GPU environments resolve: their pins agree with what each pinned package requires, read from the
registry's metadata (pip's configured index) without installing or downloading any wheel.

``requirements-gpu.txt`` (the ``cuda`` profile) is a complete lock on top of ``requirements.lock``: every
dependency of what it adds must be pinned there, at a version the dependant accepts. ``requirements-vllm.txt``
(the ``vllm`` profile) pins vLLM, Unsloth and the versions they need of each other: those must agree. Only
the added packages' metadata is fetched (``pip install --dry-run --no-deps --report``): torch's wheel is never
downloaded, and the check takes seconds. CI reaches the registry, so a failure to reach it fails the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

packaging = pytest.importorskip("packaging")
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYTHON_DIR = ROOT / "python"
#: A GPU node: Linux on x86-64 with the project's Python. Markers are evaluated for it, wherever CI runs.
NODE_ENVIRONMENT = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "extra": "",
}


def read_pins(path: Path) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line, following ``-r`` includes."""
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins |= read_pins(path.parent / line[3:].strip())
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: '{line}' is not an exact pin"
        pins[canonicalize_name(name)] = version.strip()
    return pins


def registry_metadata(pins: dict[str, str], tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The core metadata of each pinned version, from the index pip is configured with."""
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "--report",
            str(report),
            *(f"{n}=={v}" for n, v in sorted(pins.items())),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"pip could not find these pins on the index:\n{done.stderr[-3000:]}"
    found = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]
        for item in json.loads(report.read_text())["install"]
    }
    assert set(found) == set(pins)
    return found


def disagreements(metadata: dict[str, dict[str, Any]], pins: dict[str, str], complete: bool) -> list[str]:
    """What a resolver would refuse: a pin outside a requirement, Python outside ``Requires-Python``, and
    (``complete``) a dependency that is not pinned at all."""
    problems = []
    for name, meta in sorted(metadata.items()):
        requires_python = meta.get("requires_python")
        if requires_python and not Requirement(f"python{requires_python}").specifier.contains(
            NODE_ENVIRONMENT["python_full_version"]
        ):
            problems.append(f"{name} {pins[name]} requires Python {requires_python}")
        for text in meta.get("requires_dist", []):
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(NODE_ENVIRONMENT):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in pins:
                if complete:
                    problems.append(f"{name} {pins[name]} requires {text}, which is not pinned")
                continue
            if not requirement.specifier.contains(Version(pins[dependency]), prereleases=True):
                problems.append(
                    f"{name} {pins[name]} requires {requirement}, but {dependency}=={pins[dependency]} is pinned"
                )
    return problems


def test_the_cuda_profile_resolves_against_the_full_lock(tmp_path: Path) -> None:
    full = read_pins(PYTHON_DIR / "requirements.lock")
    pins = read_pins(PYTHON_DIR / "requirements-gpu.txt")
    added = {name: version for name, version in pins.items() if name not in full}
    # Adding to the full lock only: the same torch, transformers, peft… at the same versions.
    assert {name: pins[name] for name in full} == full
    assert added and "flash-attn" not in added
    assert disagreements(registry_metadata(added, tmp_path), pins, complete=True) == []


def test_the_vllm_profile_pins_agree_with_each_other(tmp_path: Path) -> None:
    pins = read_pins(PYTHON_DIR / "requirements-vllm.txt")
    assert {"vllm", "unsloth", "torch", "transformers", "peft"} <= set(pins)
    assert disagreements(registry_metadata(pins, tmp_path), pins, complete=False) == []


def test_disagreements_name_the_pin_a_resolver_would_refuse() -> None:
    metadata = {
        "unsloth": {
            "requires_python": ">=3.9",
            "requires_dist": ["torch<2.15.0,>=2.4.0", "tyro", 'triton-windows; sys_platform == "win32"'],
        }
    }
    pins = {"unsloth": "2026.10.9", "torch": "2.15.0"}
    assert disagreements(metadata, pins, complete=False) == [
        "unsloth 2026.10.9 requires torch<2.15.0,>=2.4.0, but torch==2.15.0 is pinned"
    ]
    assert disagreements(metadata, pins, complete=True)[-1] == "unsloth 2026.10.9 requires tyro, which is not pinned"
