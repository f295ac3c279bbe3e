#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes (the cargo-fuzz targets in fuzz/, nightly toolchain).
# Seeds come from ../shared/data and fuzz/seeds/ (scripts/fuzz-seeds.py); each target then runs
# for a fixed time on its corpus, which grows between runs. Prints executions per target and
# exits non-zero on any crash, naming the crash artifact.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   scripts/fuzz.sh --seconds 300 note   # chosen targets, 5 minutes each
#   scripts/fuzz.sh --ci                 # build all, then a short smoke run of each (CI)
#   scripts/fuzz.sh --list               # the targets
#
# FIXLOG_FUZZ_DIR (default /var/tmp/fixlog-fuzz) holds corpus/<target>, artifacts/<target> and
# logs/<target>.log; the instrumented build is cached in /var/tmp/fixlog-fuzz-target.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${FIXLOG_FUZZ_DIR:-/var/tmp/fixlog-fuzz}
export CARGO_TARGET_DIR=${FIXLOG_FUZZ_TARGET_DIR:-/var/tmp/fixlog-fuzz-target}
SECONDS_PER_TARGET=60
TARGETS=()

while (($#)); do
    case "$1" in
        --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
        --ci) SECONDS_PER_TARGET=${FIXLOG_FUZZ_CI_SECONDS:-6}; shift ;;
        --list) cargo +nightly fuzz list --fuzz-dir "$ROOT/fuzz"; exit 0 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
build() {
    cargo +nightly fuzz build --fuzz-dir "$ROOT/fuzz" "$@" 2>&1 | grep -v '^ *Compiling' || true
}
if ((${#TARGETS[@]} == 0)); then
    mapfile -t TARGETS < <(cargo +nightly fuzz list --fuzz-dir "$ROOT/fuzz")
    echo "building ${#TARGETS[@]} fuzz targets (nightly, ASan, release with debug assertions)"
    build
else
    for target in "${TARGETS[@]}"; do build "$target"; done
fi
# The build's own errors are printed above; a target without a binary stops the run.
BIN_DIR=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release
for target in "${TARGETS[@]}"; do
    [ -x "$BIN_DIR/$target" ] || { echo "fuzz target $target was not built" >&2; exit 1; }
done

python3 "$ROOT/scripts/fuzz-seeds.py" "$WORK/corpus" > /dev/null
mkdir -p "$WORK/logs"

failed=0
rows=()
for target in "${TARGETS[@]}"; do
    corpus=$WORK/corpus/$target
    artifacts=$WORK/artifacts/$target
    log=$WORK/logs/$target.log
    mkdir -p "$corpus" "$artifacts"
    status=ok
    # -rss_limit_mb: the CSAF validator compiles a large schema; -timeout flags a slow input as
    # a finding. Output goes to the log; the summary line is parsed from it.
    if ! "$BIN_DIR/$target" "$corpus" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1; then
        status=CRASH
        failed=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*DONE.*/\1/p' "$log" | tail -n1)
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    cover=$(sed -n 's/^#[0-9]*.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -n1)
    files=$(find "$corpus" -type f | wc -l)
    rows+=("$(printf '%-24s %-6s %12s %9s %7s %8s' "$target" "$status" "${runs:-?}" "${per_second:-?}" "${cover:-?}" "$files")")
    if [ "$status" != ok ]; then
        echo "== $target: crash; artifact and stack:"
        grep -E 'Test unit written to|panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer' "$log" || tail -n 30 "$log"
        echo "   full log: $log"
    fi
done

printf '\n%-24s %-6s %12s %9s %7s %8s\n' target status executions exec/s cov corpus
printf '%s\n' "${rows[@]}"
printf 'seconds per target: %s; logs in %s/logs\n' "$SECONDS_PER_TARGET" "$WORK"
exit "$failed"
