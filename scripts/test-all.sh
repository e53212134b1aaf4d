#!/usr/bin/env bash
# THE test command: everything Viola's CI checks, on a fresh Debian 12 machine, as root.
#
#   sudo bash scripts/test-all.sh
#
# 1. installs missing Debian packages (scripts/install-deps.sh) and, for the book, mdbook
#    (from crates.io, once per machine);
# 2. copies the working tree (tracked and untracked-not-ignored files: a fresh clone plus
#    your uncommitted changes) to a directory owned by an unprivileged user (`viola-test`);
# 3. as that user — no root, no Open vSwitch, QEMU or tshark needed:
#    gates: `cargo fmt --check`, `cargo clippy --workspace --all-targets -D warnings`,
#    `mdbook build docs`; one build of every target; the hermetic tier, plain
#    `cargo test --workspace` (unit, property, harness, simulated-network and doc tests);
#    apps outside the tree (scripts/out-of-tree-apps.sh: `viola new app` crates in /var/tmp,
#    tested, built and run); the vectors of other implementations (scripts/fetch-osken-vectors.sh downloads the
#    os-ken wheel from PyPI; `cargo test -p openflow --features osken-vectors` then FAILS,
#    never skips, if they are missing or any does not round-trip);
#    then every fuzz target of fuzzing/ for VIOLA_FUZZ_SECONDS (default 40) each;
# 4. as root, on the same build: the system tier,
#    `cargo test -p viola-system-tests --features system` (real
#    Open vSwitch, Mininet, QEMU, tshark; those tests FAIL, never skip, when a component is
#    missing), then every scripts/suites/*.sh in name order;
# 5. cleans up (labs, Mininet, default-path OVS daemons it started) and exits non-zero if
#    any step failed.
#
# Logs: target/test-logs/ of this checkout (not /tmp: `mn -c` deletes /tmp/*.log).
# Environment: VIOLA_TEST_TIMEOUT (seconds per cargo test tier, default 1800),
#              VIOLA_SKIP_INSTALL=1 (only check the packages; for machines set up already),
#              VIOLA_TEST_WORK (the unprivileged user's copy and build, default
#              /var/tmp/viola-test; kept between runs so a second run builds incrementally),
#              VIOLA_TEST_USER (default viola-test).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS=$ROOT/target/test-logs
mkdir -p "$LOGS"
START=$(date +%s)
failed=()
TEST_USER=${VIOLA_TEST_USER:-viola-test}
WORK=${VIOLA_TEST_WORK:-/var/tmp/viola-test}
TIMEOUT=${VIOLA_TEST_TIMEOUT:-1800}
MDBOOK_VERSION=0.4.52

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
# The toolchain's own bin directory (not rustup's proxies), so that the unprivileged user
# runs exactly the same cargo and rustc as root does, and builds are shared.
if command -v rustup >/dev/null; then
    TOOLBIN=$(dirname "$(rustup which cargo)")
else
    TOOLBIN=$(dirname "$(readlink -f "$(command -v cargo)")")
fi

opened=()   # directories we gave "others" traverse permission to, restored on exit
cleanup() {
    local bin=$WORK/target/debug/viola
    if [ -x "$bin" ]; then "$bin" lab down >/dev/null 2>&1 || true; fi
    bash "$ROOT/scripts/lab-clean.sh" >/dev/null 2>&1 || true
    if command -v mn >/dev/null; then mn -c >/dev/null 2>&1 || true; fi
    bash "$ROOT/scripts/ovs-default.sh" stop >/dev/null 2>&1 || true
    for d in "${opened[@]}"; do chmod o-x "$d" 2>/dev/null || true; done
    opened=()
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

say "unprivileged copy in $WORK (user $TEST_USER)"
if ! id -u "$TEST_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$WORK" --shell /usr/sbin/nologin "$TEST_USER" || {
        echo "test-all: cannot create user $TEST_USER" >&2
        exit 1
    }
fi
mkdir -p "$WORK"
# The system tier of an earlier run wrote into the build as root: hand it all back.
chown -R "$TEST_USER:" "$WORK"
# Let the user reach the toolchain (traverse only, no listing) where a parent is closed.
d=$TOOLBIN
while [ "$d" != / ]; do
    if [ -z "$(find "$d" -maxdepth 0 -perm -o=x)" ]; then chmod o+x "$d" && opened+=("$d"); fi
    d=$(dirname "$d")
done
rm -rf "$WORK/src"
# Crates already downloaded by root need not be downloaded again.
if [ -d "$HOME/.cargo/registry" ] && [ ! -d "$WORK/cargo-home/registry" ]; then
    mkdir -p "$WORK/cargo-home" && cp -a "$HOME/.cargo/registry" "$WORK/cargo-home/" && chown -R "$TEST_USER:" "$WORK/cargo-home"
fi
runuser -u "$TEST_USER" -- mkdir -p "$WORK/src" "$WORK/cargo-home" "$WORK/target" "$WORK/tools"
git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
    | tar --null -T - -cf - | runuser -u "$TEST_USER" -- tar -xmf - -C "$WORK/src"  # -m: fresh mtimes, so cargo rebuilds what changed

# Root and the user share one environment, so the system tier reuses the user's build.
as() {
    local who=$1
    shift
    local envs=(HOME="$WORK" PATH="$TOOLBIN:$WORK/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        CARGO_HOME="$WORK/cargo-home" CARGO_TARGET_DIR="$WORK/target" CARGO_INCREMENTAL=0
        RUSTC="$TOOLBIN/rustc" RUSTDOC="$TOOLBIN/rustdoc" CARGO_TERM_COLOR=never
        VIOLA_BIN="$WORK/target/debug/viola" ${RUST_LOG:+RUST_LOG=$RUST_LOG})
    if [ "$who" = root ]; then
        (cd "$WORK/src" && env -i "${envs[@]}" "$@")
    else
        (cd "$WORK/src" && runuser -u "$TEST_USER" -- env -i "${envs[@]}" "$@")
    fi
}

# step NAME LOG CMD…: runs a step as the unprivileged user, records a failure.
step() {
    local name=$1 log=$2
    shift 2
    say "$name"
    as user "$@" 2>&1 | tee "$LOGS/$log"
    if [ "${PIPESTATUS[0]}" != 0 ]; then
        failed+=("$name")
        return 1
    fi
}

step "gate: cargo fmt --check" fmt.log cargo fmt --all --check
step "gate: clippy -D warnings" clippy.log sh -c \
    'cargo clippy --workspace --all-targets --locked --features openflow/osken-vectors -- -D warnings &&
     cargo clippy -p viola-bench -p viola-system-tests --all-targets --locked \
         --features viola-bench/plot,viola-system-tests/system -- -D warnings'

if [ ! -x "$WORK/tools/bin/mdbook" ] || ! "$WORK/tools/bin/mdbook" --version | grep -q "$MDBOOK_VERSION"; then
    step "install mdbook $MDBOOK_VERSION" mdbook-install.log \
        cargo install --quiet --locked --root "$WORK/tools" --version "$MDBOOK_VERSION" mdbook
fi
step "gate: mdbook build docs" mdbook.log sh -c 'mdbook build docs -d "$CARGO_TARGET_DIR/book"'

if ! step "build (every target, as $TEST_USER)" build.log cargo build --workspace --all-targets --locked; then
    echo "test-all: build failed (log: $LOGS/build.log)" >&2
    exit 1
fi

step "hermetic tier (as $TEST_USER): cargo test --workspace" cargo-test.log \
    timeout "$TIMEOUT" cargo test --workspace --locked --no-fail-fast
grep -E '^test .* FAILED$' "$LOGS/cargo-test.log" | sed 's/^/test-all: /' || true

step "out-of-tree apps (as $TEST_USER): viola new app, cargo test, run" out-of-tree.log \
    timeout 1200 bash scripts/out-of-tree-apps.sh

step "vectors of other implementations (as $TEST_USER): os-ken's of10-of15 .packet files" osken-vectors.log sh -c \
    'data=$(bash scripts/fetch-osken-vectors.sh "$CARGO_TARGET_DIR/osken-vectors") &&
     VIOLA_OSKEN_PACKET_DATA="$data" cargo test -p openflow --features osken-vectors --test osken_vectors --locked'

step "fuzz (as $TEST_USER): every target for ${VIOLA_FUZZ_SECONDS:-40} s" fuzz.log \
    "$WORK/target/debug/viola-fuzz" --seconds "${VIOLA_FUZZ_SECONDS:-40}" all

say "system tier (as root): cargo test -p viola-system-tests --features system"
as root timeout "$TIMEOUT" cargo test -p viola-system-tests --features system --locked --no-fail-fast 2>&1 | tee "$LOGS/system-test.log"
if [ "${PIPESTATUS[0]}" != 0 ]; then
    failed+=("system tier")
fi
grep -E '^test .* FAILED$' "$LOGS/system-test.log" | sed 's/^/test-all: /' || true

for suite in "$WORK"/src/scripts/suites/*.sh; do
    [ -e "$suite" ] || continue
    name=$(basename "$suite" .sh)
    say "suite $name"
    if as root timeout 900 bash "$suite" >"$LOGS/suite-$name.log" 2>&1; then
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
