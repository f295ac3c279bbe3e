#!/usr/bin/env bash
# Hashing throughput: sha256sum, openssl dgst -sha3-256, and fixlog (SHA-256 + SHA3-256 in one
# pass) on the same 1 GiB file of random bytes, 3 runs each, best and median.
#
# fixlog is measured twice:
#   - end to end: `fixlog publish release` against a local `fixlog serve` (SQLite in a temp
#     dir), a new version each run so no run is an idempotent no-op;
#   - hashing alone: `examples/hash_file.rs`, which includes crates/fixlog/src/hashing.rs by
#     path, i.e. the same code; plus each digest alone on one thread, to show which one bounds
#     the combined pass.
# The file is read once before timing, so every run reads from the page cache.
#
# Usage: bench/hash.sh            (env BENCH_DIR: where the 1 GiB file lives, kept for reuse)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
BENCH_DIR=${BENCH_DIR:-/tmp/fixlog-bench}
RUNS=3
SIZE=$((1024 * 1024 * 1024))
LIMIT=300 # seconds, per timed command

mkdir -p "$BENCH_DIR"
FILE="$BENCH_DIR/random-1GiB.bin"
WORK=$(mktemp -d /tmp/fixlog-hash-bench.XXXXXX)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== build (release)"
(cd "$ROOT" && timeout 1800 cargo build --release -q -p fixlog --bin fixlog --example hash_file)
FIXLOG=$CARGO_TARGET_DIR/release/fixlog
HASH_FILE=$CARGO_TARGET_DIR/release/examples/hash_file

if [[ ! -f $FILE || $(stat -c %s "$FILE") -ne $SIZE ]]; then
  echo "== creating $FILE (1 GiB from /dev/urandom)"
  head -c "$SIZE" /dev/urandom >"$FILE.tmp"
  mv "$FILE.tmp" "$FILE"
else
  echo "== reusing $FILE"
fi
cat "$FILE" >/dev/null # warm the page cache

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "flags: $(grep -m1 -o -w -e sha_ni /proc/cpuinfo || echo no-sha_ni)" \
  "$(grep -m1 -o -w -e avx512f /proc/cpuinfo || true); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== tools: $(sha256sum --version | head -1); $(openssl version)"

# The local server for the end-to-end runs.
"$FIXLOG" keygen --origin bench.example/log --out "$WORK/log.key" >/dev/null
DB="sqlite://$WORK/fixlog.db"
FIXLOG_LOG=warn "$FIXLOG" serve --db "$DB" --key "$WORK/log.key" --listen 127.0.0.1:0 \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
URL=
for _ in $(seq 300); do # up to 30 s for the readiness line
  URL=$(sed -n 's/^listening on //p' "$WORK/serve.out")
  [[ -n $URL ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err"; exit 1; }
  sleep 0.1
done
[[ -n $URL ]] || { echo "server did not start"; cat "$WORK/serve.err"; exit 1; }
EDITOR_TOKEN=$("$FIXLOG" token create --db "$DB" --role editor)
PUBLISHER_TOKEN=$("$FIXLOG" token create --db "$DB" --role publisher)
cat >"$WORK/product.json" <<'JSON'
{"id": "bench-plc", "name": "Bench PLC", "device_class": "plc", "version_scheme": "v-dotted",
 "lifecycle": {"state": "active"}}
JSON
FIXLOG_TOKEN=$EDITOR_TOKEN "$FIXLOG" publish product --server "$URL" --file "$WORK/product.json" \
  >/dev/null 2>&1
TODAY=$(date -u +%F)

# time_runs NAME CMD...: runs CMD $RUNS times (stdout to $WORK/NAME.out.N); records the wall
# seconds (best, median) and the best CPU seconds (user + sys) of the process.
declare -A BEST MEDIAN CPU
time_runs() {
  local name=$1
  shift
  local times=() cpus=() i wall user sys
  for i in $(seq "$RUNS"); do
    timeout "$LIMIT" /usr/bin/time -f '%e %U %S' -o "$WORK/$name.time.$i" "$@" \
      >"$WORK/$name.out.$i" 2>"$WORK/$name.err.$i" ||
      { echo "$name run $i failed:"; cat "$WORK/$name.err.$i"; exit 1; }
    read -r wall user sys <"$WORK/$name.time.$i"
    times+=("$wall")
    cpus+=("$(echo "$user + $sys" | bc -l)")
  done
  BEST[$name]=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
  MEDIAN[$name]=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
  CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -g | head -1)
  printf '%-26s wall: %s s   cpu: %s s\n' "$name" "$(printf '%.2f ' "${times[@]}")" \
    "$(printf '%.2f ' "${cpus[@]}")"
}

# One publish per call, each a new version (V1.0.1, V1.0.2, …) so none is an idempotent no-op.
echo 0 >"$WORK/counter"
cat >"$WORK/publish.sh" <<SH
#!/usr/bin/env bash
n=\$((\$(cat "$WORK/counter") + 1))
echo "\$n" >"$WORK/counter"
export FIXLOG_TOKEN=$PUBLISHER_TOKEN
exec "$FIXLOG" publish release --server "$URL" --product bench-plc --version "V1.0.\$n" \\
  --released "$TODAY" --image "$FILE" --json
SH
chmod +x "$WORK/publish.sh"

echo "== timing ($RUNS runs each, 1 GiB, page cache warm)"
time_runs sha256sum sha256sum "$FILE"
time_runs openssl-sha3-256 openssl dgst -sha3-256 "$FILE"
time_runs fixlog-hash-both "$HASH_FILE" "$FILE"
time_runs fixlog-publish-e2e "$WORK/publish.sh"
time_runs fixlog-hash-sha256-only "$HASH_FILE" --only sha256 "$FILE"
time_runs fixlog-hash-sha3-only "$HASH_FILE" --only sha3-256 "$FILE"
for i in $(seq "$RUNS"); do
  grep -q '"status": "created"' "$WORK/fixlog-publish-e2e.out.$i" ||
    { echo "publish run $i did not create an entry"; cat "$WORK/fixlog-publish-e2e.out.$i"; exit 1; }
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The digests must agree, or the speed means nothing.
SHA256=$(cut -d' ' -f1 "$WORK/sha256sum.out.1")
SHA3=$(sed 's/.*= //' "$WORK/openssl-sha3-256.out.1")
read -r F256 F3 FSIZE _ <"$WORK/fixlog-hash-both.out.1"
[[ $F256 == "$SHA256" && $F3 == "$SHA3" && $FSIZE == "$SIZE" ]] ||
  { echo "DIGEST MISMATCH: fixlog $F256 $F3 vs $SHA256 $SHA3"; exit 1; }
grep -q "\"sha256\": \"$SHA256\"" "$WORK/fixlog-publish-e2e.out.1" &&
  grep -q "\"sha3_256\": \"$SHA3\"" "$WORK/fixlog-publish-e2e.out.1" ||
  { echo "DIGEST MISMATCH in the published entry"; exit 1; }
echo "== digests agree: sha256 $SHA256, sha3-256 $SHA3"

mibs() { echo "1024 / $1" | bc -l; }
echo
printf '%-26s %11s %13s %9s\n' "1 GiB" "best MiB/s" "median MiB/s" "CPU s"
for name in sha256sum openssl-sha3-256 fixlog-hash-both fixlog-publish-e2e \
  fixlog-hash-sha256-only fixlog-hash-sha3-only; do
  printf '%-26s %11.0f %13.0f %9.2f\n' "$name" "$(mibs "${BEST[$name]}")" \
    "$(mibs "${MEDIAN[$name]}")" "${CPU[$name]}"
done
echo
ratio() { echo "${BEST[$2]} / ${BEST[$1]}" | bc -l; }      # throughput $1 / throughput $2
ratio_med() { echo "${MEDIAN[$2]} / ${MEDIAN[$1]}" | bc -l; }
printf '%-44s %8s %8s\n' "ratio (throughput, goal >= 0.90)" best median
for subject in fixlog-hash-both fixlog-publish-e2e; do
  for reference in sha256sum openssl-sha3-256; do
    printf '%-44s %8.2f %8.2f\n' "$subject / $reference" \
      "$(ratio "$subject" "$reference")" "$(ratio_med "$subject" "$reference")"
  done
done
printf '%-44s %8.2f %8.2f\n' "fixlog sha3 alone / openssl-sha3-256" \
  "$(ratio fixlog-hash-sha3-only openssl-sha3-256)" "$(ratio_med fixlog-hash-sha3-only openssl-sha3-256)"
printf '%-44s %8.2f %8.2f\n' "fixlog sha256 alone / sha256sum" \
  "$(ratio fixlog-hash-sha256-only sha256sum)" "$(ratio_med fixlog-hash-sha256-only sha256sum)"
