#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole stack on local defaults
# (`distillery start`: edge, Gemini stand-in, a GPU node agent, the bot when DISCORD_TOKEN is set).
# The node's Python environment follows the machine (scripts/py-env.sh `auto`): the full one with torch
# where an NVIDIA GPU is visible, else the CPU one (probe and lexical students, no torch). Set
# DISTILLERY_PY_PROFILE=full to get every student kind on a machine without a GPU.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
cd "$root"
# Resolved once and exported, so every later `py-env.sh` call (the node agent's) uses the same venv.
DISTILLERY_PY_PROFILE="$(bash scripts/py-env.sh --profile "${DISTILLERY_PY_PROFILE:-auto}" profile)"
export DISTILLERY_PY_PROFILE
echo "distillery: Python profile '$DISTILLERY_PY_PROFILE' (scripts/py-env.sh)" >&2
exec node "$root/cli/bin/distillery.mjs" start "$@"
