#!/usr/bin/env bash
# Lints python/ with ruff, configured in python/pyproject.toml ([tool.ruff]): `ruff check` (the rules) and
# `ruff format --check` (the layout, lines up to the configured length). Part of `npm test`.
#
#   bash scripts/py-lint.sh          check; fails on any finding
#   bash scripts/py-lint.sh --fix    apply ruff's safe fixes and reformat, then check
#
# ruff lives in a small venv of its own (not a profile of scripts/py-env.sh, so a new ruff never rebuilds
# the project's Python environment), keyed by python/requirements-lint.lock and the Python version:
#   ${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}/venv-lint-<12 hex>
# created under a lock and marked complete only after pip succeeded, like py-env.sh's venvs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${DISTILLERY_PYTHON:-python3}"
lock_file="$root/python/requirements-lint.lock"

die() {
  echo "distillery py-lint: $*" >&2
  exit 1
}

command -v "$python_bin" >/dev/null 2>&1 || die "$python_bin not found; install Python >= 3.11 or set DISTILLERY_PYTHON"
py_version="$("$python_bin" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$({
  cat "$lock_file"
  echo "python-$py_version"
} | sha256sum | cut -c1-12)"
venv_root="${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}"
venv="$venv_root/venv-lint-$key"
marker="$venv/.distillery-complete"

if [ ! -f "$marker" ]; then
  mkdir -p "$venv_root"
  (
    flock 9
    [ -f "$marker" ] && exit 0
    echo "distillery py-lint: creating $venv (python/requirements-lint.lock)…" >&2
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-input --no-compile -r "$lock_file" >&2
    date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
  ) 9>"$venv.lock"
fi

cd "$root/python"
case "${1:-}" in
"") ;;
--fix)
  "$venv/bin/ruff" check --fix src tests
  "$venv/bin/ruff" format src tests
  ;;
*) die "usage: py-lint.sh [--fix]" ;;
esac
# The package and its tests; not the Markdown code samples, which ruff formats too.
"$venv/bin/ruff" check src tests
"$venv/bin/ruff" format --check src tests
