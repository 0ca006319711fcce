#!/usr/bin/env bash
# Runs every libFuzzer target of plumbline for a bounded time and prints
# the executions of each.
#
#   tests/fuzz/run-fuzzers.sh [target...]
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_JOBS      targets run at the same time (default 2)
#   FUZZ_BUILD     build directory (default build-fuzz)
#   FUZZ_WORK      where growing corpora, crashes and logs go
#                  (default $FUZZ_BUILD/fuzz-work)
#
# The build directory is configured with clang, -Dfuzz=true, ASan+UBSan and
# -fsanitize=fuzzer-no-link on every object, so the code under test is
# coverage-instrumented; each fuzz_<target> links libFuzzer.  Each target
# starts from its committed seeds (tests/fuzz/corpus/<target>) and
# regression inputs, uses its dictionary, and writes new coverage to the
# work corpus (the committed seeds are never modified: merge finds by hand
# with -merge=1).  A crash is saved as $FUZZ_WORK/<target>/crash-*; keep it
# under tests/fuzz/regressions/<target>/ once fixed.
#
# Output: one line per target, "target execs exec/s status", then a total.
# Exit status 1 if any target crashed.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
JOBS="${FUZZ_JOBS:-2}"
BUILD="${FUZZ_BUILD:-build-fuzz}"
WORK="${FUZZ_WORK:-$BUILD/fuzz-work}"

ALL="analyzer query record_json detect html lpc2019 lpc2023 lpc2024 jsonl indico ical frab codec search http store"
TARGETS="${*:-$ALL}"

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dc_args=-fsanitize=fuzzer-no-link >/dev/null || {
    echo "meson setup of $BUILD failed"; exit 2; }
fi
bins=()
for t in $TARGETS; do bins+=("tests/fuzz/fuzz_$t"); done
ninja -C "$BUILD" "${bins[@]}" >"$BUILD/fuzz-ninja.log" 2>&1 || {
  tail -40 "$BUILD/fuzz-ninja.log"; echo "build failed"; exit 2; }

mkdir -p "$WORK"
export PLUMBLINE_CORPUS="$PWD/corpus"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
  local t=$1 dir="$WORK/$1"
  mkdir -p "$dir/corpus"
  rm -f "$dir/rc"
  local dict=() seeds=("tests/fuzz/corpus/$t")
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  [ -d "tests/fuzz/regressions/$t" ] && seeds+=("tests/fuzz/regressions/$t")
  # Parsers get 8 KiB inputs (a few entries: more executions per second,
  # the same code paths), the rest 64 KiB; FUZZ_MAX_LEN overrides.
  # -timeout 10: a slow input (a pathological case) is a finding too.
  local max_len=65536
  case $t in lpc*|jsonl|indico|ical|frab) max_len=8192 ;; esac
  max_len="${FUZZ_MAX_LEN:-$max_len}"
  "$BUILD/tests/fuzz/fuzz_$t" "$dir/corpus" "${seeds[@]}" "${dict[@]}" \
    -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" >"$dir/log" 2>&1
  echo $? >"$dir/rc"
}

running=0
for t in $TARGETS; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

total=0
failed=0
printf '%-12s %12s %9s  %s\n' target execs exec/s status
for t in $TARGETS; do
  dir="$WORK/$t"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
  status=ok
  if [ "$rc" != 0 ]; then
    status="CRASH (see $dir/log)"
    failed=1
  fi
  printf '%-12s %12s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$status"
  total=$((total + ${execs:-0}))
done
echo "total executions: $total"
exit $failed
