#!/usr/bin/env bash
# Slow and idle clients: 5,000 idle RFC 8639 SSE subscriptions and 500 slowloris connections
# (request heads sent one line every 2 s) from 200 loopback source addresses (127.0.0.x) held
# against `fixlog serve --demo`, while it measures the read p99 of /api/v1/entries?limit=100
# (loaded vs unloaded), publishes releases and samples the server's RSS (/proc/PID/status).
#
#   scripts/slow-clients.sh [--ci] [--release]
#
# --ci: 1,000 subscriptions + 200 slowloris from 50 addresses (under a minute). Exit 1 when a
# publish failed, loaded p99 > 2 x unloaded, a subscription could not be held, no slowloris
# connection was closed by the server, or the RSS bound was exceeded (scripts/slow_clients.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
PROFILE=debug
ARGS=(--sse 5000 --slowloris 500 --addresses 200 --hold 20)
while (($#)); do
    case $1 in
        --ci) ARGS=(--sse 1000 --slowloris 200 --addresses 50 --hold 12 --rss-limit-mib 512); shift ;;
        --release) PROFILE=release; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
PROFILE_FLAG=()
[ "$PROFILE" = release ] && PROFILE_FLAG=(--release)
cargo build --locked --quiet "${PROFILE_FLAG[@]}" -p fixlog --bin fixlog
# Each subscription holds two sockets on the client side and one on the server side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 16384 ]; then
    echo "ulimit -n is $(ulimit -n); need at least 16384 open files" >&2
    exit 2
fi
PYTHON=${FIXLOG_PYTHON:-$HOME/.cache/fixlog-tools/venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" scripts/slow_clients.py --binary "$CARGO_TARGET_DIR/$PROFILE/fixlog" "${ARGS[@]}"
