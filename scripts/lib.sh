# Shared by the project's shell entry points: install npm dependencies when missing or stale.
# Sourced, not run. Runs under the machine's Node (npm ci works on Node 20); everything after it
# runs through `npm run`, which puts the project's own Node 22 (node_modules/.bin/node) first on PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_node_modules() {
  local marker="$root/node_modules/.package-lock.json"
  if [ ! -x "$root/node_modules/.bin/node" ] || [ ! -f "$marker" ] || [ "$root/package-lock.json" -nt "$marker" ]; then
    echo "distillery: installing npm dependencies (npm ci)…" >&2
    # Several packages ask for Node 22; the project installs its own (the `node` package) and every
    # script runs on it, so npm's engine warnings under an older system Node are noise: errors only.
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
