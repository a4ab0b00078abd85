# Sourced by the edge scripts: offline wrangler settings and the local data folder.
# DISTILLERY_HOME (default .distillery in the repo root) holds wrangler's persisted D1/R2/DO/Queue state.
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
EDGE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$EDGE_DIR/.." && pwd)"
DISTILLERY_HOME="${DISTILLERY_HOME:-$REPO_DIR/.distillery}"
PERSIST_DIR="${DISTILLERY_PERSIST_DIR:-$DISTILLERY_HOME/wrangler}"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$DISTILLERY_HOME/config}"
mkdir -p "$PERSIST_DIR"
