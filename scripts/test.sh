#!/usr/bin/env bash
# `npm test`: every check and test, TypeScript and Python. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
cd "$root"
# The TypeScript suites run real Python jobs (distill, the node agent, the end-to-end test) in the full
# profile (torch included: every student kind), whatever the machine; they inherit this.
export DISTILLERY_PY_PROFILE=full
bash scripts/py-env.sh ensure
npm run -s lint
# ruff on python/ (its own small venv: scripts/py-lint.sh).
npm run -s lint:py
npm run -s typecheck && npm run -s check:cycles
# Two test files at a time (`--maxWorkers 2` in test:ts): Vitest's default is one less than the cores,
# one on a 2-core machine, and most of a file's time is spent waiting on the servers and subprocesses it
# starts. The edge's files still run one at a time (edge/vitest.config.ts).
npm run -s test:ts
# Property-based fuzz of the whole API from its OpenAPI document: no 5xx, no response outside the schema.
npm run -s -w edge fuzz
npm run -s test:py
