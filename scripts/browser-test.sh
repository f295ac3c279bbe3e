#!/usr/bin/env bash
# Browser tests of the public log page: builds `fixlog`, starts `fixlog serve --demo` on a fresh
# SQLite database and a free port, waits for its readiness line, runs `node --test tests/browser/`
# in headless Debian Chromium, and stops the server. Screenshots land in artifacts/screenshots/.
#
#   scripts/browser-test.sh     # needs /usr/bin/chromium and `npm ci` in tests/browser (scripts/test.sh installs both)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cargo build --locked --quiet -p fixlog
[ -d tests/browser/node_modules ] || (cd tests/browser && npm ci --no-audit --no-fund --silent)
mkdir -p artifacts/screenshots

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$TARGET/debug/fixlog" serve --demo --db "sqlite://$WORK/demo.db" --listen 127.0.0.1:0 >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
URL=
for _ in $(seq 1 600); do
    URL=$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$WORK/stdout")
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr" >&2; echo "fixlog serve exited before it was ready" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "fixlog serve printed no readiness line within 60 s" >&2; exit 1; }

FIXLOG_URL=$URL node --test tests/browser/
