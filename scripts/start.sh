#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole stack on local defaults
# (`distillery start`: edge, the Gemini and OpenAI-compatible stand-ins (each when its API key is unset),
# a GPU node agent, the bot when DISCORD_TOKEN is set).
# The node's Python environment follows the machine (scripts/py-env.sh `auto`): the full one with torch
# where an NVIDIA GPU is visible, else the CPU one (probe and lexical students, no torch). Set
# DISTILLERY_PY_PROFILE=full to get every student kind on a machine without a GPU.
#
# Stopping: SIGTERM (`kill`, `docker stop`), SIGHUP and SIGINT (Ctrl-C) all stop every process the stack
# started. Under `npm start` the signal may reach only npm: npm passes SIGTERM and SIGINT to its `sh -c`
# child alone, which dies without passing them on, and dies itself of SIGHUP; so under npm this script
# also stops the stack when npm or its `sh -c` goes away. What is still alive a few seconds after
# `distillery start` was told to stop (a process its services left behind) is killed.
# One stack per data folder: a second start on the same folder, or on ports in use, says so and exits 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

refuse() {
  echo "$*" >&2
  exit 1
}

# The same defaults as `distillery start` (cli/src/commands/start.ts, cli/src/stack/local.ts).
edge_port=8787
gemini_port=8788
openai_port=8824
data_dir="${DISTILLERY_HOME:-$root/.distillery}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
  --port) edge_port="${args[i + 1]:-}" ;;
  --port=*) edge_port="${args[i]#--port=}" ;;
  --gemini-port) gemini_port="${args[i + 1]:-}" ;;
  --gemini-port=*) gemini_port="${args[i]#--gemini-port=}" ;;
  --openai-port) openai_port="${args[i + 1]:-}" ;;
  --openai-port=*) openai_port="${args[i]#--openai-port=}" ;;
  --data-dir) data_dir="${args[i + 1]:-}" ;;
  --data-dir=*) data_dir="${args[i]#--data-dir=}" ;;
  esac
done
case "$data_dir" in /*) ;; *) data_dir="$root/$data_dir" ;; esac

mkdir -p "$data_dir"
exec {lock_fd}>>"$data_dir/start.lock"
if ! flock -n "$lock_fd"; then
  read -r running_pid running_port 2>/dev/null <"$data_dir/start.pid" || true
  refuse "Distillery is already running (pid ${running_pid:-unknown}, edge on :${running_port:-unknown}) with the data folder $data_dir; stop it first (kill ${running_pid:-PID}), or start another one with its own folder and ports: DISTILLERY_HOME=DIR npm start -- --port N --gemini-port M --openai-port O"
fi
ports_to_check=("$edge_port:the edge")
[ -n "${GEMINI_API_KEY:-}" ] || ports_to_check+=("$gemini_port:the Gemini stand-in")
[ -n "${OPENAI_API_KEY:-}" ] || ports_to_check+=("$openai_port:the OpenAI-compatible stand-in")
for entry in "${ports_to_check[@]}"; do
  port="${entry%%:*}"
  if port_in_use "$port"; then
    refuse "distillery: port $port is already in use (wanted for ${entry#*:}): another Distillery or another program holds it; stop it first or choose free ports: npm start -- --port N --gemini-port M --openai-port O"
  fi
done
echo "$$ $edge_port" >"$data_dir/start.pid"

cli_pid=""
ticker_pid=""
# Stops `distillery start` (which stops its services), then kills whatever of the tree seen when the stop
# began is still alive. Exits with the CLI's status.
stop_stack() {
  trap '' TERM HUP INT
  local snapshot entry pid tick status=0
  snapshot="$(descendant_processes $$)"
  if [ -n "$cli_pid" ]; then
    echo "distillery: stopping the stack ($1)…" >&2
    kill -TERM "$cli_pid" 2>/dev/null || true
    # The CLI gives its services 5 s before SIGKILL; past 15 s it is stuck itself.
    for ((tick = 0; tick < 60; tick++)); do
      kill -0 "$cli_pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$cli_pid" 2>/dev/null || true
    wait "$cli_pid" || status=$?
  fi
  for entry in $snapshot; do
    pid="${entry%%:*}"
    # The ticker `sleep` ends by itself; killing it only makes bash report it.
    [ "$pid" != "$ticker_pid" ] || continue
    if process_running "$entry"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$data_dir/start.pid"
  exit "$status"
}
trap 'stop_stack SIGTERM' TERM
trap 'stop_stack SIGHUP' HUP
trap 'stop_stack SIGINT' INT

ensure_node_modules
cd "$root"
# Resolved once and exported, so every later `py-env.sh` call (the node agent's) uses the same venv.
DISTILLERY_PY_PROFILE="$(bash scripts/py-env.sh --profile "${DISTILLERY_PY_PROFILE:-auto}" profile)"
export DISTILLERY_PY_PROFILE
echo "distillery: Python profile '$DISTILLERY_PY_PROFILE' (scripts/py-env.sh)" >&2
# Under npm (which sets npm_lifecycle_event): its `sh -c` (our parent) and npm itself (the grandparent).
watched=()
if [ -n "${npm_lifecycle_event:-}" ]; then
  watched=("$PPID:$(process_start_time "$PPID")")
  grandparent="$(parent_process "$PPID")"
  [ "$grandparent" -le 1 ] || watched+=("$grandparent:$(process_start_time "$grandparent")")
fi
node "$root/cli/bin/distillery.mjs" start "$@" {lock_fd}>&- &
cli_pid=$!
while kill -0 "$cli_pid" 2>/dev/null; do
  # `wait` returns at once when a trapped signal arrives; the tick notices npm going away.
  sleep 1 {lock_fd}>&- &
  ticker_pid=$!
  wait "$ticker_pid" || true
  for process in "${watched[@]}"; do
    process_running "$process" || stop_stack "npm start (pid ${process%%:*}) is gone"
  done
done
status=0
wait "$cli_pid" || status=$?
rm -f "$data_dir/start.pid"
exit "$status"
