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

# The pids of every live descendant of pid $1 ("pid:start-time" words, so a pid the kernel reused later is
# never mistaken for one of ours). Read from `ps` at the moment of the call.
descendant_processes() {
  local -A children=()
  local pid ppid queue=("$1") out=()
  while read -r pid ppid; do children[$ppid]+=" $pid"; done < <(ps -eo pid=,ppid=)
  while [ ${#queue[@]} -gt 0 ]; do
    for pid in ${children[${queue[0]}]:-}; do
      out+=("$pid:$(process_start_time "$pid")")
      queue+=("$pid")
    done
    queue=("${queue[@]:1}")
  done
  echo "${out[@]}"
}

# The kernel's start time of pid $1 (field 22 of /proc/PID/stat), empty when it is gone.
process_start_time() {
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  # Fields after the command name, which may hold spaces and parentheses: state is field 3.
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# The parent pid of pid $1 (field 4 of /proc/PID/stat), read without starting a process.
parent_process() {
  local stat state ppid
  read -r stat <"/proc/$1/stat"
  read -r state ppid _ <<<"${stat##*) }"
  echo "$ppid"
}

# Succeeds while the process "pid:start-time" $1 (a word of `descendant_processes`) runs: the pid exists, is
# not a zombie, and was started at that time.
process_running() {
  local stat fields
  stat="$(cat "/proc/${1%%:*}/stat" 2>/dev/null)" || return 1
  read -r -a fields <<<"${stat##*) }"
  [ "${fields[0]}" != Z ] && [ "${fields[19]}" = "${1#*:}" ]
}

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
