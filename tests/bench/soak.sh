#!/usr/bin/env bash
# Soak test of `plumbline serve` (reliability, not speed; not in the test
# suite): wrk for DURATION seconds at CONNS connections on loopback against
# a mix of search and trends requests with the answer cache off (every
# request runs the engine), with a full rebuild of the index half-way
# through.  Passes when there are zero socket errors and zero non-2xx
# answers; prints p50/p99 latency and the server's RSS sampled before,
# during (every 5 s) and after the load.
#
#   tests/bench/soak.sh [BUILD_DIR]   (default build-soak, configured here as
#                                      a release build if missing)
# Environment: DURATION (default 60), CONNS (64), THREADS (wrk threads, 2),
# SERVER_THREADS (2), REBUILD (1: rebuild at half time; 0: no rebuild).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build-soak}"
DURATION="${DURATION:-60}"
CONNS="${CONNS:-64}"
WT="${THREADS:-2}"
ST="${SERVER_THREADS:-2}"
REBUILD="${REBUILD:-1}"
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dbuildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" web/plumbline >/dev/null
EXE="$BUILD/web/plumbline"

TMP="$(mktemp -d)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

"$EXE" index --db "$TMP/db" --quiet
"$EXE" serve --db "$TMP/db" --port 0 --threads "$ST" --quiet --cache-mb 0 \
  >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
for _ in $(seq 50); do
  grep -q listening "$TMP/serve.out" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$TMP/serve.out")
[ -n "$URL" ] || { echo "server did not start"; cat "$TMP/serve.err"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }

# The request mix: 40 searches (words, phrases, filters, pages, sort) and
# 8 trends queries, taken in turn by every connection.
cat >"$TMP/mix.lua" <<'LUA'
local paths = {}
local words = {"BPF", "scheduler", "rust", "memory", "tracing", "\"live migration\"",
  "sched_ext", "RISC-V", "cgroup", "kernel", "testing", "power", "networking",
  "security", "android", "toolchain", "io_uring", "real-time", "containers", "CXL"}
for i, w in ipairs(words) do
  local q = w:gsub(" ", "+"):gsub("\"", "%%22")
  paths[#paths + 1] = "/api/search?q=" .. q
  paths[#paths + 1] = "/api/search?q=" .. q .. "&limit=5&offset=" .. (i % 3) * 5 ..
    "&sort=" .. ((i % 2 == 0) and "date" or "relevance")
end
for _, t in ipairs({"BPF", "Rust", "CXL", "scheduler", "memory", "tracing", "testing", "android"}) do
  paths[#paths + 1] = "/api/trends?topic=" .. t
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("SOAK requests=%d non2xx=%d errors=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f rps=%.0f\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA

# Warm up (page cache, first snapshot), then the baseline RSS.
wrk -t1 -c4 -d3s -s "$TMP/mix.lua" "$URL" >/dev/null
RSS_BEFORE=$(rss)

SAMPLES=()
(
  wrk -t"$WT" -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$TMP/mix.lua" "$URL" >"$TMP/wrk.out" 2>&1
) &
WRK=$!
t=0
rebuilt=""
while kill -0 "$WRK" 2>/dev/null; do
  sleep 5
  t=$((t + 5))
  SAMPLES+=("${t}s:$(rss)KB")
  if [ "$REBUILD" = 1 ] && [ -z "$rebuilt" ] && [ "$t" -ge $((DURATION / 2)) ]; then
    if "$EXE" index --db "$TMP/db" --quiet; then rebuilt="ok at ${t}s"; else rebuilt="FAILED"; fi
  fi
done
wait "$WRK" || true
sleep 2
RSS_AFTER=$(rss)

echo "server: $URL, $ST threads, cache off; wrk: $WT threads, $CONNS connections, ${DURATION}s"
echo "rebuild during the load: ${rebuilt:-not done}"
grep -E "^SOAK|Socket errors|Non-2xx" "$TMP/wrk.out" || true
echo "RSS before: ${RSS_BEFORE} KB"
echo "RSS during: ${SAMPLES[*]}"
echo "RSS after:  ${RSS_AFTER} KB"
line=$(grep '^SOAK' "$TMP/wrk.out" || true)
[ -n "$line" ] || { echo "FAIL: wrk gave no summary"; cat "$TMP/wrk.out"; exit 1; }
non2xx=$(sed 's/.*non2xx=\([0-9]*\).*/\1/' <<<"$line")
errors=$(sed 's/.*errors=\([0-9]*\).*/\1/' <<<"$line")
if [ "$non2xx" != 0 ] || [ "$errors" != 0 ] || [ "$rebuilt" = FAILED ]; then
  echo "FAIL: $non2xx non-2xx answers, $errors socket errors, rebuild ${rebuilt:-?}"
  exit 1
fi
if ! kill -0 "$PID" 2>/dev/null; then
  echo "FAIL: the server died"; cat "$TMP/serve.err"; exit 1
fi
echo "PASS: zero errors"
