#!/usr/bin/env bash
# Browser test of the monitor's HTML report and status page: starts `fixlog serve --demo`
# behind a small Python proxy that answers 500 between 1.5 s and 3.5 s after it starts, runs
# `fixlog monitor run --for 5s` against the proxy, writes `monitor report --out`, starts
# `fixlog monitor serve`, and runs `node --test tests/monitor-browser/` in headless Debian
# Chromium (report file and status page; screenshots in artifacts/screenshots/).
#
#   scripts/monitor-browser-test.sh     # needs /usr/bin/chromium and `npm ci` in tests/browser
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/debug/fixlog

cargo build --locked --quiet -p fixlog
[ -d tests/browser/node_modules ] || (cd tests/browser && npm ci --no-audit --no-fund --silent)
mkdir -p artifacts/screenshots

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits for "listening on URL" in file $1 written by process $2; prints the URL.
wait_for_url() {
    for _ in $(seq 1 600); do
        url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$1")
        if [ -n "$url" ]; then echo "$url"; return 0; fi
        kill -0 "$2" 2>/dev/null || { echo "process $2 exited before it was ready" >&2; return 1; }
        sleep 0.1
    done
    echo "no readiness line within 60 s in $1" >&2
    return 1
}

FIXLOG_LOG=error "$BIN" serve --demo --db "sqlite://$WORK/log.db" --listen 127.0.0.1:0 >"$WORK/log.out" 2>"$WORK/log.err" &
PIDS+=($!)
LOG_URL=$(wait_for_url "$WORK/log.out" "${PIDS[-1]}")

# The flaky proxy: forwards GETs to the log, except during the outage window.
cat >"$WORK/proxy.py" <<'PY'
import http.server, sys, time, urllib.error, urllib.request
UPSTREAM, START = sys.argv[1].rstrip("/"), time.monotonic()
class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the monitor's client reuses the connection
    def do_GET(self):
        if 1.5 <= time.monotonic() - START < 3.5:
            body, status, kind = b"injected outage\n", 500, "text/plain"
        else:
            try:
                with urllib.request.urlopen(UPSTREAM + self.path) as answer:
                    body, status, kind = answer.read(), answer.status, answer.headers.get("content-type", "")
            except urllib.error.HTTPError as error:
                body, status, kind = error.read(), error.code, error.headers.get("content-type", "")
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(f"listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
server.serve_forever()
PY
python3 -u "$WORK/proxy.py" "$LOG_URL" >"$WORK/proxy.out" &
PIDS+=($!)
PROXY_URL=$(wait_for_url "$WORK/proxy.out" "${PIDS[-1]}")

cat >"$WORK/monitor.toml" <<TOML
[monitor]
evidence_dir = "evidence"
failure_threshold = 2
success_threshold = 2

[[endpoint]]
name = "demo"
supplier = "ACME Industrial <Controls>"
url = "$PROXY_URL"
interval = "200ms"
timeout = "2s"
retries = 0
TOML
DB="sqlite://$WORK/monitor.db"
(cd "$WORK" && FIXLOG_LOG=error "$BIN" monitor run --config monitor.toml --db "$DB" --for 5s)
REPORT=$ROOT/artifacts/monitor-report.html
"$BIN" monitor report --config "$WORK/monitor.toml" --db "$DB" --out "$REPORT" --csv "$ROOT/artifacts/monitor-samples.csv"

FIXLOG_LOG=error "$BIN" monitor serve --config "$WORK/monitor.toml" --db "$DB" --listen 127.0.0.1:0 >"$WORK/status.out" 2>"$WORK/status.err" &
PIDS+=($!)
STATUS_URL=$(wait_for_url "$WORK/status.out" "${PIDS[-1]}")

MONITOR_REPORT=$REPORT MONITOR_URL=$STATUS_URL node --test tests/monitor-browser/
