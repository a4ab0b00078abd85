#!/usr/bin/env bash
# Property-based fuzz of the whole API from its OpenAPI document (schemathesis): starts `wrangler dev`
# on a temp data folder, makes an admin token with the CLI, and runs `schemathesis run` against
# /v1/openapi.json. Fails on any 5xx and on any response outside the documented schema.
#
#   npm run -w edge fuzz                     # defaults: 25 examples per operation, 170 s bound
#   FUZZ_MAX_EXAMPLES=100 FUZZ_SECONDS=600 npm run -w edge fuzz
#
# schemathesis lives in its own small venv (not the project's Python env), created once under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/distillery/fuzz-venv-<hash>
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"

SCHEMATHESIS_VERSION="4.32.5"
PORT="${FUZZ_PORT:-8795}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-25}"
SECONDS_BOUND="${FUZZ_SECONDS:-170}"
python_bin="${DISTILLERY_PYTHON:-python3}"

key="$(echo "schemathesis==$SCHEMATHESIS_VERSION $("$python_bin" -V 2>&1)" | sha256sum | cut -c1-12)"
venv_root="${XDG_CACHE_HOME:-$HOME/.cache}/distillery"
venv="$venv_root/fuzz-venv-$key"
mkdir -p "$venv_root"
(
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
    touch "$venv/.complete"
  fi
) 9>"$venv.lock"

data="$(mktemp -d)"
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill -- "-$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

set -m
PORT="$PORT" DISTILLERY_HOME="$data" bash "$EDGE_DIR/scripts/dev.sh" >"$data/wrangler.log" 2>&1 &
server_pid=$!
set +m
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/v1/health" >/dev/null || { tail -50 "$data/wrangler.log" >&2; exit 1; }

token="$(cd "$REPO_DIR" && node_modules/.bin/node cli/bin/distillery.mjs tokens create --role admin --data-dir "$data")"

cd "$data"
# Revoking tokens is left out: the stateful phase would revoke the very token it runs with.
set +e
timeout "$SECONDS_BOUND" "$venv/bin/schemathesis" run "http://127.0.0.1:$PORT/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --exclude-path-regex 'revoke$' \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --no-color | tee "$data/schemathesis.log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] && exit 0
[ "$status" -eq 124 ] && { echo "fuzz: stopped at the ${SECONDS_BOUND}s bound" >&2; exit 1; }
# Check failures (a 5xx, a response outside the schema) always fail the run. schemathesis also exits 1
# for its own internal errors while generating cases ("Runtime Error"); those are reported, not ours.
if grep -q "= FAILURES =" "$data/schemathesis.log"; then exit 1; fi
if grep -A2 "= ERRORS =" "$data/schemathesis.log" | grep -qv "Runtime Error\|= ERRORS =\|^___"; then exit 1; fi
echo "fuzz: no check failures; schemathesis reported internal generation errors only (see above)" >&2
