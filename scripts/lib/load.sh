# Shared by scripts/bench-load and scripts/soak: background processes cleaned up on exit, a
# `zkrouter serve` started and waited for, its memory. Sourced after lib/common.sh.

ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"  # 1000+ sockets per process

zkr_pids=()
zkr_cleanup() { for p in "${zkr_pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap zkr_cleanup EXIT

# zkr_start_serve CONFIG LOG: starts `build/app/zkrouter serve --config CONFIG` (or the binary
# ZKR_SERVE_BINARY names) logging to LOG, waits until it prints its address; sets serve_pid and
# port.
zkr_start_serve() {
  "${ZKR_SERVE_BINARY:-$ZKR_ROOT/build/app/zkrouter}" serve --config "$1" >"$2" 2>&1 &
  serve_pid=$!
  zkr_pids+=("$serve_pid")
  port=""
  for _ in $(seq 1 3000); do
    port=$(grep -o 'ws://127.0.0.1:[0-9]*' "$2" | head -1 | cut -d: -f3 || true)
    [ -n "$port" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || { cat "$2" >&2; zkr_log "serve exited"; exit 1; }
    sleep 0.01
  done
  zkr_log "serve did not start"
  exit 1
}

# The TCP port process $1 listens on (from /proc: its socket inodes in the LISTEN state).
listening_port() {
  local inodes=""
  for _ in $(seq 1 500); do
    inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n' || true)
    local p
    p=$(awk -v inodes="$inodes" 'BEGIN { n = split(inodes, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
          $4 == "0A" && ($10 in want) { split($2, addr, ":"); print addr[2]; exit }' \
          /proc/net/tcp)
    [ -n "$p" ] && { echo $((16#$p)); return; }
    sleep 0.02
  done
  zkr_log "process $1 is not listening"; exit 1
}

# zkr_rss_mib PID: its resident memory in MiB.
zkr_rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
