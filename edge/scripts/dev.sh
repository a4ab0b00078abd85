#!/usr/bin/env bash
# Starts the edge alone: local migrations first, then `wrangler dev` on 127.0.0.1:${PORT:-8787},
# with D1/R2/DO/Queue data persisted under $DISTILLERY_HOME (default .distillery/).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
PORT="${PORT:-8787}"
# --port=N sets the port; every other argument goes to `wrangler dev` (e.g. --env-file FILE, --var K:V).
extra=()
for arg in "$@"; do
  case "$arg" in
    --port=*) PORT="${arg#--port=}" ;;
    *) extra+=("$arg") ;;
  esac
done
cd "$EDGE_DIR"
bash scripts/migrate-local.sh >&2
exec npx wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST_DIR" --show-interactive-dev-session=false "${extra[@]}"
