#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole stack on local defaults
# (`distillery start`: edge, Gemini stand-in, a GPU node agent, the bot when DISCORD_TOKEN is set).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
cd "$root"
exec node "$root/cli/bin/distillery.mjs" start "$@"
