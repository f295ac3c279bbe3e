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
    local wanted=(openssl coreutils curl)
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

step "all tests passed"
