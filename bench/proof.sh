#!/usr/bin/env bash
# Inclusion proofs at 1,000,000 entries and client-side verification of a 10,000-release log.
#
#   bench/proof.sh            (env ENTRIES=1000000 SAMPLES=2000 RELEASES=10000 DB_DIR=/tmp)
#
# 1. `proof_bench proofs`: appends ENTRIES synthetic entries straight through
#    Store::append_batch (batches of 10,000; skipped when the database already holds them), then
#    requests GET /api/v1/entries/{seq}/proof for SAMPLES random entries through the router and
#    prints latency percentiles and Merkle node rows read per proof (fixlog_store_sql::NODE_READS).
# 2. `proof_bench releases`: the demo manufacturer plus RELEASES releases through the real write
#    path; then `fixlog serve --demo` on that database and `fixlog verify URL --state DIR`
#    (every entry recomputed from tiles and bundles), timed three times.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ENTRIES=${ENTRIES:-1000000}
SAMPLES=${SAMPLES:-2000}
RELEASES=${RELEASES:-10000}
DB_DIR=${DB_DIR:-/tmp}
cd "$ROOT"
cargo build --release --locked --quiet -p fixlog-server --example proof_bench -p fixlog --bin fixlog
BENCH=$CARGO_TARGET_DIR/release/examples/proof_bench
FIXLOG=$CARGO_TARGET_DIR/release/fixlog

"$BENCH" proofs "sqlite://$DB_DIR/fixlog-proof-bench-$ENTRIES.db" "$ENTRIES" "$SAMPLES"

DB="sqlite://$DB_DIR/fixlog-verify-bench-$RELEASES.db"
"$BENCH" releases "$DB" "$RELEASES"
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
FIXLOG_LOG=error "$FIXLOG" serve --demo --db "$DB" --listen 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do grep -q '^listening on ' "$WORK/serve.log" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.log")
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$FIXLOG" verify "$URL" --state "$WORK/state" --json > "$WORK/report.json" || true
    end=$(date +%s.%N)
    python3 - "$WORK/report.json" "$start" "$end" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
timings = report.get("checked", {}).get("timings", {})
print(f"fixlog verify: {float(sys.argv[3]) - float(sys.argv[2]):.2f} s wall, verdict {report['verdict']}, "
      f"authentic phases {timings}")
PY
done
