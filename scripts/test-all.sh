#!/usr/bin/env bash
# THE test command: everything Viola's CI checks, on a fresh Debian 12 machine, as root.
#
#   bash scripts/test-all.sh
#
# 1. installs missing Debian packages (scripts/install-deps.sh),
# 2. removes leftovers of earlier runs (Viola labs, Mininet),
# 3. builds the workspace once (dev/test profile, all targets),
# 4. runs `cargo test --workspace --no-fail-fast` — real Open vSwitch, Mininet and tshark tests included;
#    they FAIL (never skip) when root or a component is missing,
# 5. runs every extra suite scripts/suites/*.sh in name order (VIOLA_BIN = the built binary),
# 6. cleans up (labs, Mininet, default-path OVS daemons it started) and exits non-zero if
#    any step failed.
#
# Logs: target/test-logs/ (not /tmp: `mn -c` deletes /tmp/*.log).
# Environment: VIOLA_TEST_TIMEOUT (seconds for `cargo test`, default 1800),
#              VIOLA_SKIP_INSTALL=1 (only check the packages; for machines set up already),
#              VIOLA_TEST_SCOPE (cargo package selection, default `--workspace`; e.g.
#              "-p viola-testbed" for a quick run), VIOLA_BIN (binary the suites use).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS=$ROOT/target/test-logs
mkdir -p "$LOGS"
START=$(date +%s)
failed=()
SCOPE=${VIOLA_TEST_SCOPE:---workspace}

say() { printf '\n=== %s (%ss)\n' "$*" "$(( $(date +%s) - START ))"; }

if [ "$(id -u)" != 0 ]; then
    echo "test-all: must run as root (Open vSwitch, network namespaces, Mininet)" >&2
    exit 1
fi

# Rust: the machine's toolchain (rustup installs it under ~/.cargo/bin).
if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH=$HOME/.cargo/bin:$PATH
fi
command -v cargo >/dev/null || { echo "test-all: cargo not found (install Rust with rustup)" >&2; exit 1; }

cleanup() {
    # Labs of any run dir we use, by prefix, even if a test crashed.
    if [ -x "${VIOLA_BIN:-$ROOT/target/debug/viola}" ]; then
        "${VIOLA_BIN:-$ROOT/target/debug/viola}" lab down >/dev/null 2>&1 || true
    fi
    bash "$ROOT/scripts/lab-clean.sh" >/dev/null 2>&1 || true
    if command -v mn >/dev/null; then mn -c >/dev/null 2>&1 || true; fi
    bash "$ROOT/scripts/ovs-default.sh" stop >/dev/null 2>&1 || true
}

say "install dependencies"
if [ "${VIOLA_SKIP_INSTALL:-0}" = 1 ]; then
    bash scripts/install-deps.sh --check || failed+=("install-deps (--check)")
elif ! bash scripts/install-deps.sh; then
    echo "test-all: cannot install dependencies; stopping" >&2
    exit 1
fi

say "clean leftovers of earlier runs"
cleanup
trap cleanup EXIT

# One clean build: incremental artefacts only cost disk here.
export CARGO_INCREMENTAL=0

say "build (cargo build $SCOPE --all-targets)"
cargo build $SCOPE --all-targets 2>&1 | tee "$LOGS/build.log"
if [ "${PIPESTATUS[0]}" != 0 ]; then
    echo "test-all: build failed (log: $LOGS/build.log)" >&2
    exit 1
fi

say "cargo test $SCOPE"
timeout "${VIOLA_TEST_TIMEOUT:-1800}" cargo test $SCOPE --no-fail-fast 2>&1 | tee "$LOGS/cargo-test.log"
if [ "${PIPESTATUS[0]}" != 0 ]; then
    failed+=("cargo test $SCOPE")
fi
grep -E '^test .* FAILED$' "$LOGS/cargo-test.log" | sed 's/^/test-all: /' || true

export VIOLA_BIN=${VIOLA_BIN:-$ROOT/target/debug/viola}
for suite in scripts/suites/*.sh; do
    [ -e "$suite" ] || continue
    name=$(basename "$suite" .sh)
    say "suite $name"
    if timeout 900 bash "$suite" >"$LOGS/suite-$name.log" 2>&1; then
        tail -3 "$LOGS/suite-$name.log"
        echo "suite $name: ok"
    else
        tail -30 "$LOGS/suite-$name.log"
        echo "suite $name: FAILED (log: $LOGS/suite-$name.log)"
        failed+=("suite $name")
    fi
done

say "done"
if [ ${#failed[@]} -ne 0 ]; then
    printf 'test-all: FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "test-all: all passed in $(( $(date +%s) - START ))s"
