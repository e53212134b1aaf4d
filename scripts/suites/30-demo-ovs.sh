#!/usr/bin/env bash
# Suite: `viola demo --ovs --topo SPEC` (the binary) on real Open vSwitch for linear,4,
# tree,2,3 and ring,5 (a loop): exit 0 means every host reached every other; the report
# must show 0% dropped and the links found; nothing named `vl-…` may be left. Runs in a
# fresh network namespace. Needs root; VIOLA_BIN names the binary.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."
. scripts/suites/lib/viola.sh
fail() { echo "FAIL: $*"; exit 1; }

in_fresh_netns demo "$SELF" "$@"
require_tools ip ovs-vsctl ovs-vswitchd ovsdb-server ping ethtool python3
VIOLA=${VIOLA_BIN:-target/debug/viola}
[ -x "$VIOLA" ] || fail "$VIOLA not built"
# `viola demo --ovs` uses the default run dir and may reuse daemons that answer there; in
# this namespace they would be another namespace's. Refuse rather than mix.
if ovs-vsctl --db=unix:/run/viola-ovs/db.sock --timeout=2 show >/dev/null 2>&1; then
    fail "OVS daemons answer in /run/viola-ovs (a lab is up?): run \`viola lab down\` first"
fi
if bash scripts/ovs-default.sh status; then
    fail "OVS daemons run on the default paths; stop them (scripts/ovs-default.sh stop) first"
fi
RUN=$(mktemp -d /run/viola-demo-suite.XXXXXX)
trap 'rm -rf "$RUN"' EXIT

for spec in linear,4 tree,2,3 ring,5; do
    start=$(date +%s.%N)
    if ! "$VIOLA" demo --ovs --topo "$spec" >"$RUN/out.txt" 2>"$RUN/err.txt"; then
        cat "$RUN/out.txt" "$RUN/err.txt"
        fail "viola demo --ovs --topo $spec exited non-zero"
    fi
    took=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
    grep -q "0% dropped" "$RUN/out.txt" || { cat "$RUN/out.txt"; fail "$spec: no '0% dropped' line"; }
    if grep -q "X" <(grep -E '^h[0-9]+ ->' "$RUN/out.txt"); then
        cat "$RUN/out.txt"; fail "$spec: a ping failed"
    fi
    left=$( (ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1; ip netns list | awk '{print $1}') | grep '^vl-' || true)
    [ -z "$left" ] || fail "$spec: left behind: $left"
    echo "demo --ovs $spec: ok in ${took}s ($(grep -m1 'dropped' "$RUN/out.txt"))"
done
echo "demo-ovs: ok"
