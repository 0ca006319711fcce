#!/usr/bin/env bash
# Load benchmark of `plumbline serve` with wrk (not a test: numbers go to
# docs/performance.md, section "HTTP server").  Loopback only, bounded time.
#
#   tests/bench/load.sh [BUILD_DIR]      (default build-srel, a release build:
#                                         meson setup build-srel -Dbuildtype=release -Dtests=false)
# Environment: DURATION (seconds per run, default 10), LONG (seconds of the
# RSS run, default 60), CONNS (default 64), THREADS (wrk threads, default 2).
#
# Runs, on the bundled corpus indexed into a temporary directory:
#   1. cold start: exec to first answered /healthz, best of 5;
#   2. /api/search?q=BPF (the answer cache on, as deployed);
#   3. /api/search over 40 different queries and pages (cache on);
#   4. /api/search?q=BPF with --cache-mb 0 (every request searches);
#   5. /api/trends?topic=BPF&topic=Rust&topic=CXL, cache on and off;
#   6. LONG seconds of the query mix, RSS sampled every 5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build-srel}"
EXE="$BUILD/web/plumbline"
DURATION="${DURATION:-10}"
LONG="${LONG:-60}"
CONNS="${CONNS:-64}"
WT="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }
[ -x "$EXE" ] || { echo "no $EXE: build it first (see the header of this script)"; exit 1; }

TMP="$(mktemp -d)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

"$EXE" index --db "$TMP/index" >/dev/null 2>&1
PORT=18931

start() { # args: extra serve options
  "$EXE" serve --db "$TMP/index" --port "$PORT" --quiet "$@" >"$TMP/serve.out" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "server did not start"; cat "$TMP/serve.out"; exit 1
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=""; }

run() { # name url [wrk args...]
  local name="$1" url="$2"; shift 2
  local out
  out="$(wrk -t"$WT" -c"$CONNS" -d"${DURATION}s" --timeout 5s --latency "$@" "http://127.0.0.1:$PORT$url")"
  local rps p50 p99 errs non2xx
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errs="$(grep -o 'Socket errors.*' <<<"$out" || true)"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errs:-0 errors}${non2xx:+, non-2xx $non2xx}"
}

# Cold start: from exec to the first answered request (includes opening
# the index, loading synonyms and creating one query context per thread).
python3 - "$EXE" "$TMP/index" "$PORT" <<'PY'
import http.client, subprocess, sys, time
exe, db, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
best = None
for _ in range(5):
    t0 = time.perf_counter()
    p = subprocess.Popen([exe, 'serve', '--db', db, '--port', str(port), '--quiet'],
                         stdout=subprocess.DEVNULL)
    while True:
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=1)
            c.request('GET', '/api/search?q=BPF')
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.0005)
    ms = (time.perf_counter() - t0) * 1000
    best = ms if best is None else min(best, ms)
    p.terminate()
    p.wait()
print('cold start: exec to first answered search: %.1f ms (best of 5)' % best)
PY

# A rotating query mix for wrk (Lua): 40 queries x 2 pages.
cat >"$TMP/mix.lua" <<'EOF'
local qs = {"BPF", "Rust", "CXL", "scheduler", "memory tiering", "sched_ext", "io_uring",
  "live patching", "containers", "RISC-V", "toolchains", "testing", "power management",
  "real-time", "networking", "tracing", "kernel", "GPU", "confidential computing",
  "virtualization", "KVM", "file systems", "Android", "IoT", "boot", "security",
  "\"live migration\"", "clang", "gcc", "performance", "debugging", "documentation",
  "distributions", "systemd", "VFIO", "PCI", "ARM", "x86", "compute express link", "eBPF"}
local i = 0
request = function()
  i = i + 1
  local q = qs[(i % #qs) + 1]:gsub(" ", "+"):gsub("\"", "%%22")
  local off = (math.floor(i / #qs) % 2) * 10
  return wrk.format("GET", "/api/search?q=" .. q .. "&offset=" .. off)
end
EOF

echo
echo "| run | req/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|"
start
run "search q=BPF (cache on)" "/api/search?q=BPF"
run "search, 40 queries x 2 pages (cache on)" "/" -s "$TMP/mix.lua"
run "trends BPF,Rust,CXL (cache on)" "/api/trends?topic=BPF&topic=Rust&topic=CXL"
run "healthz" "/healthz"
stop
start --cache-mb 0
run "search q=BPF (--cache-mb 0)" "/api/search?q=BPF"
run "search, 40 queries x 2 pages (--cache-mb 0)" "/" -s "$TMP/mix.lua"
run "trends BPF,Rust,CXL (--cache-mb 0)" "/api/trends?topic=BPF&topic=Rust&topic=CXL"
stop

echo
echo "${LONG} s of the query mix (cache on), RSS sampled:"
start
(
  for _ in $(seq 5 5 "$LONG"); do
    awk '/VmRSS/ {printf "%s ", $2}' "/proc/$PID/status" 2>/dev/null
    sleep 5
  done
) >"$TMP/rss" &
SAMPLER=$!
DURATION="$LONG" run "search mix, ${LONG} s (cache on)" "/" -s "$TMP/mix.lua"
wait "$SAMPLER" || true
awk '/VmRSS/ {print "RSS after the run: " $2 " KiB"}' "/proc/$PID/status"
stop
echo "RSS every 5 s: $(cat "$TMP/rss")"
