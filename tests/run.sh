#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine:
#   installs what it needs, builds with ASan+UBSan, runs every meson suite
#   (unit, golden, integration, fuzz replay, browser) and ends with the line
#   "N passed, N failed[, N skipped]" counting every test case.
# Options: BUILD=dir (default build-test), SUITES="unit golden" to narrow.
set -uo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup --tests || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

BUILD="${BUILD:-build-test}"
werror=false
[ "${CI:-}" = "true" ] && werror=true
if [ ! -f "$BUILD/build.ninja" ]; then
  CC="${CC:-gcc}" meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=$werror -Dbuildtype=debugoptimized >/dev/null || {
    echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
else
  meson configure "$BUILD" -Dwerror=$werror >/dev/null
fi
if ! ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1; then
  cat "$BUILD/ninja.log"
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

args=()
for s in ${SUITES:-}; do args+=(--suite "$s"); done
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "${args[@]}"
python3 tests/summary.py "$BUILD/meson-logs/testlog.json"
