#!/usr/bin/env bash
# API fuzzing: schemathesis against the /openapi.json of a running `fixlog serve --demo`, every
# operation, with an admin token, a fixed seed and every phase (examples, coverage, fuzzing,
# stateful over the document's links). Fails unless the run generated at least MIN_CASES test
# cases and found no failure: no 5xx, no response outside its documented schema, status code
# or media type, no invalid input accepted, no valid input rejected.
#
#   scripts/api-fuzz.sh [--db sqlite|postgres|both] [--max-examples N] [--seed N]
#
# Defaults: SQLite, and PostgreSQL too when FIXLOG_TEST_POSTGRES_URL is set (a fresh schema per
# run, dropped afterwards, as in scripts/crash-test.sh); 30 examples per operation and phase;
# seed 20261129. Reports (JSON summary, JUnit) go to artifacts/api-fuzz/<backend>/.
# Prints "N passed, N failed" (one per backend); exit 1 if any backend failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=${FIXLOG_TOOLS:-$HOME/.cache/fixlog-tools}/venv
MIN_CASES=1000

if [ -n "${FIXLOG_TEST_POSTGRES_URL:-}" ]; then BACKENDS=(sqlite postgres); else BACKENDS=(sqlite); fi
MAX_EXAMPLES=30
SEED=20261129
while (($#)); do
    case $1 in
        --db)
            case $2 in
                both) BACKENDS=(sqlite postgres) ;;
                sqlite|postgres) BACKENDS=("$2") ;;
                *) echo "--db sqlite|postgres|both" >&2; exit 2 ;;
            esac
            shift 2 ;;
        --max-examples) MAX_EXAMPLES=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

cargo build --locked --quiet -p fixlog --bin fixlog
WORK=$(mktemp -d /tmp/fixlog-api-fuzz.XXXXXX)
# A private copy: a concurrent build must not swap the binary under the running server.
cp "$CARGO_TARGET_DIR/debug/fixlog" "$WORK/fixlog"
FIXLOG=$WORK/fixlog
SERVER_PID=
PG_BASE=${FIXLOG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_SCHEMA=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
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

# Lift the per-address abuse limits for this run (the variables of `fixlog serve --help`): the
# fuzzer sends thousands of writes from one address and deliberately presents missing and wrong
# tokens, and a 429 or an auth lockout would hide what it is testing.
export FIXLOG_ANONYMOUS_WRITE_RATE=0 FIXLOG_WRITE_RATE=0 FIXLOG_SUBSCRIBE_RATE=0 FIXLOG_AUTH_FAILURES=0

PASSED=0
FAILED=0
for backend in "${BACKENDS[@]}"; do
    REPORTS=$ROOT/artifacts/api-fuzz/$backend
    rm -rf "$REPORTS"
    mkdir -p "$REPORTS"
    case $backend in
        sqlite) DB="sqlite://$WORK/$backend.db" ;;
        postgres)
            PG_SCHEMA="fixlog_fuzz_$$"
            DB=$(pg_schema_url "$PG_BASE" "$PG_SCHEMA") ;;
    esac
    ok=1
    FIXLOG_LOG=warn start_server "$REPORTS/server.log" || ok=0
    if ((ok)); then
        TOKEN=$("$FIXLOG" token create --db "$DB" --role admin --name api-fuzz)
        started=$(date +%s)
        # --checks all: every check schemathesis has; scripts/api-fuzz.toml narrows two of them,
        # each with its reason.
        "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/api-fuzz.toml" run "$URL/openapi.json" \
            --checks all \
            --phases examples,coverage,fuzzing,stateful \
            --max-examples "$MAX_EXAMPLES" \
            --seed "$SEED" \
            --generation-database none \
            --workers 1 \
            --no-color \
            --request-timeout 30 \
            -H "Authorization: Bearer $TOKEN" \
            --report json,junit \
            --report-json-path "$REPORTS/report.json" \
            --report-junit-path "$REPORTS/junit.xml" \
            > "$REPORTS/schemathesis.txt" 2>&1 || ok=0
        elapsed=$(($(date +%s) - started))
        # The last lines of the run: the failures (if any) and the summary.
        grep -v '^\s*$' "$REPORTS/schemathesis.txt" | tail -n 40
        cases=$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["test_cases"]["generated"])' "$REPORTS/report.json" 2>/dev/null || echo 0)
        echo "== $backend: $cases test cases in ${elapsed} s (seed $SEED, $MAX_EXAMPLES examples per operation)"
        if [ "$cases" -lt "$MIN_CASES" ]; then
            echo "== $backend: fewer than $MIN_CASES test cases" >&2
            ok=0
        fi
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
    if [ "$backend" = postgres ]; then
        psql -q "$PG_BASE" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null
        PG_SCHEMA=
    fi
    if ((ok)); then
        PASSED=$((PASSED + 1))
        echo "== $backend: passed"
    else
        FAILED=$((FAILED + 1))
        echo "== $backend: FAILED (reports in $REPORTS)"
    fi
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
