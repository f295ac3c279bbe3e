#!/usr/bin/env bash
# Runs every test of fixlog. First installs what the tests need (idempotent), then runs the
# gates (fmt, clippy, doc) and the test suites on SQLite and PostgreSQL.
#
#   scripts/test.sh            # everything
#   FIXLOG_SKIP_INSTALL=1 …    # skip the install step (offline re-runs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
TOOLS=${FIXLOG_TOOLS:-$HOME/.cache/fixlog-tools}
VENV=$TOOLS/venv

step() { printf '\n==> %s\n' "$*"; }

install() {
    step "install test tools into $TOOLS (idempotent)"
    mkdir -p "$TOOLS"
    # Debian packages the tests use.
    # cmake, pkg-config and libpcre2-dev build libyang from source for fixlog-verify (the
    # `yang3` crate, feature `bundled`).
    local wanted=(openssl coreutils curl chromium fonts-dejavu-core libyang2-tools cmake pkg-config libpcre2-dev gnupg nginx-light)
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]})); then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    # Python validators, pinned, in a private virtualenv.
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-test.txt"
    # Rust components for the gates.
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
    # cargo-fuzz (scripts/fuzz.sh, on the nightly toolchain) and cargo-deny, pinned.
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz --version 0.13.2
    command -v cargo-deny >/dev/null || cargo install --locked cargo-deny --version 0.20.2
    # Every platform's crates in the local registry, so `cargo deny --offline` sees the whole graph.
    cargo fetch --locked --quiet
    # fuzz/Cargo.lock follows the workspace crates it uses, so it may be refreshed here.
    cargo fetch --quiet --manifest-path "$ROOT/fuzz/Cargo.toml"
    # playwright-core and axe-core for the browser tests, pinned by tests/browser/package-lock.json.
    (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --silent)
    # @secvisogram/csaf-validator-lib (BSI reference CSAF validator), pinned by
    # tests/csaf/package-lock.json; run by tests/csaf/validate.mjs from the CSAF tests.
    (cd "$ROOT/tests/csaf" && npm ci --no-audit --no-fund --silent)
}

postgres() {
    export FIXLOG_TEST_POSTGRES_URL=${FIXLOG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        step "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -h 127.0.0.1 -p 5432
}

[ "${FIXLOG_SKIP_INSTALL:-}" = 1 ] || install
postgres

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo doc (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "cargo test (SQLite always, PostgreSQL at $FIXLOG_TEST_POSTGRES_URL)"
cargo test --workspace --locked --no-fail-fast

step "OpenAPI document passes openapi-spec-validator"
cargo build --locked --quiet -p fixlog
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OPENAPI=$(mktemp --suffix=.json)
"$TARGET/debug/fixlog" openapi > "$OPENAPI"
"$VENV/bin/python" "$ROOT/scripts/validate-openapi.py" "$OPENAPI"
rm -f "$OPENAPI"

step "crash safety: kill -9 during 1000 concurrent publishes, 3 rounds per backend (full run: scripts/crash-test.sh)"
"$ROOT/scripts/crash-test.sh" --rounds "${FIXLOG_CRASH_ROUNDS:-3}" --db both

step "log page in headless Chromium (playwright-core + axe-core; screenshots in artifacts/screenshots)"
"$ROOT/scripts/browser-test.sh"

step "monitor report and status page in headless Chromium (a real run with an injected outage; screenshots in artifacts/screenshots)"
"$ROOT/scripts/monitor-browser-test.sh"

step "YANG modules: pyang --lint and yanglint, 0 errors and 0 warnings"
YANG_DIR="$ROOT/crates/fixlog-server/yang"
LINT=$("$VENV/bin/pyang" --lint -p "$YANG_DIR" "$YANG_DIR/fwsec-log@2026-11-29.yang" 2>&1; yanglint -p "$YANG_DIR" "$YANG_DIR"/*.yang 2>&1)
if [ -n "$LINT" ]; then printf '%s\n' "$LINT"; exit 1; fi
echo "pyang --lint and yanglint: clean"

step "RESTCONF client (httpx + httpx-sse, every message validated by yangson) against fixlog serve --demo"
FIXLOG_BIN="$TARGET/debug/fixlog" "$VENV/bin/python" -m pytest -v -p no:cacheprovider "$ROOT/tests/restconf"

step "CI templates (GitLab include, GitHub action) publish and produce receipts"
bash "$ROOT/scripts/ci-template-test.sh"

step "cargo deny: licenses, bans, sources (offline; deny.toml)"
cargo deny --offline --log-level error check licenses bans sources
cargo deny --offline --log-level error --manifest-path "$ROOT/fuzz/Cargo.toml" check licenses bans sources

step "fuzz smoke: build every fuzz target, run each a few seconds (long runs: scripts/fuzz.sh --seconds N)"
"$ROOT/scripts/fuzz.sh" --ci

step "slow and idle clients: 1,000 idle SSE subscriptions + 200 slowloris while publishing (full run: scripts/slow-clients.sh)"
"$ROOT/scripts/slow-clients.sh" --ci

step "scale: 2k vs 20k entries, indexed routes must not grow 3x (full 1M run: bench/scale.sh)"
CARGO_TARGET_DIR="$TARGET" "$ROOT/bench/scale.sh" --ci

step "API fuzzing: schemathesis, every operation and phase, >= 1000 cases, 0 failures (SQLite and PostgreSQL)"
"$ROOT/scripts/api-fuzz.sh"

step "all tests passed"
