#!/usr/bin/env bash
# Multi-replica check: three `fixlog serve` on one fresh PostgreSQL schema behind nginx
# round-robin, concurrent publishes through nginx, RESTCONF subscribers on every replica
# (crates/fixlog/tests/replicas.rs). Prints throughput and subscriber catch-up time.
#
#   scripts/replicas.sh [--clients N] [--releases N] [--subscribers N]
#
# Defaults (the full run): 8 clients × 50 releases, 4 subscribers per replica. `cargo test`
# runs the same test at 4 × 25 and 3 per replica. PostgreSQL: FIXLOG_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/test). Needs /usr/sbin/nginx (nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export FIXLOG_TEST_POSTGRES_URL=${FIXLOG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
export FIXLOG_REPLICAS_CLIENTS=8 FIXLOG_REPLICAS_RELEASES=50 FIXLOG_REPLICAS_SUBSCRIBERS=4
while (($#)); do
    case $1 in
        --clients) FIXLOG_REPLICAS_CLIENTS=$2; shift 2 ;;
        --releases) FIXLOG_REPLICAS_RELEASES=$2; shift 2 ;;
        --subscribers) FIXLOG_REPLICAS_SUBSCRIBERS=$2; shift 2 ;;
        *) echo "usage: $0 [--clients N] [--releases N] [--subscribers N]" >&2; exit 2 ;;
    esac
done
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
status=0
cargo test --locked --quiet -p fixlog --test replicas -- --nocapture >"$LOG" 2>&1 || status=$?
grep -E 'publishes/s|after the last acknowledgement|test result|skipped|panicked' "$LOG" || cat "$LOG"
exit "$status"
