#!/usr/bin/env bash
# Suite: Mininet as a user runs it against the `viola run` binary (default apps
# topology,l2-learning): `mn --switch ovs,datapath=user,protocols=P --controller
# remote,ip=127.0.0.1,port=PORT --topo T --test pingall` for tree,depth=2,fanout=2 over
# OpenFlow 1.3 and linear,4 over OpenFlow 1.0 must print "0% dropped", and Viola's
# /metrics must show the packet-ins (the bridges are in secure fail mode: nobody else
# forwards). Needs root, Mininet, Open vSwitch; VIOLA_BIN names the binary.
#
# Mininet wants the OVS daemons on Debian's default paths: if the machine's own OVS runs,
# the suite uses it here; otherwise it runs in a fresh network namespace and starts them
# there with scripts/ovs-default.sh (stopped afterwards).
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."
. scripts/suites/lib/viola.sh
fail() { echo "FAIL: $*"; exit 1; }

if [ -z "${VIOLA_SUITE_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || fail "needs root (Mininet, Open vSwitch)"
    require_tools mn ovs-vsctl ovs-vswitchd ovsdb-server ip python3 flock
    take_lab_lock "$SELF" "$@"   # the Rust lab and Mininet tests take it too
    if ! bash scripts/ovs-default.sh status; then
        in_fresh_netns mininet "$SELF" "$@"
    fi
fi

VIOLA=${VIOLA_BIN:-target/debug/viola}
[ -x "$VIOLA" ] || fail "$VIOLA not built"
RUN=$(mktemp -d /run/viola-mn-suite.XXXXXX)   # not /tmp: `mn -c` deletes /tmp/*.log
STARTED_OVS=0

finish() {
    stop_viola
    [ "$STARTED_OVS" = 1 ] && bash scripts/ovs-default.sh stop >/dev/null 2>&1 || true
    rm -rf "$RUN"
}
trap finish EXIT

if ! bash scripts/ovs-default.sh status; then
    bash scripts/ovs-default.sh start
    STARTED_OVS=1
fi

# mininet_case TOPO PROTOCOLS PAIRS
mininet_case() {
    local topo=$1 proto=$2 pairs=$3 port api out start took pis
    port=$(free_port)
    api=$(free_port)
    start_viola "$port" "$api" "$RUN/viola-$proto.log"
    start=$(date +%s.%N)
    if ! timeout 300 mn --switch "ovs,datapath=user,protocols=$proto" \
        --controller "remote,ip=127.0.0.1,port=$port" \
        --topo "$topo" --test pingall >"$RUN/mn.out" 2>&1; then
        cat "$RUN/mn.out"
        mn -c >/dev/null 2>&1 || true
        fail "mn --topo $topo ($proto) failed"
    fi
    took=$(python3 -c "import sys; print('%.1f' % ($(date +%s.%N) - $start))")
    grep -q "Results: 0% dropped ($pairs/$pairs received)" "$RUN/mn.out" || {
        cat "$RUN/mn.out"; tail -20 "$RUN/viola-$proto.log"
        fail "mn --topo $topo ($proto) against viola: not 0% dropped"
    }
    # Per-switch series go with the switches when mn exits; the per-type total stays.
    pis=$(metric_sum "$api" 'viola_messages_received_total{type="PACKET_IN"}')
    [ "$pis" -gt 0 ] || fail "viola saw no packet-in during mn --topo $topo"
    echo "mininet: $topo $proto -> 0% dropped ($pairs/$pairs), mn ran ${took}s, $pis packet-ins (LLDP included)"
    stop_viola
}

mininet_case tree,depth=2,fanout=2 OpenFlow13 12
mininet_case linear,4 OpenFlow10 12
echo "mininet-viola: ok"
