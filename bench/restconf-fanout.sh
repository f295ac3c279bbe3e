#!/usr/bin/env bash
# RESTCONF fan-out benchmark: N concurrent SSE subscribers (default 1000), ENTRIES published
# (default 20). Builds the release binary, raises the open-file limit, runs the Python driver.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 || ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet -p fixlog
export FIXLOG_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/fixlog
exec python3 bench/restconf-fanout.py "${1:-1000}" "${2:-20}"
