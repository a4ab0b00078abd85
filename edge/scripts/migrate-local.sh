#!/usr/bin/env bash
# Applies the D1 migrations to the local database under $DISTILLERY_HOME (default .distillery/).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
cd "$EDGE_DIR"
CI=1 npx wrangler d1 migrations apply DB --local --persist-to "$PERSIST_DIR" "$@"
