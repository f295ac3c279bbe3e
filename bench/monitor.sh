#!/usr/bin/env bash
# `fixlog monitor run` with N endpoints (default 1,000) at one probe per minute on loopback,
# all against one `fixlog serve --demo` (each probe: checkpoint + verify-lite of every entry).
# Reports the monitor process's CPU share of one core over the measured window (after one
# warm-up interval), its peak RSS, and storage per probe without and with evidence bundles.
#
#   bench/monitor.sh [--endpoints N] [--minutes M]     (default 1000 endpoints, 4 minutes)
#
# Release build in $CARGO_TARGET_DIR (default /var/tmp/fixlog-rel-target). Prints one JSON
# document per run (evidence off, evidence on) and a summary line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENDPOINTS=1000 MINUTES=4
while [ $# -gt 0 ]; do
    case $1 in
        --endpoints) ENDPOINTS=$2; shift 2 ;;
        --minutes) MINUTES=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/fixlog-rel-target}
(cd "$ROOT" && cargo build --release --locked --quiet -p fixlog --bin fixlog)
FIXLOG=$CARGO_TARGET_DIR/release/fixlog
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The monitored log: one demo server (it may answer 1,000 probes a minute: no per-address cap).
FIXLOG_LOG=error FIXLOG_MAX_CONNS_PER_IP=100000 \
    "$FIXLOG" serve --demo --db "sqlite://$WORK/log.db" --listen 127.0.0.1:0 > "$WORK/serve.out" 2>&1 &
SERVER_PID=$!
URL=
for _ in $(seq 1 300); do
    URL=$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -n 1)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { cat "$WORK/serve.out" >&2; exit 1; }

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # evidence(0|1) -> JSON line
    local evidence=$1 dir="$WORK/run-$1"
    mkdir -p "$dir"
    {
        echo "[monitor]"
        echo "concurrency = 64"
        [ "$evidence" = 1 ] && echo 'evidence_dir = "evidence"'
        for i in $(seq 1 "$ENDPOINTS"); do
            printf '[[endpoint]]\nname = "supplier-%04d"\nurl = "%s"\ninterval = "60s"\njitter = "60s"\ntimeout = "10s"\nretries = 0\n' "$i" "$URL"
        done
    } > "$dir/monitor.toml"
    local seconds=$((MINUTES * 60))
    "$FIXLOG" monitor run --config "$dir/monitor.toml" --db "sqlite://$dir/monitor.db" \
        --for "${seconds}s" > "$dir/run.out" 2>&1 &
    local pid=$!
    # Warm-up: the first interval spreads the endpoints over the jitter and trusts each key.
    sleep 60
    local cpu0 t0 cpu1 t1
    cpu0=$(cpu_ticks "$pid"); t0=$(date +%s.%N)
    sleep $((seconds - 75))
    cpu1=$(cpu_ticks "$pid"); t1=$(date +%s.%N)
    local hwm
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    wait "$pid"
    local samples db_bytes ev_bytes bundles
    samples=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from monitor_samples').fetchone()[0])" "$dir/monitor.db")
    python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('VACUUM')" "$dir/monitor.db"
    db_bytes=$(du -cb "$dir"/monitor.db* | tail -n 1 | cut -f1)
    # Bytes of the sample table and its index alone (SQLite dbstat): what each probe adds;
    # the rest is one content snapshot per endpoint, replaced when the content changes.
    sample_bytes=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select sum(pgsize) from dbstat where name in ('monitor_samples','monitor_samples_by_endpoint')\").fetchone()[0])" "$dir/monitor.db")
    ev_bytes=0 bundles=0
    if [ -d "$dir/evidence" ]; then
        ev_bytes=$(du -sb "$dir/evidence" | cut -f1)
        bundles=$(find "$dir/evidence" -name '*.evb' -type d | wc -l)
    fi
    python3 - "$evidence" "$ENDPOINTS" "$cpu0" "$cpu1" "$t0" "$t1" "$ticks" "$hwm" "$samples" "$db_bytes" "$ev_bytes" "$bundles" "$(tail -n 1 "$dir/run.out")" "$sample_bytes" <<'EOF'
import json, sys
(evidence, endpoints, cpu0, cpu1, t0, t1, ticks, hwm, samples, db_bytes, ev_bytes, bundles, summary, sample_bytes) = sys.argv[1:]
cpu = (int(cpu1) - int(cpu0)) / int(ticks)
wall = float(t1) - float(t0)
samples, bundles = int(samples), int(bundles)
print(json.dumps({
    "evidence": evidence == "1",
    "endpoints": int(endpoints),
    "window_s": round(wall, 1),
    "cpu_share_of_one_core_pct": round(100 * cpu / wall, 2),
    "peak_rss_mib": round(int(hwm) / 1024, 1),
    "samples": samples,
    "db_bytes_per_sample": round(int(db_bytes) / max(samples, 1)),
    "sample_table_bytes_per_sample": round(int(sample_bytes) / max(samples, 1)),
    "bundles": bundles,
    "evidence_bytes_per_bundle": round(int(ev_bytes) / bundles) if bundles else 0,
    # One daily bundle per endpoint when nothing changes: 1,440 probes a day at 1/min.
    "evidence_bytes_per_probe_daily_only": round(int(ev_bytes) / bundles / 1440) if bundles else 0,
    "summary": summary,
}))
EOF
}

run 0
run 1
