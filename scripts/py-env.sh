#!/usr/bin/env bash
# The project's Python environment for the `distillery_gpu` package (python/).
#
#   bash scripts/py-env.sh run ARGS…   python -m distillery_gpu ARGS… (what `npm run py -- ARGS` does)
#   bash scripts/py-env.sh test [ARGS] python -m pytest python/tests -q ARGS… (`npm run test:py`)
#   bash scripts/py-env.sh path        prints the venv's python (for the node agent and other callers)
#   bash scripts/py-env.sh ensure      only creates the venv
#
# The venv lives outside the clone, keyed by python/requirements.lock and the Python version, so every
# clone and every rerun shares one install:
#   ${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}/venv-<12 hex>
# It is created under a lock (two callers never race) and marked complete only after pip succeeded, so an
# interrupted install is redone. The package itself is not installed: it runs from python/src through
# PYTHONPATH, because the clone's path varies.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lock_file="$root/python/requirements.lock"
python_bin="${DISTILLERY_PYTHON:-python3}"

die() {
  echo "distillery py-env: $*" >&2
  exit 1
}

command -v "$python_bin" >/dev/null 2>&1 || die "$python_bin not found; install Python >= 3.11 or set DISTILLERY_PYTHON"
py_version="$("$python_bin" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$python_bin" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "Python >= 3.11 is required, $python_bin is $py_version"

key="$({
  cat "$lock_file"
  echo "python-$py_version"
} | sha256sum | cut -c1-12)"
venv_root="${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}"
venv="$venv_root/venv-$key"
marker="$venv/.distillery-complete"

ensure_venv() {
  [ -f "$marker" ] && return 0
  mkdir -p "$venv_root"
  (
    flock 9
    # Another caller may have finished while this one waited for the lock.
    [ -f "$marker" ] && exit 0
    echo "distillery py-env: creating $venv (Python $py_version, python/requirements.lock)…" >&2
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-input -r "$lock_file" >&2
    date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
    echo "distillery py-env: ready" >&2
  ) 9>"$venv.lock"
}

run_python() {
  ensure_venv
  export PYTHONPATH="$root/python/src${PYTHONPATH:+:$PYTHONPATH}"
  export DISTILLERY_SCHEMAS_DIR="${DISTILLERY_SCHEMAS_DIR:-$root/shared/schemas}"
  exec "$venv/bin/python" "$@"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
run) run_python -m distillery_gpu "$@" ;;
test)
  cd "$root"
  run_python -m pytest python/tests -q "$@"
  ;;
path)
  ensure_venv
  echo "$venv/bin/python"
  ;;
ensure) ensure_venv ;;
*) die "usage: py-env.sh <run ARGS…|test [PYTEST ARGS…]|path|ensure>" ;;
esac
