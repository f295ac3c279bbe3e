#!/usr/bin/env bash
# Crash safety: kill -9 `fixlog serve` in the middle of ~1000 concurrent publishes, restart it
# on the same database, and check that every acknowledged publish survived byte for byte, that
# the tree has no gaps and is consistent with every checkpoint served before the kill, and that
# `fixlog verify --state` (consistency with the previous round's verified checkpoint) passes.
#
#   scripts/crash-test.sh [--rounds N] [--db sqlite|postgres|both] [--count N] [--release]
#
# Defaults: 20 rounds, both backends, 1000 publishes per round, debug binaries.
# One database per backend grows over all rounds: round N starts on the database that round N-1
# killed, and every check re-verifies everything acknowledged and served since round 1.
# PostgreSQL: FIXLOG_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); a
# fresh schema per run, dropped afterwards.
# Prints "N passed, N failed" (one per round and backend); exit 1 if any round failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

ROUNDS=20
BACKENDS=(sqlite postgres)
COUNT=1000
PROFILE=debug
while (($#)); do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --db)
            case $2 in
                both) BACKENDS=(sqlite postgres) ;;
                sqlite|postgres) BACKENDS=("$2") ;;
                *) echo "--db sqlite|postgres|both" >&2; exit 2 ;;
            esac
            shift 2 ;;
        --count) COUNT=$2; shift 2 ;;
        --release) PROFILE=release; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

CARGO_PROFILE=()
[ "$PROFILE" = release ] && CARGO_PROFILE=(--release)
cargo build --locked --quiet "${CARGO_PROFILE[@]}" -p fixlog --bin fixlog --example crash_storm
WORK=$(mktemp -d /tmp/fixlog-crash.XXXXXX)
# Private copies: a concurrent build must not swap the binaries between rounds.
mkdir -p "$WORK/bin"
cp "$CARGO_TARGET_DIR/$PROFILE/fixlog" "$CARGO_TARGET_DIR/$PROFILE/examples/crash_storm" "$WORK/bin/"
FIXLOG=$WORK/bin/fixlog
STORM=$WORK/bin/crash_storm
SERVER_PID=
PG_BASE=${FIXLOG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_SCHEMA=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_SCHEMA" ]; then
        psql -q "$PG_BASE" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# start_server, pg_schema_url.
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"
# The storm opens ~1000 connections from one address: above the default per-address cap.
start_server_for_storm() {
    FIXLOG_LOG=error FIXLOG_MAX_CONNS_PER_IP=4096 start_server "$1"
}

PASSED=0
FAILED=0
for backend in "${BACKENDS[@]}"; do
    RECORD=$WORK/$backend/record
    STATE=$WORK/$backend/state
    mkdir -p "$RECORD" "$STATE"
    case $backend in
        sqlite) DB="sqlite://$WORK/$backend/fixlog.db" ;;
        postgres)
            PG_SCHEMA="fixlog_crash_$$"
            DB=$(pg_schema_url "$PG_BASE" "$PG_SCHEMA") ;;
    esac
    TOKEN=$("$FIXLOG" token create --db "$DB" --role publisher --name crash-test)
    for round in $(seq 1 "$ROUNDS"); do
        log=$WORK/$backend/server-$round.log
        ok=1
        start_server_for_storm "$log" || ok=0
        if ((ok)); then
            # Kill after a random number of acknowledgements, between 10% and 70% of the storm.
            kill_after=$((COUNT / 10 + RANDOM % (COUNT * 6 / 10)))
            "$STORM" storm "$URL" --token "$TOKEN" --round "$round" --count "$COUNT" \
                --kill-pid "$SERVER_PID" --kill-after "$kill_after" --record "$RECORD" || ok=0
            { wait "$SERVER_PID"; } 2>/dev/null || true
            SERVER_PID=
        fi
        if ((ok)); then
            start_server_for_storm "$log.restart" || ok=0
        fi
        if ((ok)); then
            "$STORM" check "$URL" --record "$RECORD" || ok=0
            verify=$("$FIXLOG" verify "$URL" --state "$STATE" 2>&1) || {
                ok=0
                echo "$verify" | grep -E 'error|verdict' >&2
            }
            kill -TERM "$SERVER_PID" 2>/dev/null || true
            wait "$SERVER_PID" 2>/dev/null || true
            SERVER_PID=
        fi
        if ((ok)); then
            PASSED=$((PASSED + 1))
            echo "== $backend round $round: passed"
        else
            FAILED=$((FAILED + 1))
            echo "== $backend round $round: FAILED"
        fi
    done
    if [ "$backend" = postgres ]; then
        psql -q "$PG_BASE" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null
        PG_SCHEMA=
    fi
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
