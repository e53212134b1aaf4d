#!/usr/bin/env bash
# Regenerates openflow/tests/golden/** from real Open vSwitch (needs root).
#
# Runs openflow's `capture_golden` example inside two private network namespaces (one for
# the OVS daemons and their loopback listeners, one for a host behind a veth pair), so
# nothing reaches the real network or any other Open vSwitch instance on the machine.
set -euo pipefail

cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
    echo "capture-golden: must run as root (network namespaces, ovs-vswitchd)" >&2
    exit 1
fi
for tool in ovs-vswitchd ovsdb-server ovsdb-tool ovs-vsctl ovs-ofctl ip ping; do
    command -v "$tool" >/dev/null || { echo "capture-golden: $tool not found" >&2; exit 1; }
done

NS=vgolden
HOST_NS=vgolden-h1
OUT=${1:-openflow/tests/golden}

cleanup() {
    # Daemons of an interrupted run (the tool stops them itself when it ends normally).
    for pidfile in "${TMPDIR:-/tmp}"/viola-golden-*/ovs-vswitchd.pid \
                   "${TMPDIR:-/tmp}"/viola-golden-*/ovsdb-server.pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    rm -rf "${TMPDIR:-/tmp}"/viola-golden-* 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    ip netns del "$HOST_NS" 2>/dev/null || true
}
cleanup
trap cleanup EXIT

cargo build -q -p openflow --example capture_golden
BIN=$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/examples/capture_golden

ip netns add "$NS"
ip netns add "$HOST_NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$HOST_NS" ip link set lo up
ip netns exec "$NS" "$BIN" --out "$OUT" --host-netns "$HOST_NS"
echo "capture-golden: vectors written under $OUT"
