#!/usr/bin/env bash
# A log of N entries of realistic shape (products × versions × advisories, through the real
# write path: crates/fixlog-server/examples/scale.rs), then `fixlog serve` on it and per-route
# latency over HTTP, the write latency, the database size and the server's RSS.
#
#   bench/scale.sh [--entries N] [--db sqlite|postgres] [--samples S]   (default 1000000 sqlite 200)
#   bench/scale.sh --ci      # 2k and 20k on SQLite (debug build); fails when an indexed
#                            # route's p50 at 20k is more than 3x its p50 at 2k (an O(n) path).
#                            # Not smaller: below ~2k the product lines are still young, and
#                            # per-line routes grow with the line, not the log.
#
# Databases are kept in $SCALE_DIR (default /var/tmp/fixlog-scale) and resumed: a larger run
# continues from a smaller one (SQLite: copied; PostgreSQL: schema fixlog_scale_N, resumed
# from the largest smaller schema is not possible, so each size is generated).
# PostgreSQL: $FIXLOG_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENTRIES=1000000 DB=sqlite SAMPLES=200 CI_MODE=
while [ $# -gt 0 ]; do
    case $1 in
        --entries) ENTRIES=$2; shift 2 ;;
        --db) DB=$2; shift 2 ;;
        --samples) SAMPLES=$2; shift 2 ;;
        --ci) CI_MODE=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
cd "$ROOT"
SCALE_DIR=${SCALE_DIR:-/var/tmp/fixlog-scale}
mkdir -p "$SCALE_DIR"
if [ -n "$CI_MODE" ]; then
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
    cargo build --locked --quiet -p fixlog-server --example scale -p fixlog --bin fixlog
    BIN=$CARGO_TARGET_DIR/debug
    SCALE_DIR=$(mktemp -d)
    trap 'rm -rf "$SCALE_DIR"' EXIT
else
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/fixlog-rel-target}
    cargo build --release --locked --quiet -p fixlog-server --example scale -p fixlog --bin fixlog
    BIN=$CARGO_TARGET_DIR/release
fi
SCALE=$BIN/examples/scale
FIXLOG=$BIN/fixlog
PG=${FIXLOG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

db_url() { # size
    if [ "$DB" = sqlite ]; then echo "sqlite://$SCALE_DIR/scale-$1.db"
    else echo "$PG?options=-csearch_path%3Dfixlog_scale_$1"; fi
}
db_size() { # size
    if [ "$DB" = sqlite ]; then
        du -cb "$SCALE_DIR/scale-$1.db"* | tail -n 1 | cut -f1
    else
        psql "$PG" -Atc "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)),0) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'fixlog_scale_$1' AND c.relkind = 'r'"
    fi
}

run() { # size -> one JSON line per record on stdout
    local size=$1 url
    url=$(db_url "$size")
    if [ "$DB" = sqlite ] && [ ! -e "$SCALE_DIR/scale-$size.db" ]; then
        # Resume from the largest smaller log (the plan is deterministic).
        local from
        from=$(ls "$SCALE_DIR" | sed -n 's/^scale-\([0-9]*\)\.db$/\1/p' | sort -n |
            awk -v n="$size" '$1 < n' | tail -n 1)
        # An online backup, not cp: the newest entries may still be in the -wal file, and a
        # copy without them is no prefix of the plan (a batch commits in any order).
        if [ -n "$from" ]; then
            python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
                "$SCALE_DIR/scale-$from.db" "$SCALE_DIR/scale-$size.db"
        fi
    fi
    nice -n 5 "$SCALE" generate "$url" "$size"
    # Statistics, as autovacuum keeps them in a deployment (it is off on the CI machine's
    # PostgreSQL; without them the planner guesses 38k rows for one digest and goes parallel).
    if [ "$DB" = postgres ]; then
        psql -q "$PG" -c "ANALYZE fixlog_scale_$size.entries, fixlog_scale_$size.entry_digests,
            fixlog_scale_$size.entry_products, fixlog_scale_$size.entry_cves,
            fixlog_scale_$size.product_advisories, fixlog_scale_$size.tlog_nodes,
            fixlog_scale_$size.checkpoints"
    fi
    "$SCALE" writes "$url" 20
    local log port server
    log=$(mktemp)
    FIXLOG_LOG=error "$FIXLOG" serve --demo --db "$url" --listen 127.0.0.1:0 > "$log" 2>&1 &
    server=$!
    for _ in $(seq 1 600); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
    local base
    base=$(sed -n 's/^listening on //p' "$log")
    "$SCALE" measure "$base" "$url" "$SAMPLES"
    local rss
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -f "$log"
    echo "{\"record\":\"resources\",\"size\":$size,\"db\":\"$DB\",\"db_bytes\":$(db_size "$size"),\"server_peak_rss_kib\":$rss}"
}

if [ -n "$CI_MODE" ]; then
    DB=sqlite SAMPLES=40
    OUT=$SCALE_DIR/out.jsonl
    run 2000 | tee -a "$OUT"
    run 20000 | tee -a "$OUT"
    python3 - "$OUT" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
measure = {r["size"]: r for r in records if r["record"] == "measure"}
small, large = sorted(measure)
# Indexed routes: their cost must not grow with the log (a generous 3x for noise).
routes = ["entry", "proof", "version_status", "product_firmware", "by_digest", "advisory",
          "product_page", "advisory_page", "search_cve", "check_page", "front_page", "feed",
          "checkpoint"]
failed = []
for route in routes:
    a, b = measure[small][route]["p50_ms"], measure[large][route]["p50_ms"]
    ratio = b / max(a, 0.05)
    print(f"{route:18} p50 {a:8.2f} ms at {small:>6} -> {b:8.2f} ms at {large:>6}  ({ratio:.2f}x)")
    if ratio > 3.0 and b > 2.0:
        failed.append(route)
if failed:
    sys.exit(f"O(n) regression: {', '.join(failed)} grew more than 3x from {small} to {large} entries")
PY
else
    run "$ENTRIES"
fi
