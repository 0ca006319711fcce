#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs what plumbline
# needs, builds it, indexes the bundled archive (if the index is missing or
# older than the corpus) and serves the page and the JSON API on
# http://127.0.0.1:8080.  PORT=, DB=, BUILD= override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup
BUILD="${BUILD:-build}"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=false >/dev/null
ninja -C "$BUILD" >/dev/null
PL="$BUILD/web/plumbline"
DB="${DB:-$("$PL" index --print-db 2>/dev/null || echo "$HOME/.local/share/plumbline/index")}"
"$PL" index --db "$DB" --if-stale
exec "$PL" serve --db "$DB" --bind 127.0.0.1 --port "${PORT:-8080}"
