#!/usr/bin/env bash
# Runs the commands of the shipped CI integrations — the GitLab template
# (ci/gitlab/fixlog-publish.gitlab-ci.yml) and the GitHub composite action
# (ci/github/fixlog-publish/action.yml) — against a local fixlog server, exactly as written in
# those files, and checks the receipt each produces: entry sequence number, image digests that
# match the file, and a proof URL that serves a tlog-proof for that entry.
#
#   scripts/ci-template-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --quiet -p fixlog
BIN=$TARGET/debug/fixlog
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The shell block of a YAML file: the literal block after the line matching $2.
extract() {
    python3 - "$1" "$2" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
marker = re.compile(sys.argv[2])
for i, line in enumerate(lines):
    if marker.match(line):
        indent = None
        out = []
        for body in lines[i + 1:]:
            if body.strip() == "":
                out.append("")
                continue
            width = len(body) - len(body.lstrip())
            if indent is None:
                indent = width
            if width < indent:
                break
            out.append(body[indent:])
        print("\n".join(out))
        sys.exit(0)
sys.exit("no block matching " + sys.argv[2] + " in " + sys.argv[1])
PY
}

DB="sqlite://$WORK/ci.db"
"$BIN" serve --demo --db "$DB" --listen 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
    grep -q '^listening on ' "$WORK/serve.log" && break
    sleep 0.2
done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.log" | head -n1)
[ -n "$URL" ] || { cat "$WORK/serve.log"; echo "server did not start" >&2; exit 1; }
TOKEN=$("$BIN" token create --db "$DB" --role publisher --name ci-template-test)

check_receipt() { # receipt image version
    python3 - "$1" "$2" "$3" "$URL" <<'PY'
import hashlib, json, sys, urllib.request
receipt_path, image, version, url = sys.argv[1:]
receipt = json.load(open(receipt_path))
seq = receipt["seq"]
assert isinstance(seq, int) and seq > 0, receipt
assert receipt["entry"]["seq"] == seq and receipt["entry"]["kind"] == "release", receipt["entry"]
assert receipt["entry"]["fixed_version"] == version, receipt["entry"]
digest = hashlib.sha256(open(image, "rb").read()).hexdigest()
assert receipt["digests"][0]["sha256"] == digest, (receipt["digests"], digest)
assert receipt["digests"][0]["sha3_256"] == hashlib.sha3_256(open(image, "rb").read()).hexdigest()
assert receipt["proof"] == f"{url}/api/v1/entries/{seq}/proof", receipt["proof"]
proof = urllib.request.urlopen(receipt["proof"]).read().decode()
assert proof.startswith("c2sp.org/tlog-proof@v1"), proof[:80]
print(f"receipt ok: seq {seq}, sha256 {digest[:16]}…, proof {receipt['proof']}")
PY
}

mkdir -p "$WORK/gitlab/out" "$WORK/github/out"

echo "==> GitLab template: the .fixlog-publish script"
extract ci/gitlab/fixlog-publish.gitlab-ci.yml '^\s+- \|$' >"$WORK/gitlab.sh"
head -c 4096 /dev/urandom >"$WORK/gitlab/out/plc-x500-fw.bin"
(
    cd "$WORK/gitlab"
    env -i PATH="$PATH" HOME="$HOME" \
        CI_COMMIT_TAG=v9.9.1 FIXLOG_VERSION=V9.9.1 FIXLOG_URL="$URL" FIXLOG_TOKEN="$TOKEN" \
        FIXLOG_PRODUCT=plc-x500 FIXLOG_IMAGES=out/plc-x500-fw.bin \
        FIXLOG_RECEIPT=fixlog-receipt.json FIXLOG_BIN="$BIN" \
        bash -e "$WORK/gitlab.sh" >"$WORK/gitlab.out" 2>&1
) || { cat "$WORK/gitlab.out"; exit 1; }
if grep -q "$TOKEN" "$WORK/gitlab.out"; then echo "the token was printed" >&2; exit 1; fi
check_receipt "$WORK/gitlab/fixlog-receipt.json" "$WORK/gitlab/out/plc-x500-fw.bin" V9.9.1

echo "==> GitHub composite action: the publish step"
extract ci/github/fixlog-publish/action.yml '^\s+run: \|$' >"$WORK/github.sh"
head -c 4096 /dev/urandom >"$WORK/github/out/plc-x500-fw.bin"
(
    cd "$WORK/github"
    env -i PATH="$PATH" HOME="$HOME" \
        GITHUB_REF_NAME=V9.9.2 FIXLOG_VERSION= FIXLOG_URL="$URL" FIXLOG_TOKEN="$TOKEN" \
        FIXLOG_PRODUCT=plc-x500 FIXLOG_IMAGES=out/plc-x500-fw.bin FIXLOG_FIXES_FROM= \
        FIXLOG_RECEIPT=fixlog-receipt.json FIXLOG_BIN="$BIN" \
        bash -e "$WORK/github.sh" >"$WORK/github.out" 2>&1
) || { cat "$WORK/github.out"; exit 1; }
if grep -q "$TOKEN" "$WORK/github.out"; then echo "the token was printed" >&2; exit 1; fi
check_receipt "$WORK/github/fixlog-receipt.json" "$WORK/github/out/plc-x500-fw.bin" V9.9.2

echo "==> CI templates produce receipts"
