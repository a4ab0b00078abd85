#!/usr/bin/env bash
# Starts the edge alone: local migrations first, then `wrangler dev` on 127.0.0.1:${PORT:-8787},
# with D1/R2/DO/Queue data persisted under $DISTILLERY_HOME (default .distillery/).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
PORT="${PORT:-8787}"
# --port N or --port=N sets the port; every other argument goes to `wrangler dev` (e.g. --env-file FILE,
# --var K:V).
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
  --port)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || {
      echo "edge/scripts/dev.sh: --port needs a port number (--port 8799 or --port=8799)" >&2
      exit 2
    }
    PORT="$2"
    shift
    ;;
  --port=*) PORT="${1#--port=}" ;;
  *) extra+=("$1") ;;
  esac
  shift
done
cd "$EDGE_DIR"
bash scripts/migrate-local.sh >&2
exec npx wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST_DIR" --show-interactive-dev-session=false "${extra[@]}"
